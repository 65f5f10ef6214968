/**
 * Operand access shared by the executors: the ModRM r/m operand as register or memory, in sizes
 * 1/2/4 (int32 values) and 8 (low half returned, high half in `c.hi`), plus near-branch targets.
 * Memory helpers return 0 / NaN after recording a fault; callers check `c.fault` before committing.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";

const GP = 13;
const CANON = 140737488355328;
const TWO32 = 4294967296;

export function readRm(c: Machine, d: Decoded, size: number): number {
  if (d.mod === 3) return c.getReg(size, d.rm, d.rmByte);
  const lin = c.eaLinear(d, size, false);
  if (c.fault) return 0;
  return c.readN(lin, size);
}

export function writeRm(c: Machine, d: Decoded, size: number, v: number): void {
  if (d.mod === 3) {
    c.setReg(size, d.rm, d.rmByte, v);
    return;
  }
  const lin = c.eaLinear(d, size, true);
  if (c.fault) return;
  c.writeN(lin, size, v);
}

export function readRm64(c: Machine, d: Decoded): number {
  if (d.mod === 3) {
    c.hi = c.r32[(d.rm << 1) + 1];
    return c.r32[d.rm << 1];
  }
  const lin = c.eaLinear(d, 8, false);
  if (c.fault) return 0;
  return readMem64(c, lin);
}

export function readMem64(c: Machine, lin: number): number {
  return c.read64(lin);
}

export function writeRm64(c: Machine, d: Decoded, lo: number, hi: number): void {
  if (d.mod === 3) {
    c.r32[d.rm << 1] = lo;
    c.r32[(d.rm << 1) + 1] = hi;
    return;
  }
  const lin = c.eaLinear(d, 8, true);
  if (c.fault) return;
  c.write64(lin, lo, hi);
}

/**
 * Linear address for a read-modify-write memory operand, with the write checked up front so the
 * final write cannot fault after flags or registers changed. NaN after a fault.
 */
export function rmwLinear(c: Machine, d: Decoded, size: number): number {
  const lin = c.eaLinear(d, size, true);
  if (c.fault) return NaN;
  if (!c.probeWrite(lin, size)) return NaN;
  return lin;
}

export function setReg64(c: Machine, r: number, lo: number, hi: number): void {
  c.r32[r << 1] = lo;
  c.r32[(r << 1) + 1] = hi;
}

/** Operand size of default-64 stack and branch instructions (PUSH, POP, CALL, RET, ...). */
export function stackOsz(c: Machine, d: Decoded): number {
  if (c.codeMode === 2) return d.p66 ? 2 : 8;
  return d.osz;
}

/**
 * Validate a near branch target and make it the next RIP: canonical in 64-bit mode, else truncated
 * to the operand size and within the CS limit (#GP(0) otherwise; Intel SDM JMP).
 */
export function branchTo(c: Machine, target: number, osz: number): boolean {
  if (c.codeMode === 2) {
    if (osz === 2) target &= 0xffff;
    if (!(target >= -CANON && target < CANON)) {
      c.raise(GP, 0);
      return false;
    }
    c.nextRip = target;
    return true;
  }
  target = osz === 2 ? target & 0xffff : target >>> 0;
  if (target > c.segLimit[1]) {
    c.raise(GP, 0);
    return false;
  }
  c.nextRip = target;
  return true;
}

/** Push a value of the stack operand size `size` (2, 4, 8); `v` is a JS number (for 8: exact integer). */
export function pushValue(c: Machine, size: number, v: number): void {
  if (size === 8) c.push64(v | 0, Math.floor(v / TWO32));
  else c.push(size, v);
}

export function pushPair(c: Machine, size: number, lo: number, hi: number): void {
  if (size === 8) c.push64(lo, hi);
  else c.push(size, lo);
}

/** Read the top of stack (size 2/4/8) without popping; for 8 the high half goes to c.hi. */
export function peekTop(c: Machine, size: number): number {
  if (size === 8) {
    const lin = c.stackLinear(0, 8, false);
    if (c.fault) return 0;
    return readMem64(c, lin);
  }
  return c.peek(size, 0);
}

/** Pop the stack by `size` bytes (after a successful peekTop). */
export function dropStack(c: Machine, size: number): void {
  c.setSp(c.wrapSp(c.getSp() + size));
}
