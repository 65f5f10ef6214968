/**
 * A scripted VirtualCpu for unit tests of the exit handling (the real Cpu runs the conformance suite).
 * Each run() takes the next step of `script`: a function that sets up `exit` and returns an exit
 * reason, as the hardware would report it. An empty script retires the whole budget (EXIT_NONE).
 */
import { ExitInfo, EXIT_NONE, type SegmentState, type VirtualCpu } from "../../x86/vtx";
import { PhysicalMemory } from "../../x86/phys-mem";
import type { Machine } from "../kernel-object";
import { createKernel, ZX_OK, ZX_VM_PERM_READ, ZX_VM_PERM_WRITE, ZX_VM_SPECIFIC } from "../index";

export type Step = (cpu: ScriptedCpu, budget: number) => number;

export class ScriptedCpu implements VirtualCpu {
  readonly exit = new ExitInfo();
  instructionsRetired = 0;
  readonly regs: bigint[] = new Array(16).fill(0n);
  rip = 0n;
  rflags = 2;
  readonly segs: SegmentState[] = Array.from({ length: 8 }, () => ({ selector: 0, base: 0n, limit: 0, accessRights: 0 }));
  gdtrBase = 0n;
  gdtrLimit = 0;
  idtrBase = 0n;
  idtrLimit = 0;
  cr0 = 0;
  cr2 = 0n;
  cr3 = 0n;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  xcr0 = 0;
  cr0Mask = 0;
  cr0Shadow = 0;
  cr4Mask = 0;
  cr4Shadow = 0;
  interruptWindowExiting = false;
  interruptShadow = false;
  nmiBlocked = false;
  readonly xmm = new Uint8Array(256);
  readonly msrs = new Map<number, bigint>();
  /** Events injected at entry, in order (the test reads them). */
  readonly injected: Array<{ vector: number; type: number; errorCode: number }> = [];
  readonly script: Step[] = [];
  stopRequested = false;

  constructor(readonly memory: PhysicalMemory) {}

  run(budget: number): number {
    const step = this.script.shift();
    if (!step) {
      this.instructionsRetired += budget;
      return EXIT_NONE;
    }
    return step(this, budget);
  }
  requestStop(): void {
    this.stopRequested = true;
  }
  getRegister(i: number): bigint {
    return this.regs[i];
  }
  setRegister(i: number, v: bigint): void {
    this.regs[i] = BigInt.asUintN(64, v);
  }
  getRip(): bigint {
    return this.rip;
  }
  setRip(v: bigint): void {
    this.rip = v;
  }
  ripNumber(): number {
    return Number(BigInt.asIntN(64, this.rip));
  }
  setRipNumber(v: number): void {
    this.rip = BigInt.asUintN(64, BigInt(v));
  }
  getRegister32(i: number): number {
    return Number(this.regs[i] & 0xffffffffn);
  }
  setRegisterLow32(i: number, v: number): void {
    this.regs[i] = (this.regs[i] & 0xffffffff00000000n) | BigInt(v >>> 0);
  }
  segmentAccessRights(i: number): number {
    return this.segs[i].accessRights;
  }
  /** Host breakpoints (the scripted CPU never stops at them; recorded for tests). */
  readonly hostBreakpoints = new Set<bigint>();
  setHostBreakpoint(rip: bigint, enabled: boolean): void {
    if (enabled) this.hostBreakpoints.add(rip);
    else this.hostBreakpoints.delete(rip);
  }
  clearHostBreakpoints(): void {
    this.hostBreakpoints.clear();
  }
  getRflags(): number {
    return this.rflags;
  }
  setRflags(v: number): void {
    this.rflags = v;
  }
  getSegment(i: number): SegmentState {
    return { ...this.segs[i] };
  }
  setSegment(i: number, s: SegmentState): void {
    this.segs[i] = { ...s };
  }
  readMsr(msr: number): bigint | undefined {
    return this.msrs.get(msr);
  }
  writeMsr(msr: number, value: bigint): boolean {
    if (!this.msrs.has(msr)) return false;
    this.msrs.set(msr, value);
    return true;
  }
  injectEvent(vector: number, type: number, errorCode: number): void {
    this.injected.push({ vector, type, errorCode });
  }
  canTakeInterrupt(): boolean {
    return (this.rflags & 0x200) !== 0 && !this.interruptShadow;
  }
  canTakeNmi(): boolean {
    return !this.nmiBlocked;
  }
  clearInterruptShadow(): void {
    this.interruptShadow = false;
  }
}

/** A machine whose CPUs are ScriptedCpus; `cpus` lists them in creation order. */
export function scriptedMachine(): Machine & { cpus: ScriptedCpu[] } {
  const cpus: ScriptedCpu[] = [];
  return {
    cpus,
    createMemory: () => new PhysicalMemory(),
    createCpu: (memory) => {
      const cpu = new ScriptedCpu(memory as PhysicalMemory);
      cpus.push(cpu);
      return cpu;
    },
  };
}

/** Step helpers: each fills `exit` like the CPU would and returns the reason. */
export function exitStep(reason: number, length: number, fill?: (e: ExitInfo) => void, retire = 0): Step {
  return (cpu) => {
    cpu.instructionsRetired += retire;
    const e = cpu.exit;
    e.reason = reason;
    e.instructionLength = length;
    e.string = false;
    e.rep = false;
    e.input = false;
    fill?.(e);
    return reason;
  };
}

/**
 * A kernel on a scripted machine with one process, a guest with 64 KiB of RAM mapped at 0, and a
 * VCPU created at 0x1000: the usual start of an exit-handling test.
 */
export function scriptedGuest() {
  const machine = scriptedMachine();
  const kernel = createKernel({ machine, log: () => {} });
  const proc = kernel.createProcess();
  const t = proc.mainThread;
  const { guest_handle: guest, vmar_handle: vmar } = t.zx_guest_create(proc.hypervisorResource, 0);
  const vmo = t.zx_vmo_create(0x10000, 0).out;
  const mapped = t.zx_vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC, 0, vmo, 0, 0x10000).status;
  if (mapped !== ZX_OK) throw new Error(`zx_vmar_map: ${mapped}`);
  const vcpu = t.zx_vcpu_create(guest, 0, 0x1000).out;
  return { kernel, proc, t, guest, vmar, vcpu, cpu: machine.cpus[0], machine };
}
