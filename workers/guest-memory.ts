/**
 * Reading guest memory by linear address from the VMM's side, as a debugger stub does: translate
 * each page through the guest's own page tables (src/x86/page-walk.ts, a pure walk over guest RAM
 * that sets no accessed bits) and copy from the RAM view.
 */
import type { ArchDetail } from "./api";
import { ramReader, walkPage } from "../src/x86/page-walk";

const PAGE = 4096n;

/**
 * `len` bytes at `linear`, or null if any byte's page is not mapped (or lies outside RAM). Instruction
 * fetch rules are used (a supervisor fetch), so the bytes are what the CPU would execute.
 */
export function readLinear(ram: Uint8Array, ctl: Pick<ArchDetail, "cr0" | "cr3" | "cr4" | "efer">, linear: bigint, len: number): Uint8Array | null {
  const out = new Uint8Array(len);
  const read = ramReader(ram);
  let done = 0;
  while (done < len) {
    const lin = linear + BigInt(done);
    const walk = walkPage(read, ctl, lin);
    if (walk.physical === null) return null;
    const inPage = Number(PAGE - (lin % PAGE));
    const n = Math.min(inPage, len - done);
    const phys = Number(walk.physical);
    if (phys + n > ram.length) return null;
    out.set(ram.subarray(phys, phys + n), done);
    done += n;
  }
  return out;
}
