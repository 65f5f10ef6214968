/**
 * Shared helpers of the SSE executors: the OSFXSR/EM/TS checks and xmm/m operand access into the
 * scratch registers `t` (source) and `u`.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";

export const UD = 6;
export const XM = 19;
export const CR4_OSXMMEXCPT = 0x400;
export const NM = 7;
export const GP = 13;
export const CR4_OSFXSR = 0x200;
/** Every MXCSR bit incl. DAZ (bit 6) is supported: FXSAVE reports 0xFFFF (SDM Vol. 1 §11.6.6). */
export const MXCSR_MASK = 0xffff;

/** Scratch 128-bit operand. */
export const t = new Int32Array(4);
export const u = new Int32Array(4);
export const tb = new Uint8Array(t.buffer);
export const ub = new Uint8Array(u.buffer);

/** #UD when CR0.EM or !CR4.OSFXSR, #NM when CR0.TS (Intel SDM Vol. 3A table 13-... / 2-2). */
export function sseOk(c: Machine): boolean {
  if ((c.cr0 & 4) || !(c.cr4 & CR4_OSFXSR)) return c.raise(UD, -1) !== 0;
  if (c.cr0 & 8) return c.raise(NM, -1) !== 0;
  return true;
}

/** Read the xmm/m128 source into `t`; aligned forms #GP(0) on a misaligned address. */
export function src128(c: Machine, d: Decoded, aligned: boolean): boolean {
  if (d.mod === 3) {
    const b = d.rm << 2;
    for (let k = 0; k < 4; k++) t[k] = c.xmm32[b + k];
    return true;
  }
  const lin = c.eaLinear(d, 16, false);
  if (c.fault) return false;
  if (aligned && lin % 16 !== 0) return c.raise(GP, 0) !== 0;
  for (let k = 0; k < 4; k++) t[k] = c.read32(lin + 4 * k);
  return c.fault === 0;
}

export function store128(c: Machine, d: Decoded, reg: number, aligned: boolean): void {
  const b = reg << 2;
  if (d.mod === 3) {
    const o = d.rm << 2;
    for (let k = 0; k < 4; k++) c.xmm32[o + k] = c.xmm32[b + k];
    return;
  }
  const lin = c.eaLinear(d, 16, true);
  if (c.fault) return;
  if (aligned && lin % 16 !== 0) { c.raise(GP, 0); return; }
  if (!c.probeWrite(lin, 16)) return;
  for (let k = 0; k < 4; k++) c.write32(lin + 4 * k, c.xmm32[b + k]);
}

/** Read n (4 or 8) bytes of xmm/m source into t[0..] (upper dwords of t zero for memory). */
export function srcLow(c: Machine, d: Decoded, n: number): boolean {
  if (d.mod === 3) {
    const b = d.rm << 2;
    for (let k = 0; k < 4; k++) t[k] = c.xmm32[b + k];
    return true;
  }
  const lin = c.eaLinear(d, n, false);
  if (c.fault) return false;
  t[0] = c.read32(lin);
  t[1] = n === 8 ? c.read32(lin + 4) : 0;
  t[2] = 0;
  t[3] = 0;
  return c.fault === 0;
}

export function setXmm(c: Machine, reg: number, a: number, b: number, x: number, y: number): void {
  const o = reg << 2;
  c.xmm32[o] = a;
  c.xmm32[o + 1] = b;
  c.xmm32[o + 2] = x;
  c.xmm32[o + 3] = y;
}

