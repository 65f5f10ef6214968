/**
 * What a differential test compares after a run: exit, registers, RIP, RFLAGS, instruction count,
 * a 4 KiB data page and the top of the stack (below 0x90000, where the random programs keep ESP).
 */
import type { Runner } from "./runner";

export interface Outcome {
  exit: number;
  regs: bigint[];
  rip: bigint;
  rflags: number;
  retired: number;
  data: number[];
  stack: number[];
}

export function outcome(r: Runner, exit: number, data: number): Outcome {
  return {
    exit,
    regs: Array.from({ length: 16 }, (_, i) => r.r(i)),
    rip: r.cpu.getRip(),
    rflags: r.cpu.getRflags(),
    retired: r.cpu.instructionsRetired,
    data: Array.from(r.ram.subarray(data, data + 4096)),
    stack: Array.from(r.ram.subarray(0x8ff00, 0x90000)),
  };
}
