/**
 * Debug registers DR0-DR7 (Intel SDM Vol. 3B ch. 17, "Debug, Branch Profile, TSC, and Intel
 * Resource Director Technology Features"; Vol. 2B "MOV—Move to/from Debug Registers").
 *
 * What lives where:
 * - here: MOV DRn (its #UD/#DB/#GP rules and the register formats) and `refreshBreakpoints`, which
 *   turns DR0-DR3/DR7 into the masks and ranges the memory paths test;
 * - machine.ts: data breakpoints are found on TLB misses (`fill` → `noteWatch`; a page holding a
 *   watched range is never tagged in the TLB, so every access to it misses), and a page holding an
 *   instruction breakpoint never becomes the current code page, so its instructions run one by one
 *   through Cpu.stepOne; with no breakpoint enabled nothing runs per access or per instruction;
 * - cpu.ts: the instruction-boundary rules — instruction breakpoints are faults checked before the
 *   instruction (suppressed by RFLAGS.RF and in a MOV SS / POP SS shadow), data breakpoints and
 *   single-step are traps reported together in one #DB after the instruction (deferred past a
 *   MOV SS / POP SS), RF is cleared as each instruction starts and set in the RFLAGS image of
 *   fault-class exceptions and of traps after a non-final iteration of a REP string instruction.
 *
 * I/O breakpoints (R/W = 10 with CR4.DE = 1) are accepted and read back as written but never
 * fire: I/O instructions always exit to the hypervisor (as under VMX, where a VMM that completes the
 * I/O must itself report such a trap). With CR4.DE = 0 the encoding is undefined; it never fires either.
 */
import { ATT_DEBUG, type Machine } from "./machine";
import type { Decoded } from "./decode";

const UD = 6;
const DB = 1;
const GP = 13;
const CR4_DE = 0x8;
const TWO32 = 4294967296;

/** DR6 status bits (Intel SDM Vol. 3B §17.2.3). */
export const DR6_B_MASK = 0xf;
export const DR6_BD = 0x2000;
export const DR6_BS = 0x4000;
export const DR6_BT = 0x8000;
/** DR6 bits software can change; the others read as fixed values (bits 4-11 and 16-31 as 1, bit 12 as 0). */
const DR6_WRITABLE = 0xe00f;
const DR6_FIXED_1 = 0xffff0ff0;
/** DR7: GD (general detect), bit 10 reads as 1; bits 11, 12, 14, 15 read as 0 (no RTM, no ICE). */
export const DR7_GD = 0x2000;
const DR7_WRITABLE = 0xffff23ff;
const DR7_FIXED_1 = 0x400;

/** Architectural reset values (Intel SDM Vol. 3A table 10-1). */
export const DR6_INIT = 0xffff0ff0;
export const DR7_INIT = 0x400;

/** Length in bytes of LENn encoding 0-3: 1, 2, 8, 4 (10 = 8 bytes, Intel SDM Vol. 3B §17.2.5). */
const LEN_BYTES = [1, 2, 8, 4];

/**
 * Recompute the breakpoint masks and ranges from DR7 and DR0-DR3, then drop cached translations so
 * that pages holding a breakpoint take the checked paths (see the file comment). A breakpoint's range
 * is DRn with its low bits cleared to the length's alignment (Intel SDM Vol. 3B §17.2.5: the
 * processor ignores the low address bits); instruction breakpoints are used with LEN = 00.
 */
export function refreshBreakpoints(c: Machine): void {
  const dr7 = c.dr[7];
  let exec = 0;
  let write = 0;
  let read = 0;
  for (let n = 0; n < 4; n++) {
    if (((dr7 >>> (n * 2)) & 3) === 0) continue;
    const rw = (dr7 >>> (16 + n * 4)) & 3;
    const len = LEN_BYTES[(dr7 >>> (18 + n * 4)) & 3];
    const lo = c.drLo[n] >>> 0;
    const lo32 = lo - (lo % len);
    c.bpStart32[n] = lo32;
    c.bpEnd32[n] = lo32 + len;
    const full = c.drHi[n] * TWO32 + lo32;
    c.bpStart[n] = full;
    c.bpEnd[n] = full + len;
    if (rw === 0) exec |= 1 << n;
    else if (rw === 1) write |= 1 << n;
    else if (rw === 3) {
      write |= 1 << n;
      read |= 1 << n;
    }
  }
  c.execBreak = exec;
  c.watchWrite = write;
  c.watchRead = read;
  c.dropTranslations();
}

/** The value MOV from DRn reads (n = 0-3, 6, 7), as a number (DR0-DR3 may be 64-bit). */
export function readDebugRegister(c: Machine, n: number): number {
  if (n === 6) return ((c.dr[6] & DR6_WRITABLE) | DR6_FIXED_1) >>> 0;
  if (n === 7) return ((c.dr[7] & DR7_WRITABLE) | DR7_FIXED_1) >>> 0;
  return c.drHi[n] * TWO32 + (c.drLo[n] >>> 0);
}

/** Set DRn (n = 0-3, 6, 7) from 64 bits hi:lo (DR6/DR7: hi must be 0), keeping the breakpoint state in step. */
export function writeDebugRegister(c: Machine, n: number, lo: number, hi: number): void {
  if (n < 4) {
    c.drLo[n] = lo;
    c.drHi[n] = hi;
    c.dr[n] = hi * TWO32 + (lo >>> 0);
    if (c.dr[7] & 0xff) refreshBreakpoints(c);
  } else if (n === 6) {
    c.dr[6] = ((lo & DR6_WRITABLE) | DR6_FIXED_1) >>> 0;
  } else {
    c.dr[7] = ((lo & DR7_WRITABLE) | DR7_FIXED_1) >>> 0;
    refreshBreakpoints(c);
  }
}

/**
 * MOV DRn, r32/r64 (0F 23, `toDr`) and MOV r32/r64, DRn (0F 21). The ModRM mod field is ignored;
 * the operand is 64 bits in 64-bit mode, else 32. Checks in the order Bochs uses (decode-class #UD,
 * then general detect, then privilege):
 * - #UD for DR8-DR15 (REX.R) and, with CR4.DE = 1, for DR4/DR5 (with DE = 0 they alias DR6/DR7);
 * - #DB when DR7.GD = 1 (general detect, a fault: DR6.BD is set and GD cleared so the handler can
 *   use the debug registers; Intel SDM Vol. 3B §17.2.4, §17.3.1.3);
 * - #GP(0) at CPL > 0 (virtual-8086 mode included);
 * - #GP(0) writing a 1 into bits 63:32 of DR6 or DR7 in 64-bit mode.
 */
export function movDebugRegister(c: Machine, d: Decoded, toDr: boolean): void {
  let n = d.reg;
  if (n > 7) {
    c.raise(UD, -1);
    return;
  }
  if (n === 4 || n === 5) {
    if (c.cr4 & CR4_DE) {
      c.raise(UD, -1);
      return;
    }
    n += 2;
  }
  if (c.dr[7] & DR7_GD) {
    c.dr[6] = ((c.dr[6] & ~DR6_B_MASK & DR6_WRITABLE) | DR6_BD | DR6_FIXED_1) >>> 0;
    c.dr[7] = (c.dr[7] & ~DR7_GD) >>> 0;
    c.raise(DB, -1);
    return;
  }
  if (c.cpl !== 0) {
    c.raise(GP, 0);
    return;
  }
  const r = d.rm;
  const long = c.codeMode === 2;
  if (!toDr) {
    const lo = n < 4 ? c.drLo[n] : readDebugRegister(c, n) | 0;
    c.r32[r << 1] = lo;
    c.r32[(r << 1) + 1] = long && n < 4 ? c.drHi[n] : 0;
    return;
  }
  const lo = c.r32[r << 1];
  const hi = long ? c.r32[(r << 1) + 1] : 0;
  if (n >= 6 && hi !== 0) {
    c.raise(GP, 0);
    return;
  }
  writeDebugRegister(c, n, lo, hi);
}

/**
 * A task switch's effect on debugging (for tasks.ts; Intel SDM Vol. 3B §17.2.4, §17.3.1.5): the
 * local enables L0-L3 of DR7 are cleared, and when the new TSS has its T flag set (byte 100, bit 0)
 * a #DB trap with DR6.BT is due before the new task's first instruction.
 */
export function taskSwitchDebug(c: Machine, tFlag: boolean): void {
  if (c.dr[7] & 0x55) {
    c.dr[7] = (c.dr[7] & ~0x55) >>> 0;
    refreshBreakpoints(c);
  }
  if (tFlag) {
    c.dbgTrap |= DR6_BT;
    c.attention |= ATT_DEBUG;
  }
}
