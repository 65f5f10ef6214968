/**
 * What every loader produces: a complete, validated plan that Machine.load() carries out with zx_*
 * calls (zx_vcpu_create at `vcpuEntry`, zx_vcpu_write_state for `registers`, the playground extension
 * hvplay_vcpu_write_arch_state for `arch` when the start is not Zircon's long mode, then the memory
 * writes). A loader never touches the guest: it returns a plan or a readable reason.
 */
import type { hvplay_arch_state_input } from "../../zircon";

/** One write into guest memory. */
export interface MemoryWrite {
  gpa: number;
  bytes: Uint8Array;
}

/** General registers the VCPU starts with (ZX_VCPU_STATE fields). */
export type StartRegisters = Partial<Record<"rax" | "rbx" | "rcx" | "rdx" | "rsi" | "rdi" | "rbp" | "rsp", number>>;

export interface BootPlan {
  writes: MemoryWrite[];
  /** zx_vcpu_create's entry: the BSP starts there in 64-bit mode (Zircon), unless `arch` changes the mode. */
  vcpuEntry: number;
  registers: StartRegisters;
  /** Playground extension (KVM's SREGS): the mode, segments and control registers of a non-64-bit start. */
  arch?: hvplay_arch_state_input;
  /** For the UI and --stats: where the guest starts, in words. */
  describe: string;
}

export type StartMode = "real" | "protected" | "long";

const MiB = 1024 * 1024;
export const hex = (n: number) => "0x" + n.toString(16);

/**
 * Identity page tables for a 64-bit start, where Zircon's BSP state expects them (CR3 = 0):
 * PML4 at 0x0, PDPT at 0x1000 mapping the first 4 GiB with 1 GiB pages (P|RW|U|PS), so all RAM and
 * the MMIO region below 4 GiB are reachable.
 */
export const LONG_MODE_TABLES = { base: 0, end: 0x2000 };
export function identityTables(): Uint8Array {
  const t = new Uint8Array(LONG_MODE_TABLES.end);
  const dv = new DataView(t.buffer);
  dv.setBigUint64(0, 0x1007n, true);
  for (let i = 0; i < 4; i++) dv.setBigUint64(0x1000 + i * 8, (BigInt(i) << 30n) | 0x87n, true);
  return t;
}

/** Real mode at `entry`: CS:IP with IP = the low 16 bits (CS = 0 below 64 KiB, as `--entry 0x7c00` → 0000:7C00). */
export function realModeStart(entry: number, sp: number): { arch: hvplay_arch_state_input; registers: StartRegisters; describe: string } {
  const ip = entry & 0xffff;
  const cs = (entry - ip) >>> 4;
  const data = { selector: 0, base: 0, limit: 0xffff, access_rights: 0x93 };
  return {
    arch: {
      cr0: 0x10, cr4: 0, efer: 0, cr3: 0, rip: ip, rflags: 0x2,
      cs: { selector: cs, base: cs << 4, limit: 0xffff, access_rights: 0x9b },
      ds: data, es: data, ss: data, fs: data, gs: data,
      gdtr: { base: 0, limit: 0xffff }, idtr: { base: 0, limit: 0x3ff },
    },
    // DL = 0x80: the boot drive a BIOS hands a boot sector.
    registers: { rdx: 0x80, rsp: sp },
    describe: `real mode at ${hex(cs).padStart(4, "0")}:${hex(ip)}`,
  };
}

/** 32-bit protected mode, flat 4 GiB code (selector 0x08) and data (0x10), paging off: the Multiboot state without the information. */
export function protectedModeStart(entry: number): { arch: hvplay_arch_state_input; registers: StartRegisters; describe: string } {
  const data = { selector: 0x10, base: 0, limit: 0xffffffff, access_rights: 0xc093 };
  return {
    arch: {
      cr0: 0x11, cr4: 0, efer: 0, cr3: 0, rip: entry, rflags: 0x2,
      cs: { selector: 0x08, base: 0, limit: 0xffffffff, access_rights: 0xc09b },
      ds: data, es: data, ss: data, fs: data, gs: data,
    },
    registers: {},
    describe: `32-bit protected mode at ${hex(entry)}`,
  };
}

/** Checks that [gpa, gpa + size) lies in RAM. */
export function fitsRam(gpa: number, size: number, ramBytes: number, what: string): string | null {
  if (!Number.isSafeInteger(gpa) || gpa < 0) return `${what} address ${gpa} is not a guest-physical address`;
  if (gpa + size > ramBytes) return `${what} [${hex(gpa)}, ${hex(gpa + size)}) does not fit in guest RAM (${ramBytes / MiB} MiB)`;
  return null;
}

export function overlaps(a: number, aEnd: number, b: number, bEnd: number): boolean {
  return a < bEnd && b < aEnd;
}
