/**
 * Reference models of the SIMD integer instructions for the unit tests (mmx.test.ts,
 * ssse3.test.ts): each operation written out per element from its Intel SDM Vol. 2 page, on byte
 * arrays `w` bytes wide (8 for an MMX register, 16 for an XMM register), in BigInt so that no
 * overflow hides. Independent of the executor's kernels (exec-sse-int.ts, exec-ssse3.ts), which
 * compute the same results with 32-bit integer tricks.
 */

export type Bytes = number[];
export type RefOp = (a: Bytes, b: Bytes, w: number) => Bytes;

export function get(a: Bytes, i: number, el: number, signed: boolean): bigint {
  let v = 0n;
  for (let k = el - 1; k >= 0; k--) v = (v << 8n) | BigInt(a[i * el + k]);
  return signed ? BigInt.asIntN(el * 8, v) : v;
}

export function put(out: Bytes, i: number, el: number, v: bigint): void {
  const u = BigInt.asUintN(el * 8, v);
  for (let k = 0; k < el; k++) out[i * el + k] = Number((u >> BigInt(8 * k)) & 0xffn);
}

function sat(v: bigint, el: number, signed: boolean): bigint {
  const bits = BigInt(el * 8);
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  return v < lo ? lo : v > hi ? hi : v;
}

/** Element-wise: out[i] = f(a[i], b[i]) over el-byte elements. */
function lanes(el: number, signed: boolean, f: (x: bigint, y: bigint) => bigint): RefOp {
  return (a, b, w) => {
    const out: Bytes = new Array(w).fill(0);
    for (let i = 0; i < w / el; i++) put(out, i, el, f(get(a, i, el, signed), get(b, i, el, signed)));
    return out;
  };
}

const satLanes = (el: number, signed: boolean, sub: boolean): RefOp => lanes(el, signed, (x, y) => sat(sub ? x - y : x + y, el, signed));

/** Shift by the unsigned 64-bit count in b's low quadword (SDM PSLLW/PSRLW/PSRAW). */
function shifts(el: number, kind: "l" | "r" | "a"): RefOp {
  return (a, b, w) => {
    const n = get(b, 0, 8, false);
    const bits = BigInt(el * 8);
    const out: Bytes = new Array(w).fill(0);
    for (let i = 0; i < w / el; i++) {
      const x = get(a, i, el, kind === "a");
      const r = kind === "a" ? x >> (n >= bits ? bits - 1n : n) : n >= bits ? 0n : kind === "l" ? x << n : x >> n;
      put(out, i, el, r);
    }
    return out;
  };
}

function pack(from: number, signedOut: boolean): RefOp {
  return (a, b, w) => {
    const n = w / from;
    const out: Bytes = new Array(w).fill(0);
    const to = from / 2;
    for (let i = 0; i < n; i++) {
      put(out, i, to, sat(get(a, i, from, true), to, signedOut));
      put(out, n + i, to, sat(get(b, i, from, true), to, signedOut));
    }
    return out;
  };
}

function unpack(el: number, high: boolean): RefOp {
  return (a, b, w) => {
    const n = w / el / 2;
    const out: Bytes = new Array(w).fill(0);
    for (let i = 0; i < n; i++) {
      put(out, 2 * i, el, get(a, (high ? n : 0) + i, el, false));
      put(out, 2 * i + 1, el, get(b, (high ? n : 0) + i, el, false));
    }
    return out;
  };
}

function horizontal(el: number, sub: boolean, saturate: boolean): RefOp {
  return (a, b, w) => {
    const half = w / el / 2;
    const out: Bytes = new Array(w).fill(0);
    const f = (s: Bytes, i: number): bigint => {
      const x = get(s, 2 * i, el, true), y = get(s, 2 * i + 1, el, true);
      const r = sub ? x - y : x + y;
      return saturate ? sat(r, el, true) : r;
    };
    for (let i = 0; i < half; i++) {
      put(out, i, el, f(a, i));
      put(out, half + i, el, f(b, i));
    }
    return out;
  };
}

export function palignrRef(imm: number): RefOp {
  return (a, b, w) => {
    const cat = [...b.slice(0, w), ...a.slice(0, w)];
    return Array.from({ length: w }, (_, i) => (i + imm < 2 * w ? cat[i + imm] : 0));
  };
}

/** Integer operations by NASM mnemonic (the same names for the MMX and the XMM forms). */
export const REF: Record<string, RefOp> = {
  paddb: lanes(1, false, (x, y) => x + y),
  paddw: lanes(2, false, (x, y) => x + y),
  paddd: lanes(4, false, (x, y) => x + y),
  paddq: lanes(8, false, (x, y) => x + y),
  psubb: lanes(1, false, (x, y) => x - y),
  psubw: lanes(2, false, (x, y) => x - y),
  psubd: lanes(4, false, (x, y) => x - y),
  psubq: lanes(8, false, (x, y) => x - y),
  paddsb: satLanes(1, true, false),
  paddsw: satLanes(2, true, false),
  paddusb: satLanes(1, false, false),
  paddusw: satLanes(2, false, false),
  psubsb: satLanes(1, true, true),
  psubsw: satLanes(2, true, true),
  psubusb: satLanes(1, false, true),
  psubusw: satLanes(2, false, true),
  pcmpeqb: lanes(1, false, (x, y) => (x === y ? -1n : 0n)),
  pcmpeqw: lanes(2, false, (x, y) => (x === y ? -1n : 0n)),
  pcmpeqd: lanes(4, false, (x, y) => (x === y ? -1n : 0n)),
  pcmpgtb: lanes(1, true, (x, y) => (x > y ? -1n : 0n)),
  pcmpgtw: lanes(2, true, (x, y) => (x > y ? -1n : 0n)),
  pcmpgtd: lanes(4, true, (x, y) => (x > y ? -1n : 0n)),
  pmullw: lanes(2, true, (x, y) => x * y),
  pmulhw: lanes(2, true, (x, y) => (x * y) >> 16n),
  pmulhuw: lanes(2, false, (x, y) => (x * y) >> 16n),
  pmuludq: lanes(8, false, (x, y) => (x & 0xffffffffn) * (y & 0xffffffffn)),
  pmaddwd: (a, b, w) => {
    const out: Bytes = new Array(w).fill(0);
    for (let i = 0; i < w / 4; i++) {
      put(out, i, 4, get(a, 2 * i, 2, true) * get(b, 2 * i, 2, true) + get(a, 2 * i + 1, 2, true) * get(b, 2 * i + 1, 2, true));
    }
    return out;
  },
  pand: lanes(8, false, (x, y) => x & y),
  pandn: lanes(8, false, (x, y) => ~x & y),
  por: lanes(8, false, (x, y) => x | y),
  pxor: lanes(8, false, (x, y) => x ^ y),
  packsswb: pack(2, true),
  packssdw: pack(4, true),
  packuswb: pack(2, false),
  punpcklbw: unpack(1, false),
  punpcklwd: unpack(2, false),
  punpckldq: unpack(4, false),
  punpckhbw: unpack(1, true),
  punpckhwd: unpack(2, true),
  punpckhdq: unpack(4, true),
  psllw: shifts(2, "l"),
  pslld: shifts(4, "l"),
  psllq: shifts(8, "l"),
  psrlw: shifts(2, "r"),
  psrld: shifts(4, "r"),
  psrlq: shifts(8, "r"),
  psraw: shifts(2, "a"),
  psrad: shifts(4, "a"),
  pavgb: lanes(1, false, (x, y) => (x + y + 1n) >> 1n),
  pavgw: lanes(2, false, (x, y) => (x + y + 1n) >> 1n),
  pminub: lanes(1, false, (x, y) => (x < y ? x : y)),
  pmaxub: lanes(1, false, (x, y) => (x > y ? x : y)),
  pminsw: lanes(2, true, (x, y) => (x < y ? x : y)),
  pmaxsw: lanes(2, true, (x, y) => (x > y ? x : y)),
  psadbw: (a, b, w) => {
    const out: Bytes = new Array(w).fill(0);
    for (let h = 0; h < w / 8; h++) {
      let s = 0n;
      for (let i = 0; i < 8; i++) s += BigInt(Math.abs(a[8 * h + i] - b[8 * h + i]));
      put(out, h, 8, s);
    }
    return out;
  },
  // SSSE3 (SDM Vol. 2 PSHUFB ... PALIGNR).
  pshufb: (a, b, w) => Array.from({ length: w }, (_, i) => (b[i] & 0x80 ? 0 : a[b[i] & (w - 1)])),
  phaddw: horizontal(2, false, false),
  phaddd: horizontal(4, false, false),
  phaddsw: horizontal(2, false, true),
  phsubw: horizontal(2, true, false),
  phsubd: horizontal(4, true, false),
  phsubsw: horizontal(2, true, true),
  pmaddubsw: (a, b, w) => {
    const out: Bytes = new Array(w).fill(0);
    for (let i = 0; i < w / 2; i++) {
      const v = get(a, 2 * i, 1, false) * get(b, 2 * i, 1, true) + get(a, 2 * i + 1, 1, false) * get(b, 2 * i + 1, 1, true);
      put(out, i, 2, sat(v, 2, true));
    }
    return out;
  },
  pmulhrsw: lanes(2, true, (x, y) => (((x * y) >> 14n) + 1n) >> 1n),
  psignb: lanes(1, true, (x, y) => (y < 0n ? -x : y === 0n ? 0n : x)),
  psignw: lanes(2, true, (x, y) => (y < 0n ? -x : y === 0n ? 0n : x)),
  psignd: lanes(4, true, (x, y) => (y < 0n ? -x : y === 0n ? 0n : x)),
  pabsb: lanes(1, true, (_x, y) => (y < 0n ? -y : y)),
  pabsw: lanes(2, true, (_x, y) => (y < 0n ? -y : y)),
  pabsd: lanes(4, true, (_x, y) => (y < 0n ? -y : y)),
};

/** Deterministic test vectors: edge bytes (0, 1, 0x7F, 0x80, 0x81, 0xFE, 0xFF) mixed with pseudo-random ones. */
export function vectors(count: number, w: number, seed: number): Bytes[] {
  const edges = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x40];
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
  const out: Bytes[] = [];
  for (let k = 0; k < count; k++) {
    const mode = k % 4;
    out.push(Array.from({ length: w }, () => (mode === 0 ? edges[next() & 7] : mode === 1 ? (next() & 1 ? edges[next() & 7] : next()) : next())));
  }
  return out;
}

/** Shift counts as 64-bit little-endian sources (0 … past the element widths, and above 2^32). */
export const SHIFT_COUNTS = [0n, 1n, 3n, 7n, 8n, 15n, 16n, 17n, 31n, 32n, 33n, 63n, 64n, 65n, 255n, (1n << 32n) + 1n];
