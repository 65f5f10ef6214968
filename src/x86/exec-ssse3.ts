/**
 * SSSE3 (Intel SDM Vol. 2; opcode map 0F 38 / 0F 3A): PSHUFB, PHADDW/D, PHADDSW, PHSUBW/D, PHSUBSW,
 * PMADDUBSW, PMULHRSW, PSIGNB/W/D, PABSB/W/D (0F 38 00–0B, 1C–1E) and PALIGNR (0F 3A 0F), each with
 * an MMX form (no prefix: mm, mm/m64) and an XMM form (66: xmm, xmm/m128, 16-byte aligned memory).
 * The arithmetic is one kernel over the scratch registers u (destination) and t (source), w bytes
 * wide, as exec-sse-int.ts does for the SSE2 integer instructions. Every other opcode of maps 2 and
 * 3 raises #UD (SSE4 and later are not implemented and CPUID does not advertise them).
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { UD, t, u, tb, ub, sseOk, src128, setXmm, mmxOk, mmSrc, mmx32, enterMmx, setMm } from "./exec-sse-common";
import { satS } from "./exec-sse-int";

const ts8 = new Int8Array(t.buffer);
const us8 = new Int8Array(u.buffer);
const ts16 = new Int16Array(t.buffer);
const us16 = new Int16Array(u.buffer);
const tmp = new Uint8Array(32);
const tmp16 = new Int16Array(tmp.buffer);
const tmp32 = new Int32Array(tmp.buffer);

/**
 * Horizontal add/subtract (kind 0 add, 1 subtract; sat: signed saturation) of adjacent pairs of
 * el-byte elements: the destination's pairs fill the low half of the result, the source's the high
 * half; subtraction is even element minus odd element (Intel SDM Vol. 2 PHADDW, PHSUBW).
 */
function horizontal(el: number, sub: boolean, sat: boolean, w: number): void {
  const n = w / el; // elements per operand
  const half = n >> 1;
  for (let i = 0; i < half; i++) {
    if (el === 2) {
      const a = sub ? us16[2 * i] - us16[2 * i + 1] : us16[2 * i] + us16[2 * i + 1];
      const b = sub ? ts16[2 * i] - ts16[2 * i + 1] : ts16[2 * i] + ts16[2 * i + 1];
      tmp16[i] = sat ? satS(a, 16) : a;
      tmp16[half + i] = sat ? satS(b, 16) : b;
    } else {
      tmp32[i] = sub ? u[2 * i] - u[2 * i + 1] : u[2 * i] + u[2 * i + 1];
      tmp32[half + i] = sub ? t[2 * i] - t[2 * i + 1] : t[2 * i] + t[2 * i + 1];
    }
  }
  for (let i = 0; i < w; i++) ub[i] = tmp[i];
}

/** Map-2 opcodes (0F 38 b) of SSSE3. */
function isSsse3(b: number): boolean {
  return b <= 0x0b || (b >= 0x1c && b <= 0x1e);
}

/** u = op(u, t) for the SSSE3 opcode 0F 38 b over w = 8 or 16 bytes. */
function ssse3(b: number, w: number): void {
  const nw = w >> 1, nd = w >> 2;
  switch (b) {
    case 0x00:
      // PSHUFB: result byte i = 0 when source byte i has bit 7 set, else destination byte (src & (w − 1)).
      for (let i = 0; i < w; i++) tmp[i] = tb[i] & 0x80 ? 0 : ub[tb[i] & (w - 1)];
      for (let i = 0; i < w; i++) ub[i] = tmp[i];
      return;
    case 0x01: horizontal(2, false, false, w); return;
    case 0x02: horizontal(4, false, false, w); return;
    case 0x03: horizontal(2, false, true, w); return;
    case 0x05: horizontal(2, true, false, w); return;
    case 0x06: horizontal(4, true, false, w); return;
    case 0x07: horizontal(2, true, true, w); return;
    case 0x04:
      // PMADDUBSW: unsigned destination bytes × signed source bytes, adjacent products summed with signed saturation.
      for (let i = 0; i < nw; i++) us16[i] = satS(ub[2 * i] * ts8[2 * i] + ub[2 * i + 1] * ts8[2 * i + 1], 16);
      return;
    case 0x0b:
      // PMULHRSW: the 32-bit product >> 14, plus 1, >> 1 (rounded high half, scaled).
      for (let i = 0; i < nw; i++) us16[i] = (((us16[i] * ts16[i]) >> 14) + 1) >> 1;
      return;
    case 0x08: for (let i = 0; i < w; i++) us8[i] = ts8[i] < 0 ? -us8[i] : ts8[i] === 0 ? 0 : us8[i]; return;
    case 0x09: for (let i = 0; i < nw; i++) us16[i] = ts16[i] < 0 ? -us16[i] : ts16[i] === 0 ? 0 : us16[i]; return;
    case 0x0a: for (let i = 0; i < nd; i++) u[i] = t[i] < 0 ? -u[i] | 0 : t[i] === 0 ? 0 : u[i]; return;
    // PABS*: the unsigned absolute value of the source (so −128 → 0x80).
    case 0x1c: for (let i = 0; i < w; i++) ub[i] = Math.abs(ts8[i]); return;
    case 0x1d: for (let i = 0; i < nw; i++) us16[i] = Math.abs(ts16[i]); return;
    case 0x1e: for (let i = 0; i < nd; i++) u[i] = Math.abs(t[i]) | 0; return;
  }
}

/**
 * PALIGNR: the destination:source concatenation (destination high) shifted right by imm8 bytes,
 * low w bytes kept; counts of 2w or more give zero (Intel SDM Vol. 2 PALIGNR).
 */
function palignr(imm: number, w: number): void {
  for (let i = 0; i < w; i++) {
    const k = i + imm;
    tmp[i] = k < w ? tb[k] : k < 2 * w ? ub[k - w] : 0;
  }
  for (let i = 0; i < w; i++) ub[i] = tmp[i];
}

/** Opcode maps 2 and 3 (d.op = 0x200 | b, 0x300 | b). */
export function executeSsse3(c: Machine, d: Decoded): void {
  const op = d.op;
  const b = op & 0xff;
  const map3 = op >= 0x300;
  if ((map3 ? b !== 0x0f : !isSsse3(b)) || d.rep !== 0) {
    c.raise(UD, -1);
    return;
  }
  if (d.p66) {
    if (!sseOk(c)) return;
    if (!src128(c, d, d.mod !== 3)) return;
    const o = d.reg << 2;
    for (let k = 0; k < 4; k++) u[k] = c.xmm32[o + k];
    if (map3) palignr(d.imm & 0xff, 16);
    else ssse3(b, 16);
    setXmm(c, d.reg, u[0], u[1], u[2], u[3]);
    return;
  }
  if (!mmxOk(c)) return;
  if (!mmSrc(c, d)) return;
  const m = mmx32(c);
  const r = d.reg & 7;
  u[0] = m[r << 1];
  u[1] = m[(r << 1) + 1];
  u[2] = 0;
  u[3] = 0;
  if (map3) palignr(d.imm & 0xff, 8);
  else ssse3(b, 8);
  enterMmx(c);
  setMm(c, r, u[0], u[1]);
}
