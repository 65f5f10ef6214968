/**
 * SSE2 integer instructions on XMM registers (Intel SDM Vol. 2) not covered by exec-sse.ts:
 * saturating add/sub, multiplies, averages, min/max, PSADBW, PCMPGT, packs, high unpacks,
 * PSHUFLW/PSHUFHW, shifts by xmm and by imm8 (groups 12/13/14 incl. PSLLDQ/PSRLDQ), PINSRW/PEXTRW,
 * MOVNTI and MASKMOVDQU. The destination is copied into `u`, computed in place, then written back.
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

function satS(v: number, bits: number): number {
  const hi = (1 << (bits - 1)) - 1, lo = -(1 << (bits - 1));
  return v > hi ? hi : v < lo ? lo : v;
}
function satU(v: number, bits: number): number {
  const hi = (1 << bits) - 1;
  return v > hi ? hi : v < 0 ? 0 : v;
}

function loadDst(c: Machine, reg: number): void {
  for (let k = 0; k < 4; k++) u[k] = c.xmm32[(reg << 2) + k];
}
function storeDst(c: Machine, reg: number): void {
  setXmm(c, reg, u[0], u[1], u[2], u[3]);
}

/** 64-bit lanes as bigint for the Q shifts and PMULUDQ. */
function q(a: Int32Array, i: number): bigint {
  return BigInt(a[2 * i] >>> 0) | (BigInt(a[2 * i + 1] >>> 0) << 32n);
}
function setQ(a: Int32Array, i: number, v: bigint): void {
  a[2 * i] = Number(BigInt.asIntN(32, v));
  a[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Shift every element of `u` (el = 2, 4, 8 bytes) by count: kind 0 logical right, 1 arithmetic right, 2 left. */
function shiftLanes(el: number, kind: number, count: bigint): void {
  const bits = el * 8;
  const big = count >= BigInt(bits);
  const n = big ? 0 : Number(count);
  if (el === 2) {
    for (let i = 0; i < 8; i++) {
      if (kind === 1) us16[i] = us16[i] >> (big ? 15 : n);
      else uw[i] = big ? 0 : kind === 0 ? uw[i] >>> n : (uw[i] << n) & 0xffff;
    }
  } else if (el === 4) {
    for (let i = 0; i < 4; i++) {
      if (kind === 1) u[i] = u[i] >> (big ? 31 : n);
      else u[i] = big ? 0 : kind === 0 ? u[i] >>> n : u[i] << n;
    }
  } else {
    for (let i = 0; i < 2; i++) setQ(u, i, big ? 0n : kind === 0 ? q(u, i) >> BigInt(n) : q(u, i) << BigInt(n));
  }
}

export function executeSseInt(c: Machine, d: Decoded, b: number, pfx: number): boolean {
  const reg = d.reg;
  switch (b) {
    case 0x70: {
      if (pfx < 2) return false; // PSHUFD is in exec-sse.ts
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
      const sub = d.reg & 7;
      const cnt = d.imm & 0xff;
      const r = d.rm;
      loadDst(c, r);
      if (b === 0x73 && (sub === 3 || sub === 7)) {
        // PSRLDQ / PSLLDQ: whole-register byte shifts.
        const n = cnt > 16 ? 16 : cnt;
        for (let i = 0; i < 16; i++) tmp[i] = sub === 3 ? (i + n < 16 ? ub[i + n] : 0) : i - n >= 0 ? ub[i - n] : 0;
        ub.set(tmp);
      } else {
        const el = b === 0x71 ? 2 : b === 0x72 ? 4 : 8;
        const kind = sub === 2 ? 0 : sub === 4 ? 1 : sub === 6 ? 2 : -1;
        if (kind < 0 || (kind === 1 && el === 8)) { c.raise(UD, -1); return true; }
        shiftLanes(el, kind, BigInt(cnt));
      }
      storeDst(c, r);
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
      // MASKMOVDQU xmm1, xmm2: bytes of xmm1 where xmm2's byte has bit 7 set go to DS:rDI (no alignment rule).
      if (pfx !== 1 || d.mod !== 3) { c.raise(UD, -1); return true; }
      const asz = d.asz;
      const off = asz === 8 ? c.regAsNumber(7) : asz === 4 ? c.r32[14] >>> 0 : c.r16[28];
      const seg = d.seg >= 0 ? d.seg : 3;
      for (let i = 0; i < 16; i++) {
        if (!(c.xmm[(d.rm << 4) + i] & 0x80)) continue;
        const a = asz === 8 ? off + i : asz === 4 ? (off + i) >>> 0 : (off + i) & 0xffff;
        const lin = c.linear(seg, a, 1, true);
        if (c.fault) return true;
        c.write8(lin, c.xmm[(reg << 4) + i]);
        if (c.fault) return true;
      }
      return true;
    }
  }
  if (pfx !== 1) return false;
  if (!intOpcode(b)) return false;
  if (!src128(c, d, d.mod !== 3)) return true;
  loadDst(c, reg);
  switch (b) {
    case 0x63: case 0x67: {
      // PACKSSWB / PACKUSWB: dst words then src words, saturated to bytes.
      for (let i = 0; i < 8; i++) {
        tmp[i] = b === 0x63 ? satS(us16[i], 8) : satU(us16[i], 8);
        tmp[8 + i] = b === 0x63 ? satS(ts16[i], 8) : satU(ts16[i], 8);
      }
      ub.set(tmp);
      break;
    }
    case 0x6b:
      for (let i = 0; i < 4; i++) {
        tmp16[i] = satS(u[i], 16);
        tmp16[4 + i] = satS(t[i], 16);
      }
      ub.set(tmp);
      break;
    case 0x64: for (let i = 0; i < 16; i++) us8[i] = us8[i] > ts8[i] ? -1 : 0; break;
    case 0x65: for (let i = 0; i < 8; i++) us16[i] = us16[i] > ts16[i] ? -1 : 0; break;
    case 0x66: for (let i = 0; i < 4; i++) u[i] = u[i] > t[i] ? -1 : 0; break;
    case 0x68: case 0x69: case 0x6a: case 0x6d: {
      const el = b === 0x68 ? 1 : b === 0x69 ? 2 : b === 0x6a ? 4 : 8;
      for (let i = 0; i < 8 / el; i++) {
        for (let k = 0; k < el; k++) {
          tmp[2 * i * el + k] = ub[8 + i * el + k];
          tmp[(2 * i + 1) * el + k] = tb[8 + i * el + k];
        }
      }
      ub.set(tmp);
      break;
    }
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3: {
      const el = (b & 3) === 1 ? 2 : (b & 3) === 2 ? 4 : 8;
      const kind = b >= 0xf0 ? 2 : b >= 0xe0 ? 1 : 0;
      shiftLanes(el, kind, q(t, 0));
      break;
    }
    case 0xd5: for (let i = 0; i < 8; i++) us16[i] = Math.imul(us16[i], ts16[i]); break;
    case 0xe5: for (let i = 0; i < 8; i++) us16[i] = (us16[i] * ts16[i]) >> 16; break;
    case 0xe4: for (let i = 0; i < 8; i++) uw[i] = (uw[i] * tw[i]) >>> 16; break;
    case 0xf4:
      for (let i = 0; i < 2; i++) setQ(u, i, BigInt(u[2 * i] >>> 0) * BigInt(t[2 * i] >>> 0));
      break;
    case 0xf5:
      for (let i = 0; i < 4; i++) u[i] = us16[2 * i] * ts16[2 * i] + us16[2 * i + 1] * ts16[2 * i + 1];
      break;
    case 0xd8: for (let i = 0; i < 16; i++) ub[i] = satU(ub[i] - tb[i], 8); break;
    case 0xd9: for (let i = 0; i < 8; i++) uw[i] = satU(uw[i] - tw[i], 16); break;
    case 0xdc: for (let i = 0; i < 16; i++) ub[i] = satU(ub[i] + tb[i], 8); break;
    case 0xdd: for (let i = 0; i < 8; i++) uw[i] = satU(uw[i] + tw[i], 16); break;
    case 0xe8: for (let i = 0; i < 16; i++) us8[i] = satS(us8[i] - ts8[i], 8); break;
    case 0xe9: for (let i = 0; i < 8; i++) us16[i] = satS(us16[i] - ts16[i], 16); break;
    case 0xec: for (let i = 0; i < 16; i++) us8[i] = satS(us8[i] + ts8[i], 8); break;
    case 0xed: for (let i = 0; i < 8; i++) us16[i] = satS(us16[i] + ts16[i], 16); break;
    case 0xda: for (let i = 0; i < 16; i++) ub[i] = Math.min(ub[i], tb[i]); break;
    case 0xde: for (let i = 0; i < 16; i++) ub[i] = Math.max(ub[i], tb[i]); break;
    case 0xea: for (let i = 0; i < 8; i++) us16[i] = Math.min(us16[i], ts16[i]); break;
    case 0xee: for (let i = 0; i < 8; i++) us16[i] = Math.max(us16[i], ts16[i]); break;
    case 0xe0: for (let i = 0; i < 16; i++) ub[i] = (ub[i] + tb[i] + 1) >> 1; break;
    case 0xe3: for (let i = 0; i < 8; i++) uw[i] = (uw[i] + tw[i] + 1) >> 1; break;
    case 0xf6:
      for (let h = 0; h < 2; h++) {
        let s = 0;
        for (let i = 0; i < 8; i++) s += Math.abs(ub[8 * h + i] - tb[8 * h + i]);
        u[2 * h] = s;
        u[2 * h + 1] = 0;
      }
      break;
  }
  storeDst(c, reg);
  return true;
}

function intOpcode(b: number): boolean {
  switch (b) {
    case 0x63: case 0x64: case 0x65: case 0x66: case 0x67: case 0x68: case 0x69: case 0x6a: case 0x6b: case 0x6d:
    case 0xd1: case 0xd2: case 0xd3: case 0xd5: case 0xd8: case 0xd9: case 0xda: case 0xdc: case 0xdd: case 0xde:
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe4: case 0xe5: case 0xe8: case 0xe9: case 0xea: case 0xec: case 0xed: case 0xee:
    case 0xf1: case 0xf2: case 0xf3: case 0xf4: case 0xf5: case 0xf6:
      return true;
  }
  return false;
}
