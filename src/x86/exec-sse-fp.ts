/**
 * SSE/SSE2/SSE3 floating-point instructions (Intel SDM Vol. 2): ADD/SUB/MUL/DIV/SQRT/MIN/MAX in
 * PS/PD/SS/SD forms, RCP/RSQRT, CMPcc, (U)COMIS, the CVT family incl. the MMX-register forms
 * (CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI), SHUFPS/SHUFPD, UNPCKHPS/PD, MOVMSKPS/PD, and SSE3's
 * ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD. The arithmetic itself is sse-float.ts; here: operands,
 * MXCSR and the #XM/#UD delivery of unmasked exceptions (SDM Vol. 1 §11.5.1, Vol. 3A §6.15 #XM:
 * #UD when CR4.OSXMMEXCPT = 0). An unmasked exception leaves the destination unchanged.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { readRm, readRm64, setReg64 } from "./operands";
import { setFlagsExplicit } from "./arith";
import { UD, GP, XM, CR4_OSXMMEXCPT, t, src128, srcLow, setXmm, mmSrc, enterMmx, setMm } from "./exec-sse-common";
import { x87Pending } from "./exec-x87";
import { F32, F64, Fmt, env, setEnv, fAdd, fMul, fDiv, fSqrt, fMinMax, fCompare, fConvert, fFromInt, fToInt, roundPack, unpack, ZERO, INF, QNAN, SNAN, FINITE, infBits, zeroBits, indefinite } from "./sse-float";

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

const r = new Int32Array(4);

function lane32(a: Int32Array, i: number): bigint {
  return BigInt(a[i] >>> 0);
}
function lane64(a: Int32Array, i: number): bigint {
  return BigInt(a[2 * i] >>> 0) | (BigInt(a[2 * i + 1] >>> 0) << 32n);
}
function put32(i: number, v: bigint): void {
  r[i] = Number(BigInt.asIntN(32, v));
}
function put64(i: number, v: bigint): void {
  r[2 * i] = Number(BigInt.asIntN(32, v));
  r[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Read the source: m32/m64 for scalar forms (n = 4/8), m128 (aligned when `aligned`) otherwise. */
function source(c: Machine, d: Decoded, n: number, aligned: boolean): boolean {
  if (n === 16 || d.mod === 3) return src128(c, d, aligned);
  const lin = c.eaLinear(d, n, false);
  if (c.fault) return false;
  t[0] = c.read32(lin);
  t[1] = n === 8 ? c.read32(lin + 4) : 0;
  t[2] = 0;
  t[3] = 0;
  return c.fault === 0;
}

/** Fold the operation's flags into MXCSR; false (and #XM or #UD raised) when one is unmasked. */
function finish(c: Machine): boolean {
  const fl = env.flags;
  c.mxcsr |= fl;
  if (fl & ~(c.mxcsr >> 7) & 0x3f) {
    c.raise(c.cr4 & CR4_OSXMMEXCPT ? XM : UD, -1);
    return false;
  }
  return true;
}

function copyDst(c: Machine, reg: number): void {
  for (let k = 0; k < 4; k++) r[k] = c.xmm32[(reg << 2) + k];
}

function commit(c: Machine, reg: number): void {
  setXmm(c, reg, r[0], r[1], r[2], r[3]);
}

function binop(b: number, x: bigint, y: bigint, f: Fmt): bigint {
  switch (b) {
    case 0x58: return fAdd(x, y, f, false);
    case 0x5c: return fAdd(x, y, f, true);
    case 0x59: return fMul(x, y, f);
    case 0x5e: return fDiv(x, y, f);
    case 0x5d: return fMinMax(x, y, f, false);
    case 0x5f: return fMinMax(x, y, f, true);
    default: return fSqrt(y, f); // 0x51
  }
}

/**
 * RCPSS/RSQRTSS element. The SDM only bounds the error (|relative error| ≤ 1.5 · 2^−12); this
 * returns the exactly rounded 1/x or 1/√x, which meets the bound. Denormal sources count as zero,
 * tiny results are flushed to zero, and no MXCSR flags are set (SDM Vol. 2 RCPSS/RSQRTSS).
 */
function approx(x: bigint, sqrt: boolean): bigint {
  const saved = { rc: env.rc, flags: env.flags, daz: env.daz, ftz: env.ftz, ue: env.ueMasked };
  env.daz = true;
  const u = unpack(x, F32);
  let res: bigint;
  if (u.cls === QNAN || u.cls === SNAN) res = x | 0x400000n;
  else if (u.cls === ZERO) res = infBits(u.sign, F32);
  else if (sqrt && u.sign) res = indefinite(F32);
  else if (u.cls === INF) res = zeroBits(u.sign, F32);
  else {
    env.rc = 0;
    env.ftz = true;
    env.ueMasked = true;
    if (sqrt) {
      // 1/√(sig·2^exp) = √(2^(2k−exp)/sig)/2^k: compute 2^(2K)/sig with an even exponent, then its root.
      let sig = u.sig, exp = u.exp;
      if (exp & 1) { sig <<= 1n; exp--; }
      const K = 120;
      const num = 1n << BigInt(2 * K);
      let q = num / sig;
      const sticky = num % sig !== 0n;
      // value = q(+sticky)·2^(−2K−exp); its root = √q·2^(−K−exp/2)
      let rt = BigInt(isqrtBig(q));
      const exact = !sticky && rt * rt === q;
      let e = -K - (exp >> 1);
      if (!exact) { rt = (rt << 1n) | 1n; e--; }
      q = rt;
      res = roundPack(0, q, e, F32);
    } else res = fDiv(0x3f800000n | (BigInt(u.sign) << 31n), x & 0x7fffffffn, F32);
  }
  env.rc = saved.rc;
  env.flags = saved.flags;
  env.daz = saved.daz;
  env.ftz = saved.ftz;
  env.ueMasked = saved.ue;
  return res;
}

function isqrtBig(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function cmpPredicate(rel: number, pred: number): boolean {
  switch (pred & 7) {
    case 0: return rel === 1;
    case 1: return rel === 0;
    case 2: return rel === 0 || rel === 1;
    case 3: return rel === 3;
    case 4: return rel !== 1;
    case 5: return rel !== 0;
    case 6: return rel === 2 || rel === 3;
    default: return rel !== 3;
  }
}

/** Executes the floating-point opcode b (0F b) with prefix pfx (0 none, 1 66, 2 F2, 3 F3); false when not one of them. */
export function executeSseFp(c: Machine, d: Decoded, b: number, pfx: number): boolean {
  const reg = d.reg;
  const x = c.xmm32;
  const dst = reg << 2;
  switch (b) {
    case 0x51: case 0x58: case 0x59: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      const dbl = pfx === 1 || pfx === 2;
      const scalar = pfx >= 2;
      const f = dbl ? F64 : F32;
      if (!source(c, d, scalar ? (dbl ? 8 : 4) : 16, !scalar)) return true;
      setEnv(c.mxcsr);
      copyDst(c, reg);
      const lanes = scalar ? 1 : dbl ? 2 : 4;
      for (let i = 0; i < lanes; i++) {
        if (dbl) put64(i, binop(b, lane64(r, i), lane64(t, i), f));
        else put32(i, binop(b, lane32(r, i), lane32(t, i), f));
      }
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0x52: case 0x53: {
      if (pfx === 1 || pfx === 2) { c.raise(UD, -1); return true; }
      const scalar = pfx === 3;
      if (!source(c, d, scalar ? 4 : 16, !scalar)) return true;
      copyDst(c, reg);
      for (let i = 0; i < (scalar ? 1 : 4); i++) put32(i, approx(lane32(t, i), b === 0x52));
      commit(c, reg);
      return true;
    }
    case 0xc2: {
      const dbl = pfx === 1 || pfx === 2;
      const scalar = pfx >= 2;
      const f = dbl ? F64 : F32;
      if (!source(c, d, scalar ? (dbl ? 8 : 4) : 16, !scalar)) return true;
      const pred = d.imm & 7;
      const sig = pred === 1 || pred === 2 || pred === 5 || pred === 6;
      setEnv(c.mxcsr);
      copyDst(c, reg);
      const lanes = scalar ? 1 : dbl ? 2 : 4;
      for (let i = 0; i < lanes; i++) {
        const rel = dbl ? fCompare(lane64(r, i), lane64(t, i), f, sig) : fCompare(lane32(r, i), lane32(t, i), f, sig);
        const m = cmpPredicate(rel, pred) ? -1 : 0;
        if (dbl) { r[2 * i] = m; r[2 * i + 1] = m; } else r[i] = m;
      }
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0x2e: case 0x2f: {
      if (pfx >= 2) { c.raise(UD, -1); return true; }
      const dbl = pfx === 1;
      if (!source(c, d, dbl ? 8 : 4, false)) return true;
      setEnv(c.mxcsr);
      const rel = dbl ? fCompare(lane64(x, reg * 2), lane64(t, 0), F64, b === 0x2f) : fCompare(lane32(x, dst), lane32(t, 0), F32, b === 0x2f);
      if (!finish(c)) return true;
      const fl = rel === 3 ? ZF | PF | CF : rel === 0 ? CF : rel === 1 ? ZF : 0;
      setFlagsExplicit(c, CF | PF | AF | ZF | SF | OF, fl);
      return true;
    }
    case 0xd0: case 0x7c: case 0x7d: {
      // SSE3: 66 ADDSUBPD / HADDPD / HSUBPD, F2 ADDSUBPS / HADDPS / HSUBPS (m128 aligned).
      if (pfx !== 1 && pfx !== 2) { c.raise(UD, -1); return true; }
      if (!source(c, d, 16, true)) return true;
      setEnv(c.mxcsr);
      copyDst(c, reg);
      if (pfx === 1) horizontalPd(b);
      else horizontalPs(b);
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0x2a: {
      // CVTSI2SS / CVTSI2SD; the no-prefix and 66 forms (CVTPI2PS/PD) take MMX operands.
      if (pfx < 2) { cvtFromMmx(c, d, pfx === 1); return true; }
      let v: bigint;
      if (d.osz === 8) {
        const lo = readRm64(c, d);
        if (c.fault) return true;
        v = BigInt.asIntN(64, (BigInt(c.hi >>> 0) << 32n) | BigInt(lo >>> 0));
      } else {
        const lo = readRm(c, d, 4);
        if (c.fault) return true;
        v = BigInt(lo | 0);
      }
      setEnv(c.mxcsr);
      copyDst(c, reg);
      if (pfx === 3) put32(0, fFromInt(v, F32));
      else put64(0, fFromInt(v, F64));
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0x2c: case 0x2d: {
      if (pfx < 2) { cvtToMmx(c, d, pfx === 1, b === 0x2c); return true; }
      const dbl = pfx === 2;
      if (!source(c, d, dbl ? 8 : 4, false)) return true;
      setEnv(c.mxcsr);
      const bits = d.osz === 8 ? 64 : 32;
      const v = fToInt(dbl ? lane64(t, 0) : lane32(t, 0), dbl ? F64 : F32, bits, b === 0x2c);
      if (!finish(c)) return true;
      if (bits === 64) setReg64(c, reg, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
      else c.setReg(4, reg, 0, Number(BigInt.asIntN(32, v)));
      return true;
    }
    case 0x5a: {
      // none CVTPS2PD (m64), 66 CVTPD2PS (m128), F3 CVTSS2SD (m32), F2 CVTSD2SS (m64)
      const n = pfx === 0 ? 8 : pfx === 1 ? 16 : pfx === 3 ? 4 : 8;
      if (!source(c, d, n, pfx === 1)) return true;
      setEnv(c.mxcsr);
      copyDst(c, reg);
      if (pfx === 0) {
        const a0 = lane32(t, 0), a1 = lane32(t, 1);
        put64(0, fConvert(a0, F32, F64));
        put64(1, fConvert(a1, F32, F64));
      } else if (pfx === 1) {
        put32(0, fConvert(lane64(t, 0), F64, F32));
        put32(1, fConvert(lane64(t, 1), F64, F32));
        r[2] = 0;
        r[3] = 0;
      } else if (pfx === 3) put64(0, fConvert(lane32(t, 0), F32, F64));
      else put32(0, fConvert(lane64(t, 0), F64, F32));
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0x5b: {
      // none CVTDQ2PS, 66 CVTPS2DQ, F3 CVTTPS2DQ
      if (pfx === 2) { c.raise(UD, -1); return true; }
      if (!source(c, d, 16, true)) return true;
      setEnv(c.mxcsr);
      for (let i = 0; i < 4; i++) {
        if (pfx === 0) put32(i, fFromInt(BigInt(t[i]), F32));
        else put32(i, fToInt(lane32(t, i), F32, 32, pfx === 3));
      }
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0xe6: {
      // 66 CVTTPD2DQ, F2 CVTPD2DQ (m128), F3 CVTDQ2PD (m64)
      if (pfx === 0) { c.raise(UD, -1); return true; }
      if (!source(c, d, pfx === 3 ? 8 : 16, pfx !== 3)) return true;
      setEnv(c.mxcsr);
      if (pfx === 3) {
        const a0 = BigInt(t[0]), a1 = BigInt(t[1]);
        put64(0, fFromInt(a0, F64));
        put64(1, fFromInt(a1, F64));
      } else {
        const a0 = lane64(t, 0), a1 = lane64(t, 1);
        put32(0, fToInt(a0, F64, 32, pfx === 1));
        put32(1, fToInt(a1, F64, 32, pfx === 1));
        r[2] = 0;
        r[3] = 0;
      }
      if (finish(c)) commit(c, reg);
      return true;
    }
    case 0xc6: {
      if (pfx >= 2) { c.raise(UD, -1); return true; }
      if (!src128(c, d, d.mod !== 3)) return true;
      const imm = d.imm & 0xff;
      if (pfx === 0) setXmm(c, reg, x[dst + (imm & 3)], x[dst + ((imm >> 2) & 3)], t[(imm >> 4) & 3], t[(imm >> 6) & 3]);
      else {
        const a = dst + ((imm & 1) << 1), s = (imm & 2);
        setXmm(c, reg, x[a], x[a + 1], t[s], t[s + 1]);
      }
      return true;
    }
    case 0x15: {
      if (pfx >= 2) { c.raise(UD, -1); return true; }
      if (!src128(c, d, d.mod !== 3)) return true;
      if (pfx === 0) setXmm(c, reg, x[dst + 2], t[2], x[dst + 3], t[3]);
      else setXmm(c, reg, x[dst + 2], x[dst + 3], t[2], t[3]);
      return true;
    }
    case 0x50: {
      if (pfx >= 2 || d.mod !== 3) { c.raise(UD, -1); return true; }
      const s = d.rm << 2;
      const m = pfx === 0 ? ((x[s] >>> 31) | ((x[s + 1] >>> 31) << 1) | ((x[s + 2] >>> 31) << 2) | ((x[s + 3] >>> 31) << 3)) : (x[s + 1] >>> 31) | ((x[s + 3] >>> 31) << 1);
      if (d.osz === 8) setReg64(c, reg, m, 0);
      else c.setReg(4, reg, 0, m);
      return true;
    }
  }
  void GP;
  void FINITE;
  return false;
}

/**
 * ADDSUBPS (even lanes dest − src, odd lanes dest + src), HADDPS (adjacent pairs added: destination
 * pairs to the low half, source pairs to the high half), HSUBPS (even minus odd) on r (destination)
 * and t (source). The pair's low element is the first operand (Intel SDM Vol. 2 figure 3-19, "X0 +
 * X1"), which decides which NaN is returned when both are NaNs.
 */
function horizontalPs(b: number): void {
  const d0 = lane32(r, 0), d1 = lane32(r, 1), d2 = lane32(r, 2), d3 = lane32(r, 3);
  const s0 = lane32(t, 0), s1 = lane32(t, 1), s2 = lane32(t, 2), s3 = lane32(t, 3);
  if (b === 0xd0) {
    put32(0, fAdd(d0, s0, F32, true));
    put32(1, fAdd(d1, s1, F32, false));
    put32(2, fAdd(d2, s2, F32, true));
    put32(3, fAdd(d3, s3, F32, false));
    return;
  }
  const sub = b === 0x7d;
  put32(0, fAdd(d0, d1, F32, sub));
  put32(1, fAdd(d2, d3, F32, sub));
  put32(2, fAdd(s0, s1, F32, sub));
  put32(3, fAdd(s2, s3, F32, sub));
}

/** ADDSUBPD, HADDPD, HSUBPD: the double-precision forms of horizontalPs. */
function horizontalPd(b: number): void {
  const d0 = lane64(r, 0), d1 = lane64(r, 1), s0 = lane64(t, 0), s1 = lane64(t, 1);
  if (b === 0xd0) {
    put64(0, fAdd(d0, s0, F64, true));
    put64(1, fAdd(d1, s1, F64, false));
    return;
  }
  const sub = b === 0x7d;
  put64(0, fAdd(d0, d1, F64, sub));
  put64(1, fAdd(s0, s1, F64, sub));
}

/**
 * CVTPI2PS xmm, mm/m64 (two int32 → float32 under MXCSR.RC, high quadword kept) and CVTPI2PD xmm,
 * mm/m64 (→ two doubles, exact). Both make the x87 → MMX transition and take a pending x87
 * exception first — except CVTPI2PD with a memory source, which does neither (Intel SDM Vol. 2
 * CVTPI2PS, CVTPI2PD).
 */
function cvtFromMmx(c: Machine, d: Decoded, dbl: boolean): void {
  const mmx = !dbl || d.mod === 3;
  if (mmx && x87Pending(c)) return;
  if (!mmSrc(c, d)) return;
  setEnv(c.mxcsr);
  copyDst(c, d.reg);
  const a0 = BigInt(t[0]), a1 = BigInt(t[1]);
  if (dbl) {
    put64(0, fFromInt(a0, F64));
    put64(1, fFromInt(a1, F64));
  } else {
    put32(0, fFromInt(a0, F32));
    put32(1, fFromInt(a1, F32));
  }
  if (!finish(c)) return;
  commit(c, d.reg);
  if (mmx) enterMmx(c);
}

/**
 * CVTPS2PI / CVTTPS2PI mm, xmm/m64 and CVTPD2PI / CVTTPD2PI mm, xmm/m128 (aligned): two floats to
 * int32 (rounded by MXCSR.RC or truncated; NaN and out of range give 0x80000000 with IE) into an
 * MMX register, with the x87 → MMX transition (Intel SDM Vol. 2 CVTPS2PI, CVTPD2PI).
 */
function cvtToMmx(c: Machine, d: Decoded, dbl: boolean, truncate: boolean): void {
  if (x87Pending(c)) return;
  if (!(dbl ? src128(c, d, d.mod !== 3) : srcLow(c, d, 8))) return;
  setEnv(c.mxcsr);
  const v0 = dbl ? fToInt(lane64(t, 0), F64, 32, truncate) : fToInt(lane32(t, 0), F32, 32, truncate);
  const v1 = dbl ? fToInt(lane64(t, 1), F64, 32, truncate) : fToInt(lane32(t, 1), F32, 32, truncate);
  if (!finish(c)) return;
  enterMmx(c);
  setMm(c, d.reg & 7, Number(BigInt.asIntN(32, v0)), Number(BigInt.asIntN(32, v1)));
}
