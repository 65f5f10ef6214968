/**
 * Exact 80-bit extended-precision arithmetic for the x87 (Intel SDM Vol. 1 §4.2, §4.8, §8.1).
 *
 * A register is `se` (sign << 15 | 15-bit biased exponent) and `sig` (the 64-bit significand with
 * its explicit integer bit, a BigInt). Arithmetic unpacks finite operands to an exact
 * `m * 2^e` (m a BigInt), computes exactly (or with a sticky bit for ÷ and √), and rounds once
 * with `round()` per the rounding control and the precision (24/53/64 bits), the way softfloat's
 * roundAndPackFloatx80 does. BigInt is used only here: the x87 is not on the integer hot path.
 */

/** Exception flags as in the status word (Intel SDM Vol. 1 §8.1.3). */
export const FE_IE = 1;
export const FE_DE = 2;
export const FE_ZE = 4;
export const FE_OE = 8;
export const FE_UE = 0x10;
export const FE_PE = 0x20;
/** Not a status bit: "rounded up" (reported in C1 by the caller). */
export const FE_UP = 0x200;

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

export const BIAS = 16383;
/** Smallest normal exponent (unbiased) of the extended format. */
const EMIN80 = -16382;
const J = 1n << 63n;
const M64 = (1n << 64n) - 1n;

export const K_ZERO = 0;
export const K_NORMAL = 1;
export const K_DENORMAL = 2;
export const K_INF = 3;
export const K_QNAN = 4;
export const K_SNAN = 5;
/** Pseudo-NaN, pseudo-infinity, unnormal: invalid operands since the 387 (Intel SDM Vol. 1 §8.2.2). */
export const K_UNSUPPORTED = 6;

/** A register value; `flags` accumulates FE_* of the operation that produced it. */
export class F80 {
  constructor(public se = 0, public sig = 0n) {}
  set(se: number, sig: bigint): this {
    this.se = se;
    this.sig = sig;
    return this;
  }
}

export function kind(se: number, sig: bigint): number {
  const exp = se & 0x7fff;
  if (exp === 0) return sig === 0n ? K_ZERO : K_DENORMAL; // pseudo-denormals (J = 1) are denormal operands
  if ((sig & J) === 0n) return K_UNSUPPORTED;
  if (exp === 0x7fff) {
    if ((sig & ~J) === 0n) return K_INF;
    return sig & (1n << 62n) ? K_QNAN : K_SNAN;
  }
  return K_NORMAL;
}

export const isNan = (k: number): boolean => k === K_QNAN || k === K_SNAN;

/** The default QNaN ("real indefinite", Intel SDM Vol. 1 §4.8.3.7). */
export const INDEF_SE = 0xffff;
export const INDEF_SIG = 0xc000000000000000n;

/** Exact value of a finite register: m * 2^e (exponent 0 counts as 1). */
export function unpackE(se: number, sig: bigint): number {
  const exp = se & 0x7fff;
  return (exp === 0 ? 1 : exp) - BIAS - 63;
}

function bitLen(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** Result of `round`: significand `m` (≤ p bits) with quantum exponent `q`, and flags. */
export interface Rounded {
  m: bigint;
  q: number;
  flags: number;
  tiny: boolean;
}

const rounded: Rounded = { m: 0n, q: 0, flags: 0, tiny: false };

/**
 * Round the exact value (-1)^s * m * 2^e (m > 0) to p significant bits with the given minimum normal
 * exponent (denormals keep the quantum of emin). Tininess is detected before rounding, as x87 does
 * (Intel SDM Vol. 1 §4.9.1.5; softfloat float_tininess_before_rounding for x86).
 */
export function round(s: number, m: bigint, e: number, p: number, emin: number, rc: number): Rounded {
  const etop = e + bitLen(m) - 1;
  const q = Math.max(etop, emin) - p + 1;
  let flags = 0;
  let r = m;
  if (q > e) {
    // Drop the q - e low bits, rounding per rc: the same step as rounding m * 2^(e-q) to an integer.
    const t = roundToInt(s, m, e - q, rc);
    r = t.m;
    flags = t.flags;
  } else {
    r = m << BigInt(e - q);
  }
  let qq = q;
  if (bitLen(r) > p) {
    r >>= 1n;
    qq++;
  }
  rounded.m = r;
  rounded.q = qq;
  rounded.flags = flags;
  rounded.tiny = etop < emin;
  return rounded;
}

/**
 * Round to the extended format with precision p and pack into `out`. Masked overflow/underflow
 * produce the IEEE defaults; unmasked ones deliver the result scaled by 2^∓24576 (Intel SDM Vol. 1
 * §4.9.1.4–5). Returns the FE_* flags.
 */
export function roundPack80(out: F80, s: number, m: bigint, e: number, p: number, rc: number, cw: number): number {
  if (m === 0n) {
    out.set(s << 15, 0n);
    return 0;
  }
  let r = round(s, m, e, p, EMIN80, rc);
  let flags = r.flags;
  if (r.tiny && (cw & FE_UE) === 0) {
    r = round(s, m, e + 24576, p, EMIN80, rc);
    flags = r.flags | FE_UE;
  } else if (r.tiny && (flags & FE_PE)) flags |= FE_UE;
  let etop = r.q + bitLen(r.m) - 1;
  if (r.m !== 0n && etop > BIAS) {
    if ((cw & FE_OE) === 0) {
      r = round(s, m, e - 24576, p, EMIN80, rc);
      flags = r.flags | FE_OE;
      etop = r.q + bitLen(r.m) - 1;
    } else {
      flags |= FE_OE | FE_PE;
      const toInf = rc === RC_NEAREST || (rc === RC_DOWN && s === 1) || (rc === RC_UP && s === 0);
      if (toInf) out.set((s << 15) | 0x7fff, J);
      else out.set((s << 15) | 0x7ffe, (M64 >> BigInt(64 - p)) << BigInt(64 - p));
      return toInf ? flags | FE_UP : flags & ~FE_UP;
    }
  }
  if (r.m === 0n) {
    out.set(s << 15, 0n);
  } else if (etop < EMIN80) {
    out.set(s << 15, r.m << BigInt(r.q - (EMIN80 - 63)));
  } else {
    out.set((s << 15) | (etop + BIAS), r.m << BigInt(63 - (etop - r.q)));
  }
  return flags;
}

/** Precision in bits from the control word's PC field (00 = 24, 10 = 53, 11 = 64). */
export function precisionOf(cw: number): number {
  const pc = (cw >> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

/** IEEE formats in memory: significand bits (without hidden bit), exponent bits. */
export const FMT32 = { frac: 23, ebits: 8 };
export const FMT64 = { frac: 52, ebits: 11 };

/** Load an m32fp/m64fp bit pattern (given as BigInt) exactly into `out`; returns FE_* (IE for SNaN, DE for denormals). */
export function loadIeee(out: F80, bits: bigint, fmt: { frac: number; ebits: number }): number {
  const fb = BigInt(fmt.frac);
  const emax = (1 << fmt.ebits) - 1;
  const s = Number(bits >> BigInt(fmt.frac + fmt.ebits)) & 1;
  const exp = Number((bits >> fb) & BigInt(emax));
  const frac = bits & ((1n << fb) - 1n);
  const bias = (emax >> 1);
  if (exp === emax) {
    if (frac === 0n) {
      out.set((s << 15) | 0x7fff, J);
      return 0;
    }
    const quiet = (frac >> (fb - 1n)) & 1n;
    out.set((s << 15) | 0x7fff, J | (1n << 62n) | (frac << BigInt(63 - fmt.frac)));
    return quiet ? 0 : FE_IE;
  }
  if (exp === 0) {
    if (frac === 0n) {
      out.set(s << 15, 0n);
      return 0;
    }
    // Denormal: normalise exactly (the extended range holds every float/double denormal).
    const L = bitLen(frac);
    const etop = 1 - bias - fmt.frac + L - 1;
    out.set((s << 15) | (etop + BIAS), frac << BigInt(64 - L));
    return FE_DE;
  }
  out.set((s << 15) | (exp - bias + BIAS), J | (frac << BigInt(63 - fmt.frac)));
  return 0;
}

/**
 * Convert a register to m32fp/m64fp bits with rounding per RC (FST; Intel SDM Vol. 2 FST). Masked
 * invalid on SNaN stores the quieted NaN; the caller checks unmasked IE/OE/UE before storing.
 */
export function storeIeee(se: number, sig: bigint, fmt: { frac: number; ebits: number }, rc: number, cw: number): { bits: bigint; flags: number } {
  const fb = BigInt(fmt.frac);
  const emaxField = (1 << fmt.ebits) - 1;
  const bias = emaxField >> 1;
  const s = (se >> 15) & 1;
  const sb = BigInt(s) << BigInt(fmt.frac + fmt.ebits);
  const k = kind(se, sig);
  const infBits = sb | (BigInt(emaxField) << fb);
  const qnanBits = infBits | (1n << (fb - 1n));
  switch (k) {
    case K_ZERO:
      return { bits: sb, flags: 0 };
    case K_INF:
      return { bits: infBits, flags: 0 };
    case K_QNAN:
    case K_SNAN:
      return { bits: qnanBits | ((sig >> BigInt(63 - fmt.frac)) & ((1n << fb) - 1n)), flags: k === K_SNAN ? FE_IE : 0 };
    case K_UNSUPPORTED:
      return { bits: (1n << BigInt(fmt.frac + fmt.ebits)) | qnanBits, flags: FE_IE };
  }
  let flags = k === K_DENORMAL ? FE_DE : 0;
  const p = fmt.frac + 1;
  const emin = 1 - bias;
  const e = unpackE(se, sig);
  let r = round(s, sig, e, p, emin, rc);
  flags |= r.flags;
  if (r.tiny && (cw & FE_UE) === 0) return { bits: 0n, flags: flags | FE_UE };
  if (r.tiny && (flags & FE_PE)) flags |= FE_UE;
  const etop = r.q + bitLen(r.m) - 1;
  if (r.m !== 0n && etop > bias) {
    flags |= FE_OE | FE_PE;
    if ((cw & FE_OE) === 0) return { bits: 0n, flags };
    const toInf = rc === RC_NEAREST || (rc === RC_DOWN && s === 1) || (rc === RC_UP && s === 0);
    if (toInf) return { bits: infBits, flags: flags | FE_UP };
    return { bits: sb | (BigInt(emaxField - 1) << fb) | ((1n << fb) - 1n), flags: flags & ~FE_UP };
  }
  if (r.m === 0n) return { bits: sb, flags };
  if (etop < emin) return { bits: sb | (r.m << BigInt(r.q - (emin - fmt.frac))), flags };
  const frac = (r.m << BigInt(fmt.frac - (etop - r.q))) & ((1n << fb) - 1n);
  return { bits: sb | (BigInt(etop + bias) << fb) | frac, flags };
}

/** Exact integer → register (every int64 fits the 64-bit significand). */
export function fromInt(out: F80, v: bigint): void {
  if (v === 0n) {
    out.set(0, 0n);
    return;
  }
  const s = v < 0n ? 1 : 0;
  const a = s ? -v : v;
  const L = bitLen(a);
  out.set((s << 15) | (BIAS + L - 1), a << BigInt(64 - L));
}

/**
 * Register → signed integer of `bits` width rounded per rc (RC_ZERO for FISTTP). Out of range, NaN
 * or infinity: IE and the integer indefinite (the most negative value). Returns null only for
 * unsupported inputs handled like NaN (same result).
 */
export function toInt(se: number, sig: bigint, bits: number, rc: number): { v: bigint; flags: number } {
  const k = kind(se, sig);
  const indef = -(1n << BigInt(bits - 1));
  if (k === K_ZERO) return { v: 0n, flags: 0 };
  if (k === K_INF || isNan(k) || k === K_UNSUPPORTED) return { v: indef, flags: FE_IE };
  const s = (se >> 15) & 1;
  let flags = k === K_DENORMAL ? FE_DE : 0;
  const e = unpackE(se, sig);
  let mag: bigint;
  if (e >= 0) {
    if (e > bits) return { v: indef, flags: flags | FE_IE };
    mag = sig << BigInt(e);
  } else {
    const r = roundToInt(s, sig, e, rc);
    mag = r.m;
    flags |= r.flags;
  }
  const v = s ? -mag : mag;
  if (v < indef || v > -indef - 1n) return { v: indef, flags: (flags & ~(FE_PE | FE_UP)) | FE_IE };
  return { v, flags };
}

/** Round m * 2^e (e < 0) to an integer per rc. */
export function roundToInt(s: number, m: bigint, e: number, rc: number): { m: bigint; flags: number } {
  const sh = BigInt(-e);
  let r = m >> sh;
  const rem = m & ((1n << sh) - 1n);
  let flags = 0;
  if (rem !== 0n) {
    flags = FE_PE;
    const half = 1n << (sh - 1n);
    let up: boolean;
    if (rc === RC_NEAREST) up = rem > half || (rem === half && (r & 1n) === 1n);
    else if (rc === RC_DOWN) up = s === 1;
    else if (rc === RC_UP) up = s === 0;
    else up = false;
    if (up) {
      r += 1n;
      flags |= FE_UP;
    }
  }
  return { m: r, flags };
}

/** Compare two non-NaN registers: -1, 0, 1 (±0 equal). */
export function compareFinite(ase: number, asig: bigint, bse: number, bsig: bigint): number {
  const ka = kind(ase, asig);
  const kb = kind(bse, bsig);
  const sa = (ase >> 15) & 1;
  const sb = (bse >> 15) & 1;
  const za = ka === K_ZERO;
  const zb = kb === K_ZERO;
  if (za && zb) return 0;
  if (ka === K_INF || kb === K_INF) {
    const va = ka === K_INF ? (sa ? -2 : 2) : 0;
    const vb = kb === K_INF ? (sb ? -2 : 2) : 0;
    if (va !== vb) return va < vb ? -1 : 1;
    if (va !== 0) return 0;
  }
  const signA = za ? 0 : sa ? -1 : 1;
  const signB = zb ? 0 : sb ? -1 : 1;
  if (za || zb || sa !== sb) return signA < signB ? -1 : signA > signB ? 1 : 0;
  const ea = unpackE(ase, asig);
  const eb = unpackE(bse, bsig);
  const e = Math.min(ea, eb);
  const ma = asig << BigInt(ea - e);
  const mb = bsig << BigInt(eb - e);
  const c = ma < mb ? -1 : ma > mb ? 1 : 0;
  return sa ? -c : c;
}

/** Integer square root (floor) of a non-negative BigInt. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLen(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export { bitLen, J as J_BIT, EMIN80 };
