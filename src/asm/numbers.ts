/**
 * Numeric constants (NASM manual §3.4.1, §3.4.6): integers in every radix NASM accepts, and floating
 * point constants converted exactly, with round-to-nearest-even, to IEEE binary32/binary64 and the
 * x87 80-bit extended format, as NASM's float.c does (never through a JS double for DD or DT, so
 * there is no double rounding).
 */

const MASK64 = (1n << 64n) - 1n;

/**
 * An integer constant: 0x1F 1Fh $1F 0h1F, 0o17 17o 17q 0q17, 0b101 101b 0y101 101y, 0d99 99d 0t99 99t,
 * plain decimal; underscores anywhere after the first digit. Wraps to 64 bits as NASM does.
 * Returns null when the text is not an integer constant.
 */
export function parseInteger(text: string): bigint | null {
  let s = text.replace(/_/g, "");
  if (s.length === 0) return null;
  let radix = 10;
  if (s[0] === "$") {
    radix = 16;
    s = s.slice(1);
  } else if (/^0[xhoqbydt]/i.test(s) && s.length > 2) {
    const r = s[1].toLowerCase();
    radix = r === "x" || r === "h" ? 16 : r === "o" || r === "q" ? 8 : r === "b" || r === "y" ? 2 : 10;
    s = s.slice(2);
  } else {
    const last = s[s.length - 1].toLowerCase();
    const suffix: Record<string, number> = { h: 16, x: 16, q: 8, o: 8, b: 2, y: 2, d: 10, t: 10 };
    if (last in suffix && s.length > 1) {
      // "0b" alone or "1b" is binary; "0bh"-like cases are hex by the h suffix (checked first).
      radix = suffix[last];
      s = s.slice(0, -1);
    }
  }
  const digits = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) return null;
  let v = 0n;
  const R = BigInt(radix);
  for (const c of s) v = v * R + BigInt(parseInt(c, radix));
  return v & MASK64;
}

/** Does this number token look like a floating-point constant (NASM: a '.', or an exponent)? */
export function isFloatLiteral(text: string): boolean {
  if (/^(0[xh]|\$)/i.test(text)) return /[.p]/i.test(text);
  return /^[0-9][0-9_]*(\.[0-9_]*)?(e[+-]?[0-9_]+)?$/i.test(text) && /[.e]/i.test(text) && !/^[0-9_]+[eE]$/.test(text);
}

export type FloatFormat = "f8" | "f16" | "f32" | "f64" | "f80" | "f128";

/**
 * The formats as NASM's float.c describes them: total bytes, fraction bits, explicit integer bit,
 * exponent bits.
 */
const FORMATS: Record<FloatFormat, { bytes: number; mantissa: number; explicit: number; exponent: number }> = {
  f8: { bytes: 1, mantissa: 3, explicit: 0, exponent: 4 },
  f16: { bytes: 2, mantissa: 10, explicit: 0, exponent: 5 },
  f32: { bytes: 4, mantissa: 23, explicit: 0, exponent: 8 },
  f64: { bytes: 8, mantissa: 52, explicit: 0, exponent: 11 },
  f80: { bytes: 10, mantissa: 63, explicit: 1, exponent: 15 },
  f128: { bytes: 16, mantissa: 112, explicit: 0, exponent: 15 },
};

/** Format for a data declaration's unit size. */
export const FLOAT_FORMAT: Record<number, FloatFormat | undefined> = { 1: "f8", 2: "f16", 4: "f32", 8: "f64", 10: "f80", 16: "f128" };

/*
 * NASM converts a decimal constant with its own fixed-precision arithmetic (float.c): a 192-bit
 * mantissa (six 32-bit limbs), the decimal fraction expanded bit by bit, then multiplied by powers
 * of five by repeated squaring with every product truncated to 192 bits; the result is rounded to
 * nearest-even once. Truncation makes it differ from the correctly rounded value now and then (an
 * exact tie such as 65520.0 in a DW rounds down), so the same arithmetic is done here, on a
 * 192-bit BigInt, to give the same bytes. Its range check also lets the largest exponent + 1
 * through (DD 3.5e38 has an all-ones exponent and a non-zero fraction), which is kept too.
 */
const MANT_BITS = 192n;
const MANT_MASK = (1n << MANT_BITS) - 1n;
const TOP = 1n << (MANT_BITS - 1n);
const MAX_DIGITS = 52;

/** float.c float_multiply: the top 192 bits of a·b, normalised; returns 0, or -1 when shifted. */
function multiply(a: bigint, b: bigint): [bigint, number] {
  const p = a * b; // at most 384 bits
  if ((p >> (2n * MANT_BITS - 1n)) & 1n) return [p >> MANT_BITS, 0];
  return [(p >> (MANT_BITS - 1n)) & MANT_MASK, -1];
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** float.c ieee_flconvert: mantissa (top bit set, or 0) and binary exponent of a decimal constant. */
function decimalToMant(text: string): { mant: bigint; exp: number } | null {
  const m = /^([0-9_]*)(?:\.([0-9_]*))?(?:[eE]([+-]?[0-9_]+))?$/.exec(text);
  if (!m || (m[1].replace(/_/g, "") === "" && (m[2] ?? "").replace(/_/g, "") === "")) return null;
  const intPart = m[1].replace(/_/g, "");
  const fracPart = (m[2] ?? "").replace(/_/g, "");
  let digits = "";
  let tenpwr = 0;
  let started = false;
  for (const c of intPart) {
    if (c === "0" && !started) continue;
    started = true;
    if (digits.length < MAX_DIGITS) digits += c;
    tenpwr++;
  }
  for (const c of fracPart) {
    if (c === "0" && !started) {
      tenpwr--;
      continue;
    }
    started = true;
    if (digits.length < MAX_DIGITS) digits += c;
  }
  if (m[3] !== undefined) {
    let e = 0;
    const neg = m[3].startsWith("-");
    for (const c of m[3].replace(/^[+-]/, "").replace(/_/g, "")) e = Math.min(e * 10 + Number(c), 5000);
    tenpwr += neg ? -e : e;
  }
  digits = digits.replace(/0+$/, "");
  if (!digits) return { mant: 0n, exp: 0 };
  // 0.digits in binary: the first 192 bits from the first 1 (truncated), leading zero bits counted.
  const D = BigInt(digits);
  const scale = 10n ** BigInt(digits.length);
  let lz = 0;
  while ((D << BigInt(lz + 1)) < scale) lz++;
  let mant = (D << (MANT_BITS + BigInt(lz))) / scale;
  let twopwr = -lz + tenpwr;
  // Multiply by 5^tenpwr: 0.2 = 0.CCC...CD × 2^-2, 5 = 0.101 × 2^3, squared as needed.
  let t = tenpwr;
  if (t !== 0) {
    let mult = t < 0 ? (0xccccccccn * ((1n << 192n) - 1n)) / 0xffffffffn + 1n : 0xan << (MANT_BITS - 4n);
    let extratwos = t < 0 ? -2 : 3;
    t = Math.abs(t);
    while (t) {
      if (t & 1) {
        const [r, sh] = multiply(mant, mult);
        mant = r;
        twopwr += extratwos + sh;
      }
      const [sq, sh2] = multiply(mult, mult);
      mult = sq;
      extratwos = extratwos * 2 + sh2;
      t >>= 1;
    }
  }
  return { mant, exp: twopwr };
}

/** float.c ieee_flconvert_bin for hexadecimal constants (0x1.8p3): exact up to 192 bits. */
function hexToMant(text: string): { mant: bigint; exp: number } | null {
  const m = /^([0-9a-f_]*)(?:\.([0-9a-f_]*))?(?:p([+-]?[0-9_]+))?$/i.exec(text);
  if (!m) return null;
  const intPart = m[1].replace(/_/g, "");
  const fracPart = (m[2] ?? "").replace(/_/g, "");
  const M = BigInt("0x0" + intPart + fracPart);
  if (M === 0n) return { mant: 0n, exp: 0 };
  const L = bitLength(M);
  const mant = L <= 192 ? M << BigInt(192 - L) : M >> BigInt(L - 192);
  const pexp = m[3] === undefined ? 0 : Math.max(-20000, Math.min(20000, Number(m[3].replace(/_/g, ""))));
  return { mant, exp: L - 4 * fracPart.length + pexp };
}

/** Big-endian bit `i` of the 192-bit mantissa (0 = most significant), as float.c numbers them. */
const bitAt = (i: number) => 1n << (MANT_BITS - 1n - BigInt(i));
function shr(mant: bigint, n: number): bigint {
  return n >= 192 ? 0n : mant >> BigInt(n);
}

/** float.c ieee_round to nearest-even, keeping the first `bits` bits. */
function round(mant: bigint, bits: number): bigint {
  const keepMask = MANT_MASK ^ (bitAt(bits) * 2n - 1n);
  if (!(mant & bitAt(bits))) return mant & keepMask;
  const rest = mant & (bitAt(bits) - 1n);
  if (rest || mant & bitAt(bits - 1)) return ((mant & keepMask) + bitAt(bits - 1)) & MANT_MASK;
  return mant & keepMask;
}

/**
 * Encodes a float constant (as written, with an optional leading sign applied by `negate`) in
 * `format`, little-endian, as NASM does. Takes NASM's special tokens __Infinity__, __QNaN__,
 * __SNaN__ (and __?...?__ forms). Returns an error message for text that is not a float constant.
 */
export function encodeFloat(text: string, format: FloatFormat, negate = false): Uint8Array | string {
  const fmt = FORMATS[format];
  const E = fmt.exponent;
  const X = fmt.explicit;
  const bits = fmt.bytes * 8;
  const expmax = 1 << (E - 1);
  const special = /^__\??(infinity|qnan|nan|snan)\??__$/i.exec(text);
  let type: "zero" | "denormal" | "normal" | "inf" | "qnan" | "snan";
  let mant = 0n;
  let exponent = 0;
  if (special) {
    const k = special[1].toLowerCase();
    type = k === "infinity" ? "inf" : k === "snan" ? "snan" : "qnan";
  } else {
    let conv: { mant: bigint; exp: number } | null;
    if (/^(0[xh]|\$)/i.test(text)) conv = hexToMant(text.slice(text[0] === "$" ? 1 : 2));
    else if (/^0[dt]/i.test(text)) conv = decimalToMant(text.slice(2));
    else conv = decimalToMant(text);
    if (!conv) return `invalid floating-point constant "${text}"`;
    mant = conv.mant;
    exponent = conv.exp;
    if (mant & TOP) {
      exponent--;
      type = exponent >= 2 - expmax && exponent <= expmax ? "normal" : exponent > 0 ? "inf" : "denormal";
    } else type = "zero";
  }
  const onePos = E + X; // the integer bit, in big-endian bit numbering
  switch (type) {
    case "zero":
      mant = 0n;
      break;
    case "denormal": {
      mant = round(shr(mant, -(exponent + expmax - 2 - E) + X), bits);
      if (mant & bitAt(onePos)) {
        if (!X) mant &= ~bitAt(onePos);
        mant |= 1n << (MANT_BITS - 1n - BigInt(E));
      }
      break;
    }
    case "normal": {
      exponent += expmax - 1;
      mant = round(shr(mant, E + X), bits);
      if (mant & bitAt(E + X - 1)) {
        mant = shr(mant, 1);
        exponent++;
        if (exponent >= (expmax << 1) - 1) {
          type = "inf";
          mant = infinity();
          break;
        }
      }
      if (!X) mant &= ~bitAt(onePos);
      mant |= BigInt(exponent) << (MANT_BITS - 1n - BigInt(E));
      break;
    }
    default:
      mant = infinity();
      if (type === "qnan") mant |= bitAt(E + X + 1);
      else if (type === "snan") mant |= bitAt(E + X + fmt.mantissa);
  }
  function infinity(): bigint {
    let v = ((1n << BigInt(E)) - 1n) << (MANT_BITS - 1n - BigInt(E));
    if (X) v |= bitAt(onePos);
    return v;
  }
  if (negate) mant |= TOP;
  // The format is the top `bytes` bytes of the mantissa, written little-endian.
  const out = new Uint8Array(fmt.bytes);
  for (let i = 0; i < fmt.bytes; i++) out[fmt.bytes - 1 - i] = Number((mant >> (MANT_BITS - 8n * BigInt(i + 1))) & 0xffn);
  return out;
}

/** Is this identifier one of NASM's special float values? */
export function isSpecialFloat(text: string): boolean {
  return /^__\??(infinity|qnan|nan|snan)\??__$/i.test(text);
}
