/**
 * Multi-precision binary floating point for the x87 transcendentals (x87-trans.ts): a value is
 * `m * 2^e` with a BigInt `m` of at most `p` significant bits (truncated toward zero after each
 * operation, so each operation errs by less than one unit in its p-th bit). The functions here
 * (expm1, ln, atan, sin/cos on reduced arguments) stay within 2^-(p - ERR_BITS) of the true value,
 * relative, on the domains their callers use; the callers round once to the 80-bit format with a
 * Ziv loop (x87-trans.ts `roundMp`), retrying at twice the precision when that error interval
 * straddles a rounding boundary. BigInt and allocation are fine here: these instructions are rare
 * and each already costs thousands of host operations.
 */
import { bitLen } from "./x87-float80";

/** m * 2^e (m = 0n is zero). */
export interface Mp {
  m: bigint;
  e: number;
}

/**
 * Claimed relative error of every function result: 2^-(p - ERR_BITS). Each series below takes at
 * most a few hundred truncating operations on terms no larger than twice the result (no
 * cancellation on the domains used), so the true error is a few hundred units of 2^-p; 20 bits of
 * margin cover that many times over.
 */
export const ERR_BITS = 20;

const abs = (m: bigint): bigint => (m < 0n ? -m : m);

/** Top bit position + 1 of |x| (its binary magnitude); -Infinity for zero. */
export const top = (x: Mp): number => (x.m === 0n ? -Infinity : x.e + bitLen(abs(x.m)));

export function mp(m: bigint, e: number): Mp {
  return { m, e };
}

/** Truncate |m| to p significant bits (toward zero). */
export function norm(m: bigint, e: number, p: number): Mp {
  const neg = m < 0n;
  let a = neg ? -m : m;
  const l = bitLen(a);
  if (l > p) {
    a >>= BigInt(l - p);
    e += l - p;
  }
  return { m: neg ? -a : a, e };
}

export function mul(a: Mp, b: Mp, p: number): Mp {
  return norm(a.m * b.m, a.e + b.e, p);
}

export function add(a: Mp, b: Mp, p: number): Mp {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const ta = top(a);
  const tb = top(b);
  // An addend more than p + 8 binary places below the other changes it by < 2^-(p+7): drop it.
  if (ta - tb > p + 8) return a;
  if (tb - ta > p + 8) return b;
  const e = Math.min(a.e, b.e);
  return norm((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e, p);
}

export function neg(a: Mp): Mp {
  return { m: -a.m, e: a.e };
}

export function sub(a: Mp, b: Mp, p: number): Mp {
  return add(a, neg(b), p);
}

/** a / b (b ≠ 0), p + 2 significant bits before truncation. */
export function div(a: Mp, b: Mp, p: number): Mp {
  if (a.m === 0n) return a;
  const sh = Math.max(0, p + 2 + bitLen(abs(b.m)) - bitLen(abs(a.m)));
  return norm((a.m << BigInt(sh)) / b.m, a.e - b.e - sh, p);
}

/** a / k for a small positive integer k. */
function divInt(a: Mp, k: number, p: number): Mp {
  return div(a, { m: BigInt(k), e: 0 }, p);
}

/** Square root of a > 0 (floor of the integer root of a scaled significand). */
export function sqrt(a: Mp, p: number): Mp {
  let sh = Math.max(0, 2 * p + 2 - bitLen(a.m));
  if ((a.e - sh) & 1) sh++;
  const n = a.m << BigInt(sh);
  let x = 1n << BigInt(Math.ceil(bitLen(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return norm(x, (a.e - sh) / 2, p);
}

export const ONE: Mp = { m: 1n, e: 0 };

/** Scale by 2^k exactly. */
export const scale = (a: Mp, k: number): Mp => ({ m: a.m, e: a.e + k });

/** True when `term` no longer matters to a sum of magnitude `sum` at precision p. */
const negligible = (term: Mp, sum: Mp, p: number): boolean => term.m === 0n || top(term) < top(sum) - p - 4;

// --- Constants, computed once per precision in fixed point (F fractional bits) -------------------

/** atan(1/n) * 2^F by its Taylor series (alternating, terms shrink by n^2 each). */
function atanInvFixed(n: bigint, f: number): bigint {
  const n2 = n * n;
  let power = (1n << BigInt(f)) / n;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= n2;
    const t = power / (2n * k + 1n);
    sum += k & 1n ? -t : t;
  }
  return sum;
}

/** atanh(1/n) * 2^F (all terms positive). */
function atanhInvFixed(n: bigint, f: number): bigint {
  const n2 = n * n;
  let power = (1n << BigInt(f)) / n;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= n2;
    sum += power / (2n * k + 1n);
  }
  return sum;
}

const piCache = new Map<number, Mp>();
const ln2Cache = new Map<number, Mp>();

/** π to p bits: Machin's formula π = 16 atan(1/5) − 4 atan(1/239). */
export function pi(p: number): Mp {
  let v = piCache.get(p);
  if (!v) {
    const f = p + 32;
    v = norm(16n * atanInvFixed(5n, f) - 4n * atanInvFixed(239n, f), -f, p);
    piCache.set(p, v);
  }
  return v;
}

/** ln 2 to p bits: ln 2 = 2 atanh(1/3). */
export function ln2(p: number): Mp {
  let v = ln2Cache.get(p);
  if (!v) {
    const f = p + 32;
    v = norm(2n * atanhInvFixed(3n, f), -f, p);
    ln2Cache.set(p, v);
  }
  return v;
}

// --- Functions ---------------------------------------------------------------------------------

/** e^z − 1 for |z| ≤ 1 (Taylor series; for z < 0 the sum is at least |z|/2, so no cancellation). */
export function expm1(z: Mp, p: number): Mp {
  let term = z;
  let sum = z;
  for (let k = 2; ; k++) {
    term = divInt(mul(term, z, p), k, p);
    if (negligible(term, sum, p)) return sum;
    sum = add(sum, term, p);
  }
}

/** 2·atanh(t) = ln((1 + t)/(1 − t)) for |t| ≤ 0.18 (all terms share the sign of t). */
export function atanh2(t: Mp, p: number): Mp {
  if (t.m === 0n) return t;
  const t2 = mul(t, t, p);
  let power = t;
  let sum = t;
  for (let k = 3; ; k += 2) {
    power = mul(power, t2, p);
    const term = divInt(power, k, p);
    if (negligible(term, sum, p)) return scale(sum, 1);
    sum = add(sum, term, p);
  }
}

/**
 * log2(x) for x > 0, as k + ln(f)/ln 2 with x = 2^k·f and f in [√2/2, √2), so |ln f / ln 2| ≤ 1/2
 * and the sum never cancels. Returns null when x is a power of two (the exact k is the caller's).
 */
export function log2(x: Mp, p: number): Mp | null {
  const l = bitLen(x.m);
  // x = (m / 2^(l-1)) * 2^(e + l - 1) with m / 2^(l-1) in [1, 2); halve it when above √2 (m² > 2^(2l-1)).
  let k = x.e + l - 1;
  let fe = -(l - 1);
  if (x.m * x.m > 1n << BigInt(2 * l - 1)) {
    k++;
    fe--;
  }
  const f: Mp = { m: x.m, e: fe };
  if (x.m === 1n << BigInt(l - 1)) return null;
  // ln f = 2 atanh((f − 1)/(f + 1)), |(f − 1)/(f + 1)| ≤ 3 − 2√2 < 0.18.
  const t = div(sub(f, ONE, p + 64), add(f, ONE, p + 64), p);
  const lf = div(atanh2(t, p), ln2(p), p);
  return k === 0 ? lf : add({ m: BigInt(k), e: 0 }, lf, p);
}

/** atan(z) for 0 < z ≤ 1: halve the angle (z ← z/(1 + √(1 + z²))) until z < 2^-10, then Taylor. */
export function atan(z: Mp, p: number): Mp {
  let halvings = 0;
  while (top(z) > -10) {
    z = div(z, add(ONE, sqrt(add(ONE, mul(z, z, p), p), p), p), p);
    halvings++;
  }
  const z2 = mul(z, z, p);
  let power = z;
  let sum = z;
  for (let k = 3; ; k += 2) {
    power = neg(mul(power, z2, p));
    const term = divInt(power, k, p);
    if (negligible(term, sum, p)) return scale(sum, halvings);
    sum = add(sum, term, p);
  }
}

/** sin(r) and cos(r) for |r| ≤ 0.8 (Taylor; sin r ≥ 0.89 r and cos r ≥ 0.69 there). */
export function sinCos(r: Mp, p: number): [Mp, Mp] {
  const r2 = neg(mul(r, r, p));
  let s = r;
  let sTerm = r;
  let c = ONE;
  let cTerm = ONE;
  let sDone = r.m === 0n;
  let cDone = false;
  for (let k = 1; !(sDone && cDone); k++) {
    if (!cDone) {
      cTerm = divInt(mul(cTerm, r2, p), (2 * k - 1) * 2 * k, p);
      if (negligible(cTerm, c, p)) cDone = true;
      else c = add(c, cTerm, p);
    }
    if (!sDone) {
      sTerm = divInt(mul(sTerm, r2, p), 2 * k * (2 * k + 1), p);
      if (negligible(sTerm, s, p)) sDone = true;
      else s = add(s, sTerm, p);
    }
  }
  return [s, c];
}
