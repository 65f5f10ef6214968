/**
 * Shared helpers of the SSE and MMX executors: the OSFXSR/EM/TS checks, xmm/m and mm/m operand
 * access into the scratch registers `t` (source) and `u`, and the MMX view of the x87 registers.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { x87Pending } from "./exec-x87";

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


// ---------------------------------------------------------------------------------------------
// MMX registers (Intel SDM Vol. 1 §9.2, Vol. 3A §12.1–12.2): MM0–MM7 are the 64-bit significand
// fields of the physical x87 registers R0–R7 (`c.fpuSig`), whatever TOP is. They are reached
// through an Int32Array view of that BigUint64Array so that MMX code never makes a BigInt.
// ---------------------------------------------------------------------------------------------

export const MF = 16;
const CR0_EM = 4;
const CR0_TS = 8;

let viewOwner: BigUint64Array | null = null;
let view32: Int32Array = new Int32Array(16);
const views = new WeakMap<BigUint64Array, Int32Array>();

/** The MMX registers of `c` as 16 dwords (MMi = [2i] low, [2i + 1] high); no allocation after the first call per machine. */
export function mmx32(c: Machine): Int32Array {
  const sig = c.fpuSig;
  if (sig !== viewOwner) {
    let v = views.get(sig);
    if (v === undefined) {
      v = new Int32Array(sig.buffer, sig.byteOffset, 16);
      views.set(sig, v);
    }
    viewOwner = sig;
    view32 = v;
  }
  return view32;
}

/**
 * Exception checks of an instruction on MMX registers (Intel SDM Vol. 3B table 23-7 / Vol. 3A
 * table 12-1): CR0.EM → #UD, CR0.TS → #NM, then a pending x87 exception → #MF. CR4.OSFXSR is not
 * required. The forms that also use an XMM register call sseOk first (tables 23-5 / 23-6).
 */
export function mmxOk(c: Machine): boolean {
  if (c.cr0 & CR0_EM) return c.raise(UD, -1) !== 0;
  if (c.cr0 & CR0_TS) return c.raise(NM, -1) !== 0;
  return !x87Pending(c);
}

/**
 * The x87 → MMX transition every MMX instruction but EMMS makes (Intel SDM Vol. 3A §12.2, table
 * 12-2): TOP = 0 and all eight tags valid (00b). Called once the instruction can no longer fault.
 */
export function enterMmx(c: Machine): void {
  c.fpuSw &= ~0x3800;
  c.fpuTw = 0;
}

/** Write MMr: the significand gets the value, bits 64–79 (sign and exponent) become all ones. */
export function setMm(c: Machine, r: number, lo: number, hi: number): void {
  const m = mmx32(c);
  m[r << 1] = lo;
  m[(r << 1) + 1] = hi;
  c.fpuSe[r] = 0xffff;
}

/** Read the mm/m64 source (ModRM.rm; REX.B does not extend MMX register numbers) into t[0..1]; t[2..3] = 0. */
export function mmSrc(c: Machine, d: Decoded): boolean {
  t[2] = 0;
  t[3] = 0;
  if (d.mod === 3) {
    const m = mmx32(c);
    const r = (d.rm & 7) << 1;
    t[0] = m[r];
    t[1] = m[r + 1];
    return true;
  }
  const lin = c.eaLinear(d, 8, false);
  if (c.fault) return false;
  t[0] = c.read32(lin);
  t[1] = c.read32(lin + 4);
  return c.fault === 0;
}
