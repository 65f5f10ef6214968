/**
 * The registers NASM names (case-insensitive), with their class, number and size. NASM 2.16 has no
 * RIP register in effective addresses (RIP-relative addressing is written `[rel x]`).
 */

export type RegClass =
  | "gpr8" // AL..BH and, with REX, SPL..DIL, R8B..R15B
  | "gpr16"
  | "gpr32"
  | "gpr64"
  | "sreg"
  | "cr"
  | "dr"
  | "st"
  | "mm"
  | "xmm";

export interface Reg {
  name: string;
  cls: RegClass;
  /** 0-15: the number in ModRM/SIB/opcode, REX bit included. */
  num: number;
  /** Bytes (gpr, mm 8, xmm 16, st 10, sreg 2). */
  size: number;
  /** AH CH DH BH: cannot be used with a REX prefix. */
  high?: boolean;
  /** SPL BPL SIL DIL: need a REX prefix. */
  needsRex?: boolean;
}

const REGS = new Map<string, Reg>();

function add(name: string, cls: RegClass, num: number, size: number, extra?: Partial<Reg>): void {
  REGS.set(name, { name, cls, num, size, ...extra });
}

const LOW8 = ["al", "cl", "dl", "bl"];
const HIGH8 = ["ah", "ch", "dh", "bh"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
LOW8.forEach((n, i) => add(n, "gpr8", i, 1));
HIGH8.forEach((n, i) => add(n, "gpr8", i + 4, 1, { high: true }));
["spl", "bpl", "sil", "dil"].forEach((n, i) => add(n, "gpr8", i + 4, 1, { needsRex: true }));
R16.forEach((n, i) => {
  add(n, "gpr16", i, 2);
  add("e" + n, "gpr32", i, 4);
  add("r" + n, "gpr64", i, 8);
});
for (let i = 8; i < 16; i++) {
  add(`r${i}`, "gpr64", i, 8);
  add(`r${i}d`, "gpr32", i, 4);
  add(`r${i}w`, "gpr16", i, 2);
  add(`r${i}b`, "gpr8", i, 1);
  add(`r${i}l`, "gpr8", i, 1); // NASM accepts R8L..R15L as R8B..R15B
}
["es", "cs", "ss", "ds", "fs", "gs"].forEach((n, i) => add(n, "sreg", i, 2));
for (let i = 0; i < 16; i++) {
  add(`cr${i}`, "cr", i, 0);
  add(`dr${i}`, "dr", i, 0);
  add(`xmm${i}`, "xmm", i, 16);
}
for (let i = 0; i < 8; i++) {
  add(`st${i}`, "st", i, 10);
  add(`mm${i}`, "mm", i, 8);
}

/** The register called `name` (any case), or undefined. */
export function register(name: string): Reg | undefined {
  return REGS.get(name.length <= 5 ? name.toLowerCase() : "");
}

/** Does `reg` need REX (a register numbered 8-15, or SPL..DIL)? */
export function regNeedsRex(reg: Reg): boolean {
  return (reg.num >= 8 && reg.cls !== "st" && reg.cls !== "mm") || reg.needsRex === true;
}

export function isGpr(reg: Reg): boolean {
  return reg.cls === "gpr8" || reg.cls === "gpr16" || reg.cls === "gpr32" || reg.cls === "gpr64";
}
