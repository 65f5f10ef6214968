/**
 * Named bits of the x86 registers the debugger shows (Intel SDM Vol. 3A §2.5 control registers,
 * §2.2.1 EFER, Vol. 1 §3.4.3 EFLAGS, Vol. 3C §24.4.1 VMCS segment access rights), and how to decode
 * them for display. Pure: tested in bits.test.ts.
 */
import type { CpuMode } from "../../../workers/api";

export interface NamedBit {
  bit: number;
  name: string;
  /** One line, for the tooltip. */
  title: string;
}

/** RFLAGS bits that have a name, lowest first (IOPL, bits 13:12, is a field: see iopl()). */
export const RFLAGS_BITS: readonly NamedBit[] = [
  { bit: 0, name: "CF", title: "carry" },
  { bit: 2, name: "PF", title: "parity" },
  { bit: 4, name: "AF", title: "auxiliary carry" },
  { bit: 6, name: "ZF", title: "zero" },
  { bit: 7, name: "SF", title: "sign" },
  { bit: 8, name: "TF", title: "trap (single step)" },
  { bit: 9, name: "IF", title: "interrupts enabled" },
  { bit: 10, name: "DF", title: "direction (string instructions go down)" },
  { bit: 11, name: "OF", title: "overflow" },
  { bit: 14, name: "NT", title: "nested task" },
  { bit: 16, name: "RF", title: "resume (suppress instruction breakpoints once)" },
  { bit: 17, name: "VM", title: "virtual-8086 mode" },
  { bit: 18, name: "AC", title: "alignment check / SMAP access control" },
  { bit: 19, name: "VIF", title: "virtual interrupt flag" },
  { bit: 20, name: "VIP", title: "virtual interrupt pending" },
  { bit: 21, name: "ID", title: "CPUID available" },
];

export const CR0_BITS: readonly NamedBit[] = [
  { bit: 0, name: "PE", title: "protection enable" },
  { bit: 1, name: "MP", title: "monitor coprocessor" },
  { bit: 2, name: "EM", title: "x87 emulation" },
  { bit: 3, name: "TS", title: "task switched" },
  { bit: 4, name: "ET", title: "extension type" },
  { bit: 5, name: "NE", title: "numeric error (native x87 exceptions)" },
  { bit: 16, name: "WP", title: "write protect (supervisor writes honour R/W)" },
  { bit: 18, name: "AM", title: "alignment mask" },
  { bit: 29, name: "NW", title: "not write-through" },
  { bit: 30, name: "CD", title: "cache disable" },
  { bit: 31, name: "PG", title: "paging" },
];

export const CR4_BITS: readonly NamedBit[] = [
  { bit: 0, name: "VME", title: "virtual-8086 mode extensions" },
  { bit: 1, name: "PVI", title: "protected-mode virtual interrupts" },
  { bit: 2, name: "TSD", title: "RDTSC only at CPL 0" },
  { bit: 3, name: "DE", title: "debugging extensions" },
  { bit: 4, name: "PSE", title: "4 MiB pages in 32-bit paging" },
  { bit: 5, name: "PAE", title: "physical address extension (PAE / 4-level paging)" },
  { bit: 6, name: "MCE", title: "machine-check enable" },
  { bit: 7, name: "PGE", title: "global pages" },
  { bit: 8, name: "PCE", title: "RDPMC at any CPL" },
  { bit: 9, name: "OSFXSR", title: "FXSAVE/FXRSTOR and SSE enabled" },
  { bit: 10, name: "OSXMMEXCPT", title: "unmasked SSE exceptions raise #XM" },
  { bit: 11, name: "UMIP", title: "user-mode instruction prevention" },
  { bit: 12, name: "LA57", title: "5-level paging" },
  { bit: 13, name: "VMXE", title: "VMX enable" },
  { bit: 16, name: "FSGSBASE", title: "RDFSBASE and friends" },
  { bit: 17, name: "PCIDE", title: "process-context identifiers" },
  { bit: 18, name: "OSXSAVE", title: "XSAVE and XCR0" },
  { bit: 20, name: "SMEP", title: "supervisor-mode execution prevention" },
  { bit: 21, name: "SMAP", title: "supervisor-mode access prevention" },
  { bit: 22, name: "PKE", title: "protection keys" },
];

export const EFER_BITS: readonly NamedBit[] = [
  { bit: 0, name: "SCE", title: "SYSCALL/SYSRET enable" },
  { bit: 8, name: "LME", title: "long mode enable" },
  { bit: 10, name: "LMA", title: "long mode active" },
  { bit: 11, name: "NXE", title: "execute-disable bit enable" },
];

export function bitSet(value: bigint, bit: number): boolean {
  return ((value >> BigInt(bit)) & 1n) !== 0n;
}

/** The names of the set bits, lowest first: "PE ET PG". */
export function setBitNames(value: bigint, bits: readonly NamedBit[]): string[] {
  return bits.filter((b) => bitSet(value, b.bit)).map((b) => b.name);
}

export function iopl(rflags: bigint): number {
  return Number((rflags >> 12n) & 3n);
}

/** RFLAGS with `bit` flipped (bit 1, always 1, is kept). */
export function toggleBit(value: bigint, bit: number): bigint {
  return (value ^ (1n << BigInt(bit))) | 2n;
}

export function withIopl(rflags: bigint, level: number): bigint {
  return (rflags & ~(3n << 12n)) | (BigInt(level & 3) << 12n);
}

/** A segment register's access rights in the VMCS format, decoded. */
export interface AccessRights {
  /** Bits 3:0. */
  type: number;
  /** S: code/data (true) or system (false) descriptor. */
  codeData: boolean;
  dpl: number;
  present: boolean;
  avl: boolean;
  /** L: 64-bit code segment. */
  long: boolean;
  /** D/B: default operation size 32 (code) or big (stack/data). */
  defaultBig: boolean;
  /** G: limit in 4 KiB units. */
  granularity: boolean;
  /** Bit 16: the register holds no usable segment (VMX). */
  unusable: boolean;
  /** The type in words: "code, execute/read, accessed", "64-bit TSS (busy)". */
  typeText: string;
}

/** System-descriptor types (S = 0) for legacy and IA-32e modes (SDM Vol. 3A table 3-2). */
const SYSTEM_TYPES_LEGACY = [
  "reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)", "16-bit call gate", "task gate",
  "16-bit interrupt gate", "16-bit trap gate", "reserved", "32-bit TSS (available)", "reserved",
  "32-bit TSS (busy)", "32-bit call gate", "reserved", "32-bit interrupt gate", "32-bit trap gate",
];
const SYSTEM_TYPES_LONG = [
  "reserved", "reserved", "LDT", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
  "64-bit TSS (available)", "reserved", "64-bit TSS (busy)", "64-bit call gate", "reserved",
  "64-bit interrupt gate", "64-bit trap gate",
];

/** The type field of a segment descriptor in words (SDM Vol. 3A §3.4.5.1, table 3-1). */
export function segmentTypeText(type: number, codeData: boolean, longMode: boolean): string {
  const t = type & 15;
  if (!codeData) return (longMode ? SYSTEM_TYPES_LONG : SYSTEM_TYPES_LEGACY)[t];
  const parts: string[] = [];
  if (t & 8) {
    parts.push("code", t & 2 ? "execute/read" : "execute-only");
    if (t & 4) parts.push("conforming");
  } else {
    parts.push("data", t & 2 ? "read/write" : "read-only");
    if (t & 4) parts.push("expand-down");
  }
  if (t & 1) parts.push("accessed");
  return parts.join(", ");
}

export function decodeAccessRights(ar: number, longMode = false): AccessRights {
  const type = ar & 15;
  const codeData = (ar & 0x10) !== 0;
  return {
    type,
    codeData,
    dpl: (ar >> 5) & 3,
    present: (ar & 0x80) !== 0,
    avl: (ar & 0x1000) !== 0,
    long: (ar & 0x2000) !== 0,
    defaultBig: (ar & 0x4000) !== 0,
    granularity: (ar & 0x8000) !== 0,
    unusable: (ar & 0x10000) !== 0,
    typeText: segmentTypeText(type, codeData, longMode),
  };
}

/** The mode in words, for the panel head: "long mode, 64-bit code". */
export function describeMode(mode: CpuMode): string {
  switch (mode) {
    case "real": return "real mode, 16-bit code";
    case "v86": return "virtual-8086 mode, 16-bit code";
    case "protected16": return "protected mode, 16-bit code";
    case "protected32": return "protected mode, 32-bit code";
    case "compat16": return "long mode, compatibility 16-bit code";
    case "compat32": return "long mode, compatibility 32-bit code";
    case "long64": return "long mode, 64-bit code";
  }
}
