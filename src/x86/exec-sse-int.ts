/**
 * SIMD integer instructions (Intel SDM Vol. 2). The lane-wise operations — unpacks, packs, compares,
 * add/sub (wrapping and saturating), multiplies, averages, min/max, PSADBW, logic, shifts by a
 * register — are one kernel, `simdInt`, over the scratch registers `u` (destination, updated in
 * place) and `t` (source), `w` bytes wide: 8 for the MMX forms (exec-mmx.ts), 16 for the XMM forms
 * here. Also the XMM-only forms: PSHUFLW/PSHUFHW, shifts by imm8 (groups 12/13/14 incl.
 * PSLLDQ/PSRLDQ, shared with MMX through `shiftImm`), PINSRW/PEXTRW, MOVNTI and MASKMOVDQU.
 * Integer arithmetic only (no BigInt): 64-bit lanes are handled as two 32-bit halves.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { readRm, writeRm, writeRm64 } from "./operands";
import { UD, t, u, tb, ub, src128, setXmm } from "./exec-sse-common";

const ts8 = new Int8Array(t.buffer);
const us8 = new Int8Array(u.buffer);
const ts16 = new Int16Array(t.buffer);
const us16 = new Int16Array(u.buffer);
const tw = new Uint16Array(t.buffer);
const uw = new Uint16Array(u.buffer);
const tmp = new Uint8Array(16);
const tmp16 = new Int16Array(tmp.buffer);

export function satS(v: number, bits: number): number {
  const hi = (1 << (bits - 1)) - 1, lo = -(1 << (bits - 1));
  return v > hi ? hi : v < lo ? lo : v;
}
export function satU(v: number, bits: number): number {
  const hi = (1 << bits) - 1;
  return v > hi ? hi : v < 0 ? 0 : v;
}

function loadDst(c: Machine, reg: number): void {
  for (let k = 0; k < 4; k++) u[k] = c.xmm32[(reg << 2) + k];
}
function storeDst(c: Machine, reg: number): void {
  setXmm(c, reg, u[0], u[1], u[2], u[3]);
}

/** Low and high halves of the last `mulU32` product. */
let mulLo = 0;
let mulHi = 0;

/** Unsigned 32 × 32 → 64-bit product in 16-bit pieces (every partial sum stays below 2^53). */
function mulU32(a: number, b: number): void {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulLo = ((mid & 0xffff) << 16) | (ll & 0xffff);
  mulHi = (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** Shift quadword i of `u` by n (1..63): kind 0 logical right, 2 left. */
function shiftQ(i: number, kind: number, n: number): void {
  const lo = u[2 * i], hi = u[2 * i + 1];
  if (kind === 0) {
    u[2 * i] = n >= 32 ? hi >>> (n - 32) : (lo >>> n) | (hi << (32 - n));
    u[2 * i + 1] = n >= 32 ? 0 : hi >>> n;
  } else {
    u[2 * i + 1] = n >= 32 ? lo << (n - 32) : (hi << n) | (lo >>> (32 - n));
    u[2 * i] = n >= 32 ? 0 : lo << n;
  }
}

/**
 * Shift every element (el = 2, 4, 8 bytes) of the first w bytes of `u`: kind 0 logical right,
 * 1 arithmetic right, 2 left. The count is the unsigned 64-bit value cntHi:cntLo; counts of at
 * least the element width clear the element (or fill it with the sign for arithmetic shifts).
 */
function shiftLanes(el: number, kind: number, cntLo: number, cntHi: number, w: number): void {
  const bits = el * 8;
  const big = cntHi !== 0 || cntLo >>> 0 >= bits;
  const n = big ? 0 : cntLo;
  if (el === 2) {
    for (let i = 0; i < w >> 1; i++) {
      if (kind === 1) us16[i] = us16[i] >> (big ? 15 : n);
      else uw[i] = big ? 0 : kind === 0 ? uw[i] >>> n : (uw[i] << n) & 0xffff;
    }
  } else if (el === 4) {
    for (let i = 0; i < w >> 2; i++) {
      if (kind === 1) u[i] = u[i] >> (big ? 31 : n);
      else u[i] = big ? 0 : kind === 0 ? u[i] >>> n : u[i] << n;
    }
  } else {
    for (let i = 0; i < w >> 3; i++) {
      if (big) {
        u[2 * i] = 0;
        u[2 * i + 1] = 0;
      } else if (n !== 0) shiftQ(i, kind, n);
    }
  }
}

/** Interleave elements (el bytes) from the low (from = 0) or high (from = w/2) halves of u and t. */
function unpack(el: number, from: number, w: number): void {
  for (let i = 0; i < (w >> 1) / el; i++) {
    for (let k = 0; k < el; k++) {
      tmp[2 * i * el + k] = ub[from + i * el + k];
      tmp[(2 * i + 1) * el + k] = tb[from + i * el + k];
    }
  }
  for (let i = 0; i < w; i++) ub[i] = tmp[i];
}

/** Opcodes (0F b) that `simdInt` computes. */
export function isSimdInt(b: number): boolean {
  switch (b) {
    case 0x60: case 0x61: case 0x62: case 0x63: case 0x64: case 0x65: case 0x66: case 0x67:
    case 0x68: case 0x69: case 0x6a: case 0x6b: case 0x6c: case 0x6d: case 0x74: case 0x75: case 0x76:
    case 0xd1: case 0xd2: case 0xd3: case 0xd4: case 0xd5: case 0xd8: case 0xd9: case 0xda: case 0xdb:
    case 0xdc: case 0xdd: case 0xde: case 0xdf:
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe4: case 0xe5: case 0xe8: case 0xe9: case 0xea:
    case 0xeb: case 0xec: case 0xed: case 0xee: case 0xef:
    case 0xf1: case 0xf2: case 0xf3: case 0xf4: case 0xf5: case 0xf6: case 0xf8: case 0xf9: case 0xfa:
    case 0xfb: case 0xfc: case 0xfd: case 0xfe:
      return true;
  }
  return false;
}

/** u = u OP t for the lane-wise opcode b (see isSimdInt) over w = 8 or 16 bytes. */
export function simdInt(b: number, w: number): void {
  const nw = w >> 1, nd = w >> 2;
  switch (b) {
    case 0x60: case 0x61: case 0x62: case 0x6c:
      unpack(b === 0x60 ? 1 : b === 0x61 ? 2 : b === 0x62 ? 4 : 8, 0, w);
      return;
    case 0x68: case 0x69: case 0x6a: case 0x6d:
      unpack(b === 0x68 ? 1 : b === 0x69 ? 2 : b === 0x6a ? 4 : 8, w >> 1, w);
      return;
    case 0x63: case 0x67:
      // PACKSSWB / PACKUSWB: destination words then source words, saturated to bytes.
      for (let i = 0; i < nw; i++) {
        tmp[i] = b === 0x63 ? satS(us16[i], 8) : satU(us16[i], 8);
        tmp[nw + i] = b === 0x63 ? satS(ts16[i], 8) : satU(ts16[i], 8);
      }
      for (let i = 0; i < w; i++) ub[i] = tmp[i];
      return;
    case 0x6b:
      for (let i = 0; i < nd; i++) {
        tmp16[i] = satS(u[i], 16);
        tmp16[nd + i] = satS(t[i], 16);
      }
      for (let i = 0; i < w; i++) ub[i] = tmp[i];
      return;
    case 0x64: for (let i = 0; i < w; i++) us8[i] = us8[i] > ts8[i] ? -1 : 0; return;
    case 0x65: for (let i = 0; i < nw; i++) us16[i] = us16[i] > ts16[i] ? -1 : 0; return;
    case 0x66: for (let i = 0; i < nd; i++) u[i] = u[i] > t[i] ? -1 : 0; return;
    case 0x74: for (let i = 0; i < w; i++) ub[i] = ub[i] === tb[i] ? 0xff : 0; return;
    case 0x75: for (let i = 0; i < nw; i++) uw[i] = uw[i] === tw[i] ? 0xffff : 0; return;
    case 0x76: for (let i = 0; i < nd; i++) u[i] = u[i] === t[i] ? -1 : 0; return;
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3: {
      const el = (b & 3) === 1 ? 2 : (b & 3) === 2 ? 4 : 8;
      shiftLanes(el, b >= 0xf0 ? 2 : b >= 0xe0 ? 1 : 0, t[0], t[1], w);
      return;
    }
    case 0xd4: case 0xfb:
      for (let k = 0; k < nd; k += 2) {
        const a = u[k] >>> 0, s = t[k] >>> 0;
        if (b === 0xd4) {
          const r = a + s;
          u[k] = r | 0;
          u[k + 1] = (u[k + 1] + t[k + 1] + (r >= 4294967296 ? 1 : 0)) | 0;
        } else {
          u[k] = (a - s) | 0;
          u[k + 1] = (u[k + 1] - t[k + 1] - (a < s ? 1 : 0)) | 0;
        }
      }
      return;
    case 0xf4:
      for (let k = 0; k < nd; k += 2) {
        mulU32(u[k] >>> 0, t[k] >>> 0);
        u[k] = mulLo;
        u[k + 1] = mulHi;
      }
      return;
    case 0xd5: for (let i = 0; i < nw; i++) us16[i] = Math.imul(us16[i], ts16[i]); return;
    case 0xe5: for (let i = 0; i < nw; i++) us16[i] = (us16[i] * ts16[i]) >> 16; return;
    case 0xe4: for (let i = 0; i < nw; i++) uw[i] = (uw[i] * tw[i]) >>> 16; return;
    case 0xf5:
      // PMADDWD: (−32768)² · 2 = 2^31 wraps to 0x80000000, as the SDM's note says.
      for (let i = 0; i < nd; i++) u[i] = us16[2 * i] * ts16[2 * i] + us16[2 * i + 1] * ts16[2 * i + 1];
      return;
    case 0xd8: for (let i = 0; i < w; i++) ub[i] = satU(ub[i] - tb[i], 8); return;
    case 0xd9: for (let i = 0; i < nw; i++) uw[i] = satU(uw[i] - tw[i], 16); return;
    case 0xdc: for (let i = 0; i < w; i++) ub[i] = satU(ub[i] + tb[i], 8); return;
    case 0xdd: for (let i = 0; i < nw; i++) uw[i] = satU(uw[i] + tw[i], 16); return;
    case 0xe8: for (let i = 0; i < w; i++) us8[i] = satS(us8[i] - ts8[i], 8); return;
    case 0xe9: for (let i = 0; i < nw; i++) us16[i] = satS(us16[i] - ts16[i], 16); return;
    case 0xec: for (let i = 0; i < w; i++) us8[i] = satS(us8[i] + ts8[i], 8); return;
    case 0xed: for (let i = 0; i < nw; i++) us16[i] = satS(us16[i] + ts16[i], 16); return;
    case 0xda: for (let i = 0; i < w; i++) ub[i] = Math.min(ub[i], tb[i]); return;
    case 0xde: for (let i = 0; i < w; i++) ub[i] = Math.max(ub[i], tb[i]); return;
    case 0xea: for (let i = 0; i < nw; i++) us16[i] = Math.min(us16[i], ts16[i]); return;
    case 0xee: for (let i = 0; i < nw; i++) us16[i] = Math.max(us16[i], ts16[i]); return;
    case 0xe0: for (let i = 0; i < w; i++) ub[i] = (ub[i] + tb[i] + 1) >> 1; return;
    case 0xe3: for (let i = 0; i < nw; i++) uw[i] = (uw[i] + tw[i] + 1) >> 1; return;
    case 0xf6:
      // PSADBW: per 8 bytes, the sum of absolute differences in the low word, the rest zero.
      for (let h = 0; h < w >> 3; h++) {
        let s = 0;
        for (let i = 0; i < 8; i++) s += Math.abs(ub[8 * h + i] - tb[8 * h + i]);
        u[2 * h] = s;
        u[2 * h + 1] = 0;
      }
      return;
    case 0xdb: for (let i = 0; i < nd; i++) u[i] &= t[i]; return;
    case 0xdf: for (let i = 0; i < nd; i++) u[i] = ~u[i] & t[i]; return;
    case 0xeb: for (let i = 0; i < nd; i++) u[i] |= t[i]; return;
    case 0xef: for (let i = 0; i < nd; i++) u[i] ^= t[i]; return;
    case 0xf8: for (let i = 0; i < w; i++) ub[i] = ub[i] - tb[i]; return;
    case 0xf9: for (let i = 0; i < nw; i++) uw[i] = uw[i] - tw[i]; return;
    case 0xfa: for (let i = 0; i < nd; i++) u[i] = (u[i] - t[i]) | 0; return;
    case 0xfc: for (let i = 0; i < w; i++) ub[i] = ub[i] + tb[i]; return;
    case 0xfd: for (let i = 0; i < nw; i++) uw[i] = uw[i] + tw[i]; return;
    case 0xfe: for (let i = 0; i < nd; i++) u[i] = (u[i] + t[i]) | 0; return;
  }
}

/**
 * Groups 12/13/14 (0F 71/72/73 /digit ib) on `u`, w bytes wide: /2 PSRL, /4 PSRA, /6 PSLL by the
 * imm8 count; 73 /3 PSRLDQ and /7 PSLLDQ (byte shifts, XMM only). False for an undefined form (#UD).
 */
export function shiftImm(b: number, sub: number, cnt: number, w: number): boolean {
  if (b === 0x73 && (sub === 3 || sub === 7)) {
    if (w !== 16) return false;
    const n = cnt > 16 ? 16 : cnt;
    for (let i = 0; i < 16; i++) tmp[i] = sub === 3 ? (i + n < 16 ? ub[i + n] : 0) : i - n >= 0 ? ub[i - n] : 0;
    ub.set(tmp);
    return true;
  }
  const el = b === 0x71 ? 2 : b === 0x72 ? 4 : 8;
  const kind = sub === 2 ? 0 : sub === 4 ? 1 : sub === 6 ? 2 : -1;
  if (kind < 0 || (kind === 1 && el === 8)) return false;
  shiftLanes(el, kind, cnt, 0, w);
  return true;
}

/**
 * MASKMOVQ / MASKMOVDQU: byte i of the data (ModRM.reg register, bytes in `data` from `dOff`) is
 * stored at DS:rDI + i (segment overridable) when bit 7 of mask byte i (ModRM.rm, `mask` from
 * `mOff`) is set. No alignment rule; a fault stops the store (Intel SDM Vol. 2 MASKMOVQ).
 */
export function maskMove(c: Machine, d: Decoded, data: Uint8Array, dOff: number, mask: Uint8Array, mOff: number, n: number): void {
  const asz = d.asz;
  const off = asz === 8 ? c.regAsNumber(7) : asz === 4 ? c.r32[14] >>> 0 : c.r16[28];
  const seg = d.seg >= 0 ? d.seg : 3;
  for (let i = 0; i < n; i++) {
    if (!(mask[mOff + i] & 0x80)) continue;
    const a = asz === 8 ? off + i : asz === 4 ? (off + i) >>> 0 : (off + i) & 0xffff;
    const lin = c.linear(seg, a, 1, true);
    if (c.fault) return;
    c.write8(lin, data[dOff + i]);
    if (c.fault) return;
  }
}

/** The XMM integer instructions (prefix pfx: 0 none, 1 66, 2 F2, 3 F3); false when b is not one of them. */
export function executeSseInt(c: Machine, d: Decoded, b: number, pfx: number): boolean {
  const reg = d.reg;
  switch (b) {
    case 0x70: {
      if (pfx < 2) return false; // PSHUFD is in exec-sse.ts, PSHUFW in exec-mmx.ts
      if (!src128(c, d, d.mod !== 3)) return true;
      const imm = d.imm & 0xff;
      for (let k = 0; k < 4; k++) u[k] = t[k];
      const base = pfx === 2 ? 0 : 4; // F2 PSHUFLW, F3 PSHUFHW
      for (let i = 0; i < 4; i++) uw[base + i] = tw[base + ((imm >> (2 * i)) & 3)];
      storeDst(c, reg);
      return true;
    }
    case 0x71: case 0x72: case 0x73: {
      if (pfx !== 1 || d.mod !== 3) { c.raise(UD, -1); return true; }
      loadDst(c, d.rm);
      if (!shiftImm(b, d.reg & 7, d.imm & 0xff, 16)) { c.raise(UD, -1); return true; }
      storeDst(c, d.rm);
      return true;
    }
    case 0xc3: {
      // MOVNTI m32/m64, r (no prefix, memory only).
      if (pfx !== 0 || d.mod === 3) { c.raise(UD, -1); return true; }
      if (d.osz === 8) writeRm64(c, d, c.r32[reg << 1], c.r32[(reg << 1) + 1]);
      else writeRm(c, d, 4, c.r32[reg << 1]);
      return true;
    }
    case 0xc4: {
      if (pfx !== 1) { c.raise(UD, -1); return true; }
      const v = d.mod === 3 ? c.r32[d.rm << 1] : readRm(c, d, 2);
      if (c.fault) return true;
      loadDst(c, reg);
      uw[d.imm & 7] = v & 0xffff;
      storeDst(c, reg);
      return true;
    }
    case 0xc5: {
      if (pfx !== 1 || d.mod !== 3) { c.raise(UD, -1); return true; }
      const v = c.xmm[(d.rm << 4) + 2 * (d.imm & 7)] | (c.xmm[(d.rm << 4) + 2 * (d.imm & 7) + 1] << 8);
      c.r32[reg << 1] = v;
      c.r32[(reg << 1) + 1] = 0;
      return true;
    }
    case 0xf7: {
      // MASKMOVDQU xmm1, xmm2: xmm1 is the data, xmm2 the mask.
      if (pfx !== 1 || d.mod !== 3) { c.raise(UD, -1); return true; }
      maskMove(c, d, c.xmm, reg << 4, c.xmm, d.rm << 4, 16);
      return true;
    }
  }
  if (pfx !== 1 || !isSimdInt(b)) return false;
  if (!src128(c, d, d.mod !== 3)) return true;
  loadDst(c, reg);
  simdInt(b, 16);
  storeDst(c, reg);
  return true;
}
