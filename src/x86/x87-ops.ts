/**
 * x87 numeric operations on register values: the basic arithmetic with the IEEE special cases and
 * x87 NaN propagation, and the functions FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM/FPREM1, all exact
 * (rounded once). The transcendentals are in x87-trans.ts.
 */
import {
  F80, kind, isNan, unpackE, roundPack80, roundToInt, bitLen, isqrt, fromInt,
  FE_IE, FE_DE, FE_ZE, FE_PE, FE_UP, K_ZERO, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED,
  INDEF_SE, INDEF_SIG, BIAS, J_BIT,
} from "./x87-float80";

export const OP_ADD = 0;
export const OP_MUL = 1;
export const OP_SUB = 4;
export const OP_SUBR = 5;
export const OP_DIV = 6;
export const OP_DIVR = 7;

const QBIT = 1n << 62n;

/**
 * x87 NaN propagation (Intel SDM Vol. 1 table 4-7; softfloat float_2nan_prop_x87): an SNaN with a
 * QNaN gives the QNaN; two of a kind give the larger significand (the positive one on a tie);
 * results are quieted.
 */
export function propagateNan(out: F80, ase: number, asig: bigint, bse: number, bsig: bigint): number {
  const ka = kind(ase, asig);
  const kb = kind(bse, bsig);
  const flags = ka === K_SNAN || kb === K_SNAN ? FE_IE : 0;
  let pickA: boolean;
  if (!isNan(kb)) pickA = true;
  else if (!isNan(ka)) pickA = false;
  else if (ka !== kb) pickA = ka === K_QNAN;
  else {
    const ma = asig & ~QBIT;
    const mb = bsig & ~QBIT;
    pickA = ma > mb || (ma === mb && (ase & 0x8000) === 0);
  }
  if (pickA) out.set(ase, asig | QBIT);
  else out.set(bse, bsig | QBIT);
  return flags;
}

function indefinite(out: F80): number {
  out.set(INDEF_SE, INDEF_SIG);
  return FE_IE;
}

/** out = a op b (op: OP_*), rounded per cw. Returns FE_* flags (FE_UP = rounded up → C1). */
export function arith(out: F80, op: number, ase: number, asig: bigint, bse: number, bsig: bigint, cw: number): number {
  if (op === OP_SUBR || op === OP_DIVR) {
    const t = ase; ase = bse; bse = t;
    const u = asig; asig = bsig; bsig = u;
    op = op === OP_SUBR ? OP_SUB : OP_DIV;
  }
  const ka = kind(ase, asig);
  const kb = kind(bse, bsig);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) return indefinite(out);
  if (isNan(ka) || isNan(kb)) return propagateNan(out, ase, asig, bse, bsig);
  const sa = (ase >> 15) & 1;
  let sb = (bse >> 15) & 1;
  if (op === OP_SUB) sb ^= 1;
  const rc = (cw >> 10) & 3;
  const pcw = (cw >> 8) & 3;
  const p = pcw === 0 ? 24 : pcw === 2 ? 53 : 64;
  let flags = 0;
  if (op === OP_ADD || op === OP_SUB) {
    if (ka === K_INF || kb === K_INF) {
      if (ka === K_INF && kb === K_INF && sa !== sb) return indefinite(out);
      out.set(((ka === K_INF ? sa : sb) << 15) | 0x7fff, J_BIT);
      return 0;
    }
    if (ka === K_DENORMAL || kb === K_DENORMAL) flags |= FE_DE;
    if ((flags & FE_DE) && (cw & FE_DE) === 0) return flags;
    const ea = unpackE(ase, asig);
    const eb = unpackE(bse, bsig);
    const e = Math.min(ea, eb);
    const va = (asig << BigInt(ea - e)) * (sa ? -1n : 1n);
    const vb = (bsig << BigInt(eb - e)) * (sb ? -1n : 1n);
    const v = va + vb;
    if (v === 0n) {
      // Exact zero: -0 only for (-0) + (-0), or for x - x when rounding down (IEEE 754 §6.3).
      const neg = ka === K_ZERO && kb === K_ZERO && sa === sb ? sa : rc === 1 ? 1 : 0;
      out.set(neg << 15, 0n);
      return flags;
    }
    return flags | roundPack80(out, v < 0n ? 1 : 0, v < 0n ? -v : v, e, p, rc, cw);
  }
  const s = sa ^ sb;
  if (op === OP_MUL) {
    if (ka === K_INF || kb === K_INF) {
      if (ka === K_ZERO || kb === K_ZERO) return indefinite(out);
      out.set((s << 15) | 0x7fff, J_BIT);
      return 0;
    }
    if (ka === K_DENORMAL || kb === K_DENORMAL) flags |= FE_DE;
    if ((flags & FE_DE) && (cw & FE_DE) === 0) return flags;
    if (ka === K_ZERO || kb === K_ZERO) {
      out.set(s << 15, 0n);
      return flags;
    }
    return flags | roundPack80(out, s, asig * bsig, unpackE(ase, asig) + unpackE(bse, bsig), p, rc, cw);
  }
  // Division.
  if (ka === K_INF) {
    if (kb === K_INF) return indefinite(out);
    out.set((s << 15) | 0x7fff, J_BIT);
    return kb === K_DENORMAL ? FE_DE : 0;
  }
  if (kb === K_INF) {
    out.set(s << 15, 0n);
    return ka === K_DENORMAL ? FE_DE : 0;
  }
  if (ka === K_ZERO && kb === K_ZERO) return indefinite(out);
  if (ka === K_DENORMAL || kb === K_DENORMAL) flags |= FE_DE;
  if ((flags & FE_DE) && (cw & FE_DE) === 0) return flags;
  if (kb === K_ZERO) {
    out.set((s << 15) | 0x7fff, J_BIT);
    return flags | FE_ZE;
  }
  if (ka === K_ZERO) {
    out.set(s << 15, 0n);
    return flags;
  }
  const k = Math.max(0, 70 + bitLen(bsig) - bitLen(asig));
  const num = asig << BigInt(k);
  const q = num / bsig;
  const sticky = num % bsig !== 0n ? 1n : 0n;
  return flags | roundPack80(out, s, (q << 1n) | sticky, unpackE(ase, asig) - unpackE(bse, bsig) - k - 1, p, rc, cw);
}

/** FSQRT (Intel SDM Vol. 2 FSQRT): exact, correctly rounded per RC and PC. */
export function sqrt80(out: F80, se: number, sig: bigint, cw: number): number {
  const k = kind(se, sig);
  if (k === K_UNSUPPORTED) return indefinite(out);
  if (isNan(k)) return propagateNan(out, se, sig, se, sig);
  if (k === K_ZERO) {
    out.set(se, sig);
    return 0;
  }
  if (se & 0x8000) return indefinite(out);
  if (k === K_INF) {
    out.set(se, sig);
    return 0;
  }
  const flags = k === K_DENORMAL ? FE_DE : 0;
  if (flags && (cw & FE_DE) === 0) return flags;
  let e = unpackE(se, sig);
  let m = sig;
  let sh = Math.max(0, 140 - bitLen(m));
  if ((e - sh) & 1) sh++;
  m <<= BigInt(sh);
  e -= sh;
  const r = isqrt(m);
  const sticky = r * r !== m ? 1n : 0n;
  const pcw = (cw >> 8) & 3;
  return flags | roundPack80(out, 0, (r << 1n) | sticky, e / 2 - 1, pcw === 0 ? 24 : pcw === 2 ? 53 : 64, (cw >> 10) & 3, cw);
}

/** FRNDINT: round to an integer per RC (precision control does not apply). */
export function rndint80(out: F80, se: number, sig: bigint, cw: number): number {
  const k = kind(se, sig);
  if (k === K_UNSUPPORTED) return indefinite(out);
  if (isNan(k)) return propagateNan(out, se, sig, se, sig);
  if (k === K_ZERO || k === K_INF) {
    out.set(se, sig);
    return 0;
  }
  let flags = k === K_DENORMAL ? FE_DE : 0;
  if (flags && (cw & FE_DE) === 0) return flags;
  const e = unpackE(se, sig);
  if (e >= 0) {
    out.set(se, sig);
    return flags;
  }
  const s = (se >> 15) & 1;
  const r = roundToInt(s, sig, e, (cw >> 10) & 3);
  flags |= r.flags;
  if (r.m === 0n) out.set(s << 15, 0n);
  else {
    fromInt(out, r.m);
    out.se |= s << 15;
  }
  return flags;
}

/** FSCALE: ST(0) * 2^trunc(ST(1)), rounded to the destination (Intel SDM Vol. 2 FSCALE). */
export function scale80(out: F80, ase: number, asig: bigint, bse: number, bsig: bigint, cw: number): number {
  const ka = kind(ase, asig);
  const kb = kind(bse, bsig);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) return indefinite(out);
  if (isNan(ka) || isNan(kb)) return propagateNan(out, ase, asig, bse, bsig);
  const sb = (bse >> 15) & 1;
  if (kb === K_INF) {
    if (ka === K_ZERO && !sb) return indefinite(out);
    if (ka === K_INF && sb) return indefinite(out);
    if (ka === K_ZERO || ka === K_INF) {
      out.set(ase, asig);
      return 0;
    }
    out.set(sb ? ase & 0x8000 : (ase & 0x8000) | 0x7fff, sb ? 0n : J_BIT);
    return ka === K_DENORMAL ? FE_DE : 0;
  }
  let flags = ka === K_DENORMAL || kb === K_DENORMAL ? FE_DE : 0;
  if (flags && (cw & FE_DE) === 0) return flags;
  if (ka === K_ZERO || ka === K_INF) {
    out.set(ase, asig);
    return flags;
  }
  // trunc(ST(1)), clamped: beyond ±2^16 every result over/underflows alike.
  let n = 0;
  if (kb !== K_ZERO) {
    const eb = unpackE(bse, bsig);
    const mag = eb >= 0 ? 1n << 20n : bsig >> BigInt(-eb);
    const c = mag > 65536n ? 65536 : Number(mag);
    n = sb ? -c : c;
  }
  const s = (ase >> 15) & 1;
  flags |= roundPack80(out, s, asig, unpackE(ase, asig) + n, 64, (cw >> 10) & 3, cw);
  return flags;
}

/** FXTRACT: exponent (as a value) and significand (exponent 0). Returns flags; `sig` and `exp` outputs. */
export function xtract80(expOut: F80, sigOut: F80, se: number, sig: bigint, cw: number): number {
  const k = kind(se, sig);
  if (k === K_UNSUPPORTED) {
    indefinite(expOut);
    return indefinite(sigOut);
  }
  if (isNan(k)) {
    propagateNan(expOut, se, sig, se, sig);
    return propagateNan(sigOut, se, sig, se, sig);
  }
  if (k === K_INF) {
    expOut.set(0x7fff, J_BIT);
    sigOut.set(se, sig);
    return 0;
  }
  if (k === K_ZERO) {
    // Divide-by-zero: ST(1) = -∞, ST(0) = the zero (Intel SDM Vol. 2 FXTRACT).
    expOut.set(0xffff, J_BIT);
    sigOut.set(se, sig);
    return FE_ZE;
  }
  const flags = k === K_DENORMAL ? FE_DE : 0;
  if (flags && (cw & FE_DE) === 0) return flags;
  const L = bitLen(sig);
  const etop = unpackE(se, sig) + L - 1;
  fromInt(expOut, BigInt(etop));
  sigOut.set((se & 0x8000) | BIAS, sig << BigInt(64 - L));
  return flags;
}

/**
 * FPREM (round = false, truncating quotient) and FPREM1 (IEEE remainder). Returns flags and the
 * condition bits to set: C2 for an incomplete reduction, C0/C3/C1 = quotient bits 2/1/0.
 * Partial remainders reduce the exponent difference by N = 32..63 (Intel SDM Vol. 2 FPREM).
 */
export function prem80(out: F80, ase: number, asig: bigint, bse: number, bsig: bigint, ieee: boolean, cw: number): { flags: number; cc: number } {
  const ka = kind(ase, asig);
  const kb = kind(bse, bsig);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) return { flags: indefinite(out), cc: 0 };
  if (isNan(ka) || isNan(kb)) return { flags: propagateNan(out, ase, asig, bse, bsig), cc: 0 };
  if (ka === K_INF || kb === K_ZERO) return { flags: indefinite(out), cc: 0 };
  let flags = ka === K_DENORMAL || kb === K_DENORMAL ? FE_DE : 0;
  if (flags && (cw & FE_DE) === 0) return { flags, cc: 0 };
  if (ka === K_ZERO || kb === K_INF) {
    out.set(ase, asig);
    return { flags, cc: 0 };
  }
  const sa = (ase >> 15) & 1;
  const ea = unpackE(ase, asig);
  const eb = unpackE(bse, bsig);
  const da = ea + bitLen(asig) - 1;
  const db = eb + bitLen(bsig) - 1;
  const d = da - db;
  if (d >= 64) {
    const n = 32 + ((d - 32) % 32);
    const shiftDiv = d - n; // divide by ST(1) * 2^(d - n), truncating
    const e = Math.min(ea, eb + shiftDiv);
    const a = asig << BigInt(ea - e);
    const b = bsig << BigInt(eb + shiftDiv - e);
    const r = a - (a / b) * b;
    packExact(out, sa, r, e);
    return { flags, cc: 0x400 };
  }
  const e = Math.min(ea, eb);
  const a = asig << BigInt(ea - e);
  const b = bsig << BigInt(eb - e);
  let q = a / b;
  let r = a - q * b;
  let s = sa;
  if (ieee) {
    const twice = r * 2n;
    if (twice > b || (twice === b && (q & 1n) === 1n)) {
      q += 1n;
      r = b - r;
      s ^= 1;
    }
  }
  packExact(out, s, r, e);
  const cc = (q & 4n ? 0x100 : 0) | (q & 2n ? 0x4000 : 0) | (q & 1n ? 0x200 : 0);
  return { flags, cc };
}

/** Pack an exactly representable value m * 2^e (used for remainders). */
function packExact(out: F80, s: number, m: bigint, e: number): void {
  if (m === 0n) {
    out.set(s << 15, 0n);
    return;
  }
  roundPack80(out, s, m, e, 64, 0, 0x3f);
}

export { K_ZERO, K_INF, K_DENORMAL, FE_PE, FE_UP };
