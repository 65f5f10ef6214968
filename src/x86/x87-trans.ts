/**
 * The x87 transcendental instructions' numerics: F2XM1, FYL2X, FYL2XP1, FPATAN, and FSIN, FCOS,
 * FSINCOS, FPTAN. Operands reach these functions already screened for NaNs, unsupported encodings
 * and stack faults (exec-x87.ts); each returns FE_* flags (FE_UP: rounded up, for C1).
 *
 * Results are correctly rounded to 64 bits under the rounding control: the true value is computed
 * in multi-precision (x87-mp.ts) and rounded once, with a Ziv loop doubling the precision while the
 * error interval straddles a rounding boundary. Precision control does not apply: the SDM lists the
 * instructions PC affects (Vol. 1 §8.1.5.2: add, subtract, multiply, divide, square root), and the
 * transcendentals are not among them. The special cases follow the SDM's tables (Vol. 2, each
 * instruction's page). Where the SDM leaves a result undefined (F2XM1 outside [−1, +1], FYL2XP1
 * outside Intel's ±(1 − √2/2)), we raise IE and return the indefinite as QEMU does, accepting for
 * FYL2XP1 AMD's wider √2/2 − 1 ≤ x ≤ √2 − 1 like QEMU (bounds rounded to nearest, = F2XM1(∓1/2)).
 * Where QEMU's own approximations misround (x87-trans.test.ts QEMU_MISROUNDS), we do not follow it.
 *
 * FSIN/FCOS/FSINCOS/FPTAN follow the hardware, not the mathematical functions: the x87 reduces its
 * argument with the 66-bit π of Vol. 1 §8.3.8, p = 0.C90FDAA22168C234C × 2^2, and so computes
 * sin(x·π/p) rather than sin(x) (Intel, "The Difference Between x87 Instructions FSIN, FCOS,
 * FSINCOS, and FPTAN and Mathematical Functions", 2016). We reduce by p/2 exactly and round
 * sin(x·π/p) correctly; near multiples of π/2 this reproduces the hardware's loss of relative
 * accuracy (FSIN of the 80-bit π rounds to −2^-64, where sin(π80) is −5.0166e-20).
 */
import {
  F80, kind, unpackE, roundPack80, bitLen, FE_IE, FE_ZE, FE_UP, K_ZERO, K_INF, INDEF_SE, INDEF_SIG, J_BIT,
} from "./x87-float80";
import { Mp, ERR_BITS, mp, mul, add, sub, div, neg, scale, pi, ln2, expm1, atanh2, log2, atan, sinCos } from "./x87-mp";

/** Returned by `trig` for |x| ≥ 2^63: C2 = 1 and the operand stays (Intel SDM Vol. 2 FSIN). */
export const OUT_OF_RANGE = 0x10000;

const lo = new F80();
const hi = new F80();

function indefinite(out: F80): number {
  out.set(INDEF_SE, INDEF_SIG);
  return FE_IE;
}

/** The exact value of a finite register as m·2^e (signed m). */
function exact(se: number, sig: bigint): Mp {
  return mp(se & 0x8000 ? -sig : sig, unpackE(se, sig));
}

/**
 * Round the value `f(p)` approximates (relative error below 2^-(p − ERR_BITS)) to 64 bits per RC:
 * both ends of the error interval must round alike (value, exceptions, C1), else retry with twice
 * the precision. The ends carry a sticky bit, so neither is ever exact. Only for irrational results,
 * which never lie on a boundary; exact results are rounded directly by the callers.
 */
export function roundMp(out: F80, f: (p: number) => Mp, cw: number): number {
  const rc = (cw >> 10) & 3;
  for (let p = 128; ; p *= 2) {
    const v = f(p);
    const s = v.m < 0n ? 1 : 0;
    let m = s ? -v.m : v.m;
    let e = v.e;
    const l = bitLen(m);
    if (l < p) {
      m <<= BigInt(p - l);
      e -= p - l;
    }
    const err = 1n << BigInt(bitLen(m) - (p - ERR_BITS));
    const fl = roundPack80(lo, s, 2n * (m - err) - 1n, e - 1, 64, rc, cw);
    const fh = roundPack80(hi, s, 2n * (m + err) + 1n, e - 1, 64, rc, cw);
    if ((fl === fh && lo.se === hi.se && lo.sig === hi.sig) || p >= 1 << 14) {
      out.set(lo.se, lo.sig);
      return fl;
    }
  }
}

/** F2XM1: 2^x − 1 for −1 ≤ x ≤ +1 (Intel SDM Vol. 2 F2XM1). */
export function f2xm1(out: F80, se: number, sig: bigint, cw: number): number {
  const k = kind(se, sig);
  if (k === K_ZERO) {
    out.set(se, sig);
    return 0;
  }
  const exp = se & 0x7fff;
  // Outside [−1, +1] (±∞ included) the result is undefined: invalid, as QEMU does.
  if (k === K_INF || exp > 0x3fff || (exp === 0x3fff && sig !== J_BIT)) return indefinite(out);
  if (exp === 0x3fff) {
    // 2^1 − 1 = 1 and 2^-1 − 1 = −0.5 exactly.
    out.set(se & 0x8000 ? 0xbffe : 0x3fff, J_BIT);
    return 0;
  }
  const x = exact(se, sig);
  return roundMp(out, (p) => expm1(mul(x, ln2(p), p), p), cw);
}

const sign = (se: number): number => (se >> 15) & 1;
const inf = (out: F80, s: number): number => (out.set((s << 15) | 0x7fff, J_BIT), 0);
const zero = (out: F80, s: number): number => (out.set(s << 15, 0n), 0);

/** Compare a finite or infinite non-negative register with 1: −1, 0, 1. */
function cmpOne(se: number, sig: bigint): number {
  const exp = se & 0x7fff;
  if (exp === 0x3fff && sig === J_BIT) return 0;
  return exp >= 0x3fff ? 1 : -1;
}

/** FYL2X: ST(1)·log2(ST(0)), x = ST(0), y = ST(1) (Intel SDM Vol. 2 FYL2X, table of results). */
export function fyl2x(out: F80, xse: number, xsig: bigint, yse: number, ysig: bigint, cw: number): number {
  const kx = kind(xse, xsig);
  const ky = kind(yse, ysig);
  const sy = sign(yse);
  if (sign(xse) && kx !== K_ZERO) return indefinite(out);
  if (ky === K_INF) {
    // log2 x is −, 0, + for x below, at, above 1; ∞·0 is invalid.
    const c = kx === K_ZERO ? -1 : cmpOne(xse, xsig);
    return c === 0 ? indefinite(out) : inf(out, c < 0 ? sy ^ 1 : sy);
  }
  if (kx === K_INF) return ky === K_ZERO ? indefinite(out) : inf(out, sy);
  if (kx === K_ZERO) {
    if (ky === K_ZERO) return indefinite(out);
    inf(out, sy ^ 1);
    return FE_ZE;
  }
  if (ky === K_ZERO) return zero(out, cmpOne(xse, xsig) < 0 ? sy ^ 1 : sy);
  const x = exact(xse, xsig);
  const y = exact(yse, ysig);
  if ((xsig & (xsig - 1n)) === 0n) {
    // x = 2^k: the exact k·y, rounded once (1·y is ±0 with y's sign).
    const kk = BigInt(unpackE(xse, xsig) + bitLen(xsig) - 1);
    if (kk === 0n) return zero(out, sy);
    const s = (kk < 0n ? 1 : 0) ^ sy;
    return roundPack80(out, s, (kk < 0n ? -kk : kk) * ysig, y.e, 64, (cw >> 10) & 3, cw);
  }
  return roundMp(out, (p) => mul(log2(x, p) as Mp, y, p), cw);
}

/**
 * QEMU's (and AMD's) FYL2XP1 domain, √2/2 − 1 ≤ x ≤ √2 − 1, as significands at exponent 2^-2: both
 * bounds rounded to nearest (x87-trans.test.ts derives them as F2XM1(−1/2) and F2XM1(1/2)).
 */
const L2P1_NEG = 0x95f619980c4336f7n;
const L2P1_POS = 0xd413cccfe7799211n;

/** FYL2XP1: ST(1)·log2(ST(0) + 1) for |ST(0)| < 1 − √2/2 (Intel SDM Vol. 2 FYL2XP1). */
export function fyl2xp1(out: F80, xse: number, xsig: bigint, yse: number, ysig: bigint, cw: number): number {
  const kx = kind(xse, xsig);
  const ky = kind(yse, ysig);
  const exp = xse & 0x7fff;
  // Outside the domain (±∞ included) the result is undefined: invalid, as QEMU does.
  if (exp > 0x3ffd || (exp === 0x3ffd && xsig > (sign(xse) ? L2P1_NEG : L2P1_POS))) return indefinite(out);
  const s = sign(xse) ^ sign(yse);
  // log2(1 + x) has x's sign and is 0 only at x = 0: the zero and infinite cases multiply like x·y.
  if (kx === K_ZERO || ky === K_ZERO || ky === K_INF) {
    if (kx === K_ZERO && ky === K_INF) return indefinite(out);
    return ky === K_INF ? inf(out, s) : zero(out, s);
  }
  const x = exact(xse, xsig);
  const y = exact(yse, ysig);
  // ln(1 + x) = 2 atanh(x / (2 + x)).
  return roundMp(out, (p) => mul(div(atanh2(div(x, add(mp(2n, 0), x, p + 64), p), p), ln2(p), p), y, p), cw);
}

/** FPATAN: the angle of (ST(0), ST(1)) = atan(ST(1)/ST(0)) in (−π, π] (Intel SDM Vol. 2 FPATAN). */
export function fpatan(out: F80, xse: number, xsig: bigint, yse: number, ysig: bigint, cw: number): number {
  const kx = kind(xse, xsig);
  const ky = kind(yse, ysig);
  const sx = sign(xse);
  const sy = sign(yse);
  const piTimes = (num: bigint, log2den: number): number => {
    const f = (p: number): Mp => scale(mul(pi(p), mp(sy ? -num : num, 0), p), -log2den);
    return roundMp(out, f, cw);
  };
  if (ky === K_ZERO) return sx ? piTimes(1n, 0) : zero(out, sy);
  if (ky === K_INF) return kx === K_INF ? piTimes(sx ? 3n : 1n, 2) : piTimes(1n, 1);
  if (kx === K_INF) return sx ? piTimes(1n, 0) : zero(out, sy);
  if (kx === K_ZERO) return piTimes(1n, 1);
  const a = exact(yse & 0x7fff, ysig);
  const b = exact(xse & 0x7fff, xsig);
  const below = a.e + bitLen(a.m) < b.e + bitLen(b.m) || (a.e + bitLen(a.m) === b.e + bitLen(b.m) && sub(a, b, 200).m <= 0n);
  return roundMp(out, (p) => {
    // θ = atan(|y|/|x|) in [0, π/2], then π − θ for x < 0; the sum never cancels (θ ≤ π/2 there).
    let t = below ? atan(div(a, b, p), p) : sub(scale(pi(p), -1), atan(div(b, a, p), p), p);
    if (sx) t = sub(pi(p), t, p);
    return sy ? neg(t) : t;
  }, cw);
}

/** The 66-bit π the x87 reduces with (Intel SDM Vol. 1 §8.3.8), as PM·2^-66; p/2 = PM·2^-67. */
const PM = 0xc90fdaa22168c234cn;
const piOverP = (p: number): Mp => div(pi(p), mp(PM, -66), p);

export const TRIG_SIN = 0;
export const TRIG_COS = 1;
export const TRIG_TAN = 2;
export const TRIG_SINCOS = 3;

/**
 * FSIN, FCOS, FPTAN (tan into `out`) and FSINCOS (sin into `out`, cos into `out2`). Returns
 * OUT_OF_RANGE for |x| ≥ 2^63, else the flags (FE_UP from the last value rounded: the cosine
 * for FSINCOS). ±∞ is invalid.
 */
export function trig(op: number, out: F80, out2: F80, se: number, sig: bigint, cw: number): number {
  const k = kind(se, sig);
  if (k === K_INF) {
    indefinite(out2);
    return indefinite(out);
  }
  if (k === K_ZERO) {
    // sin ±0 = ±0 and tan ±0 = ±0 exactly; cos ±0 = 1.
    if (op === TRIG_COS) out.set(0x3fff, J_BIT);
    else out.set(se, sig);
    out2.set(0x3fff, J_BIT);
    return 0;
  }
  if ((se & 0x7fff) >= 0x3fff + 63) return OUT_OF_RANGE;
  // x = xm·2^xe; k = nearest integer to |x|/(p/2) (never a tie: p/2 has 66 significant bits and
  // |x| 64); r = |x| − k·p/2 exactly, |r| ≤ p/4.
  const xe = unpackE(se, sig);
  let q = 0;
  let r: Mp = mp(sig, xe);
  if (xe + 67 >= 0) {
    const n = sig << BigInt(xe + 67);
    const kk = (2n * n + PM) / (2n * PM);
    q = Number(kk & 3n);
    r = mp(n - kk * PM, -67);
  }
  const neg0 = (se & 0x8000) !== 0;
  // The quadrant picks ±sin or ±cos of the reduced angle R = r·π/p; sin and tan are odd, cos even.
  const sinOf = (p: number): Mp => {
    const [s, c] = sinCos(mul(r, piOverP(p), p), p);
    const v = q === 0 ? s : q === 1 ? c : q === 2 ? neg(s) : neg(c);
    return neg0 ? neg(v) : v;
  };
  const cosOf = (p: number): Mp => {
    const [s, c] = sinCos(mul(r, piOverP(p), p), p);
    return q === 0 ? c : q === 1 ? neg(s) : q === 2 ? neg(c) : s;
  };
  if (op === TRIG_SIN) return roundMp(out, sinOf, cw);
  if (op === TRIG_COS) return roundMp(out, cosOf, cw);
  if (op === TRIG_TAN) {
    return roundMp(out, (p) => {
      const [s, c] = sinCos(mul(r, piOverP(p), p), p);
      const v = q & 1 ? neg(div(c, s, p)) : div(s, c, p);
      return neg0 ? neg(v) : v;
    }, cw);
  }
  const fs = roundMp(out, sinOf, cw);
  const fc = roundMp(out2, cosOf, cw);
  return ((fs | fc) & ~FE_UP) | (fc & FE_UP);
}
