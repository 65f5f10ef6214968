/**
 * The x86 instruction decoder: bytes → a preallocated `Decoded` record.
 *
 * One decoder serves the executor (which decodes straight out of the guest's code page) and any
 * disassembler or MMIO decoder (which pass a Uint8Array). It does no allocation: callers keep one
 * `Decoded` and overwrite it. It knows the instruction *format* (prefixes, REX, ModRM, SIB,
 * displacement, immediates; Intel SDM Vol. 2 ch. 2 and appendix A) but not the semantics; an opcode
 * that does not exist still decodes (the executor raises #UD).
 */
import type { Machine } from "./machine";
import type { JitBlock } from "./jit";

/** Code modes for decode(): default operand/address size 16, 32, or 64-bit mode. */
export const MODE_16 = 0;
export const MODE_32 = 1;
export const MODE_64 = 2;

/** decode() results other than a length. */
export const DECODE_NEED_MORE = -1;
export const DECODE_TOO_LONG = -2;

// Immediate kinds (table bits 4..7).
const I_NONE = 0;
const I_B = 1; // imm8, sign-extended into imm
const I_Z = 2; // imm16/imm32 by operand size (imm32 sign-extended with REX.W)
const I_W = 3; // imm16 zero-extended
const I_V = 4; // imm16/32/64 by operand size (MOV r, imm)
const I_AP = 5; // far pointer: offset16/32 then selector16 (imm2)
const I_ENTER = 6; // imm16 then imm8 (imm2)
const I_MOFFS = 7; // address-size wide offset
const I_G3B = 8; // F6: imm8 only for /0 /1
const I_G3Z = 9; // F7: immz only for /0 /1
const I_REL = 10; // rel16/rel32 (rel32 in 64-bit mode whatever 66 says)
const F_MODRM = 1;

const table1 = new Uint8Array(256);
const table2 = new Uint8Array(256);

function setOp(t: Uint8Array, op: number, modrm: boolean, imm: number): void {
  t[op] = (modrm ? F_MODRM : 0) | (imm << 4);
}

(function buildTables() {
  for (let op = 0; op < 0x40; op++) {
    const lo = op & 7;
    if (lo < 4) setOp(table1, op, true, I_NONE);
    else if (lo === 4) setOp(table1, op, false, I_B);
    else if (lo === 5) setOp(table1, op, false, I_Z);
  }
  setOp(table1, 0x62, true, I_NONE);
  setOp(table1, 0x63, true, I_NONE);
  setOp(table1, 0x68, false, I_Z);
  setOp(table1, 0x69, true, I_Z);
  setOp(table1, 0x6a, false, I_B);
  setOp(table1, 0x6b, true, I_B);
  for (let op = 0x70; op < 0x80; op++) setOp(table1, op, false, I_B);
  setOp(table1, 0x80, true, I_B);
  setOp(table1, 0x81, true, I_Z);
  setOp(table1, 0x82, true, I_B);
  setOp(table1, 0x83, true, I_B);
  for (let op = 0x84; op < 0x90; op++) setOp(table1, op, true, I_NONE);
  setOp(table1, 0x9a, false, I_AP);
  for (let op = 0xa0; op < 0xa4; op++) setOp(table1, op, false, I_MOFFS);
  setOp(table1, 0xa8, false, I_B);
  setOp(table1, 0xa9, false, I_Z);
  for (let op = 0xb0; op < 0xb8; op++) setOp(table1, op, false, I_B);
  for (let op = 0xb8; op < 0xc0; op++) setOp(table1, op, false, I_V);
  setOp(table1, 0xc0, true, I_B);
  setOp(table1, 0xc1, true, I_B);
  setOp(table1, 0xc2, false, I_W);
  setOp(table1, 0xc4, true, I_NONE);
  setOp(table1, 0xc5, true, I_NONE);
  setOp(table1, 0xc6, true, I_B);
  setOp(table1, 0xc7, true, I_Z);
  setOp(table1, 0xc8, false, I_ENTER);
  setOp(table1, 0xca, false, I_W);
  setOp(table1, 0xcd, false, I_B);
  for (let op = 0xd0; op < 0xd4; op++) setOp(table1, op, true, I_NONE);
  setOp(table1, 0xd4, false, I_B);
  setOp(table1, 0xd5, false, I_B);
  for (let op = 0xd8; op < 0xe0; op++) setOp(table1, op, true, I_NONE);
  for (let op = 0xe0; op < 0xe8; op++) setOp(table1, op, false, I_B);
  setOp(table1, 0xe8, false, I_REL);
  setOp(table1, 0xe9, false, I_REL);
  setOp(table1, 0xea, false, I_AP);
  setOp(table1, 0xeb, false, I_B);
  setOp(table1, 0xf6, true, I_G3B);
  setOp(table1, 0xf7, true, I_G3Z);
  setOp(table1, 0xfe, true, I_NONE);
  setOp(table1, 0xff, true, I_NONE);

  // Two-byte map (0F xx): ModRM unless listed; Jcc rel; a few imm8 forms.
  for (let op = 0; op < 256; op++) setOp(table2, op, true, I_NONE);
  for (const op of [0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa]) {
    setOp(table2, op, false, I_NONE);
  }
  for (let op = 0xc8; op < 0xd0; op++) setOp(table2, op, false, I_NONE);
  for (let op = 0x80; op < 0x90; op++) setOp(table2, op, false, I_REL);
  for (const op of [0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]) setOp(table2, op, true, I_B);
})();

/** 16-bit addressing: base and index register of each rm value (Intel SDM Vol. 2 table 2-1). */
const RM16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];
const RM16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

/** The decoded form of one instruction. Preallocate one and reuse it. */
export class Decoded {
  /** Opcode: byte | map << 8 (map 0 = one-byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A). */
  op = 0;
  /** Length in bytes, prefixes included. */
  len = 0;
  /** Code mode it was decoded in (MODE_16/32/64). */
  mode = MODE_32;
  /** Operand size in bytes (2, 4, 8) from mode, 66 and REX.W. Default-64 opcodes are resolved by the executor. */
  osz = 4;
  /** Address size in bytes (2, 4, 8). */
  asz = 4;
  /** Segment override (SEG_* 0..5) or -1. */
  seg = -1;
  /** Last of F2/F3 (0 when none): REPNE/REP prefix, or SSE mandatory prefix. */
  rep = 0;
  /** A 66 prefix was present (SSE mandatory prefix). */
  p66 = false;
  lock = false;
  /** REX byte (0x40..0x4F) or 0. */
  rex = 0;
  /** Number of prefix bytes (legacy + REX). */
  prefixLen = 0;
  hasModrm = false;
  mod = 0;
  /** ModRM.reg with REX.R (0..15); `reg & 7` is the /digit of group opcodes. */
  reg = 0;
  /** ModRM.rm with REX.B (register operand when mod = 3). */
  rm = 0;
  /** Memory operand: base register (-1 none), index register (-1 none), scale shift, displacement. */
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  ripRel = false;
  /** Default segment of the memory operand (SS for rBP/rSP based, else DS). */
  defSeg = 3;
  /** Immediate (sign-extended to int32 for Ib/Iz; zero-extended for Iw); immHi is the high half of imm64. */
  imm = 0;
  immHi = 0;
  /** Second immediate: selector of a far pointer, or ENTER's nesting level. */
  imm2 = 0;
  /** Byte offset into the register file of `reg` / `rm` used as 8-bit registers (AH..BH without REX). */
  regByte = 0;
  rmByte = 0;
  /**
   * The executor for this instruction: `execute` (the general one), or a handler specialised at
   * decode time for a hot form (fast.ts), chosen once per cached instruction.
   */
  fn: (c: Machine, d: Decoded) => void = noHandler;
  /**
   * Cached instructions: the Machine.runEpoch in which its bytes were last known current; -1 once
   * the entry has left its page's cache (dropped by a write to its bytes, or replaced), so that a
   * `next` link to it is never followed again.
   */
  epoch = 0;
  /**
   * Cached instructions: the cached entry that follows this one in the same code page (at page
   * offset + len), linked by the run loop when execution fell through to it; followed only while
   * the code page is unchanged and the target is valid in the current run (see cpu.ts runFast).
   */
  next: Decoded | null = null;
  /**
   * Cached instructions: how often the run loop looked this entry up (reached it other than by
   * falling through), and the compiled block that starts here once it is hot (jit.ts); NO_BLOCK
   * when none could be built.
   */
  hits = 0;
  block: JitBlock | null = null;
}

function noHandler(): void {
  throw new Error("Decoded.fn not set");
}

/** Copy every decoded field (not `fn`) from `s` to `d`. */
export function copyDecoded(d: Decoded, s: Decoded): void {
  d.op = s.op;
  d.len = s.len;
  d.mode = s.mode;
  d.osz = s.osz;
  d.asz = s.asz;
  d.seg = s.seg;
  d.rep = s.rep;
  d.p66 = s.p66;
  d.lock = s.lock;
  d.rex = s.rex;
  d.prefixLen = s.prefixLen;
  d.hasModrm = s.hasModrm;
  d.mod = s.mod;
  d.reg = s.reg;
  d.rm = s.rm;
  d.base = s.base;
  d.index = s.index;
  d.scale = s.scale;
  d.disp = s.disp;
  d.ripRel = s.ripRel;
  d.defSeg = s.defSeg;
  d.imm = s.imm;
  d.immHi = s.immHi;
  d.imm2 = s.imm2;
  d.regByte = s.regByte;
  d.rmByte = s.rmByte;
}

function byteRegOffset(r: number, rex: number): number {
  return rex !== 0 || r < 4 ? r * 8 : (r - 4) * 8 + 1;
}

/**
 * Decode one instruction from bytes[pos..end). Returns its length, DECODE_NEED_MORE when the bytes
 * ran out, or DECODE_TOO_LONG when it exceeds 15 bytes (#GP).
 */
/**
 * Out of bytes: more may complete the instruction, unless 15 were there already; then it can only
 * be too long (#GP, Intel SDM Vol. 2 §2.3.11), whatever follows.
 */
function outOfBytes(start: number, end: number): number {
  return end - start >= 15 ? DECODE_TOO_LONG : DECODE_NEED_MORE;
}

export function decode(d: Decoded, bytes: Uint8Array, pos: number, end: number, mode: number): number {
  const start = pos;
  let osz = mode === MODE_16 ? 2 : 4;
  let asz = mode === MODE_16 ? 2 : mode === MODE_32 ? 4 : 8;
  let seg = -1;
  let rep = 0;
  let p66 = false;
  let lock = false;
  let rex = 0;
  let b = 0;
  // Prefixes. A REX prefix only counts when it immediately precedes the opcode.
  for (;;) {
    if (pos >= end) return outOfBytes(start, end);
    if (pos - start >= 15) return DECODE_TOO_LONG;
    b = bytes[pos++];
    // In 64-bit mode ES/CS/SS/DS overrides are ignored (Intel SDM Vol. 1 §3.3.7.1), so one after
    // an FS/GS override does not cancel it (`64 36 8b 00` reads FS:[rax]; iced-x86 agrees).
    switch (b) {
      case 0x26: if (seg < 4 || mode !== MODE_64) seg = 0; rex = 0; continue;
      case 0x2e: if (seg < 4 || mode !== MODE_64) seg = 1; rex = 0; continue;
      case 0x36: if (seg < 4 || mode !== MODE_64) seg = 2; rex = 0; continue;
      case 0x3e: if (seg < 4 || mode !== MODE_64) seg = 3; rex = 0; continue;
      case 0x64: seg = 4; rex = 0; continue;
      case 0x65: seg = 5; rex = 0; continue;
      case 0x66: p66 = true; rex = 0; continue;
      case 0x67: asz = mode === MODE_16 ? 4 : mode === MODE_32 ? 2 : 4; rex = 0; continue;
      case 0xf0: lock = true; rex = 0; continue;
      case 0xf2: rep = 0xf2; rex = 0; continue;
      case 0xf3: rep = 0xf3; rex = 0; continue;
    }
    if (mode === MODE_64 && (b & 0xf0) === 0x40) {
      rex = b;
      continue;
    }
    break;
  }
  d.prefixLen = pos - 1 - start;
  if (p66) osz = mode === MODE_16 ? 4 : 2;
  if (rex & 8) osz = 8;
  let op = b;
  let flags: number;
  if (b === 0x0f) {
    if (pos >= end) return outOfBytes(start, end);
    b = bytes[pos++];
    if (b === 0x38 || b === 0x3a) {
      if (pos >= end) return outOfBytes(start, end);
      const b3 = bytes[pos++];
      op = (b === 0x38 ? 0x200 : 0x300) | b3;
      flags = b === 0x38 ? F_MODRM : F_MODRM | (I_B << 4);
    } else {
      op = 0x100 | b;
      flags = table2[b];
    }
  } else {
    flags = table1[b];
  }
  d.op = op;
  d.mode = mode;
  d.osz = osz;
  d.asz = asz;
  d.seg = seg;
  d.rep = rep;
  d.p66 = p66;
  d.lock = lock;
  d.rex = rex;
  d.base = -1;
  d.index = -1;
  d.scale = 0;
  d.disp = 0;
  d.ripRel = false;
  d.defSeg = 3;
  d.imm = 0;
  d.immHi = 0;
  d.imm2 = 0;
  d.hasModrm = (flags & F_MODRM) !== 0;
  let regField = 0;
  if (d.hasModrm) {
    if (pos >= end) return outOfBytes(start, end);
    const m = bytes[pos++];
    let mod = m >> 6;
    regField = (m >> 3) & 7;
    const rmField = m & 7;
    // MOV to/from control and debug registers ignore the mod field (always registers).
    if (op >= 0x120 && op <= 0x123) mod = 3;
    d.mod = mod;
    d.reg = regField | ((rex & 4) << 1);
    d.rm = rmField | ((rex & 1) << 3);
    d.regByte = byteRegOffset(d.reg, rex);
    d.rmByte = byteRegOffset(d.rm, rex);
    if (mod !== 3) {
      if (asz === 2) {
        if (mod === 0 && rmField === 6) {
          if (pos + 2 > end) return outOfBytes(start, end);
          d.disp = bytes[pos] | (bytes[pos + 1] << 8);
          pos += 2;
        } else {
          d.base = RM16_BASE[rmField];
          d.index = RM16_INDEX[rmField];
          if (rmField === 2 || rmField === 3 || rmField === 6) d.defSeg = 2;
          if (mod === 1) {
            if (pos >= end) return outOfBytes(start, end);
            d.disp = (bytes[pos++] << 24) >> 24;
          } else if (mod === 2) {
            if (pos + 2 > end) return outOfBytes(start, end);
            d.disp = ((bytes[pos] | (bytes[pos + 1] << 8)) << 16) >> 16;
            pos += 2;
          }
        }
      } else {
        let hasBase = true;
        if (rmField === 4) {
          if (pos >= end) return outOfBytes(start, end);
          const sib = bytes[pos++];
          const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
          if (idx !== 4) {
            d.index = idx;
            d.scale = sib >> 6;
          }
          const bs = sib & 7;
          if (bs === 5 && mod === 0) {
            hasBase = false;
          } else {
            d.base = bs | ((rex & 1) << 3);
          }
        } else if (rmField === 5 && mod === 0) {
          hasBase = false;
          if (mode === MODE_64) d.ripRel = true;
        } else {
          d.base = rmField | ((rex & 1) << 3);
        }
        if (d.base === 4 || d.base === 5) d.defSeg = 2;
        if (mod === 1) {
          if (pos >= end) return outOfBytes(start, end);
          d.disp = (bytes[pos++] << 24) >> 24;
        } else if (mod === 2 || !hasBase) {
          if (pos + 4 > end) return outOfBytes(start, end);
          d.disp = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
          pos += 4;
        }
      }
    }
  } else {
    d.mod = 3;
    d.reg = 0;
    d.rm = (op & 7) | ((rex & 1) << 3);
    d.regByte = 0;
    d.rmByte = byteRegOffset(d.rm, rex);
  }
  // Immediates.
  let immKind = flags >> 4;
  if (immKind === I_G3B) immKind = regField < 2 ? I_B : I_NONE;
  else if (immKind === I_G3Z) immKind = regField < 2 ? I_Z : I_NONE;
  switch (immKind) {
    case I_NONE:
      break;
    case I_B:
      if (pos >= end) return outOfBytes(start, end);
      d.imm = (bytes[pos++] << 24) >> 24;
      break;
    case I_W:
      if (pos + 2 > end) return outOfBytes(start, end);
      d.imm = bytes[pos] | (bytes[pos + 1] << 8);
      pos += 2;
      break;
    case I_REL:
    case I_Z:
      if (osz === 2 && !(immKind === I_REL && mode === MODE_64)) {
        if (pos + 2 > end) return outOfBytes(start, end);
        d.imm = ((bytes[pos] | (bytes[pos + 1] << 8)) << 16) >> 16;
        pos += 2;
      } else {
        if (pos + 4 > end) return outOfBytes(start, end);
        d.imm = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
        pos += 4;
      }
      break;
    case I_V:
      if (osz === 2) {
        if (pos + 2 > end) return outOfBytes(start, end);
        d.imm = bytes[pos] | (bytes[pos + 1] << 8);
        pos += 2;
      } else {
        if (pos + osz > end) return outOfBytes(start, end);
        d.imm = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
        if (osz === 8) d.immHi = bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16) | (bytes[pos + 7] << 24);
        pos += osz;
      }
      break;
    case I_AP: {
      const n = osz === 2 ? 2 : 4;
      if (pos + n + 2 > end) return outOfBytes(start, end);
      d.imm = n === 2 ? bytes[pos] | (bytes[pos + 1] << 8) : bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
      d.imm2 = bytes[pos + n] | (bytes[pos + n + 1] << 8);
      pos += n + 2;
      break;
    }
    case I_ENTER:
      if (pos + 3 > end) return outOfBytes(start, end);
      d.imm = bytes[pos] | (bytes[pos + 1] << 8);
      d.imm2 = bytes[pos + 2];
      pos += 3;
      break;
    case I_MOFFS:
      if (pos + asz > end) return outOfBytes(start, end);
      if (asz === 2) d.disp = bytes[pos] | (bytes[pos + 1] << 8);
      else {
        d.disp = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
        if (asz === 8) d.immHi = bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16) | (bytes[pos + 7] << 24);
      }
      pos += asz;
      break;
  }
  const len = pos - start;
  if (len > 15) return DECODE_TOO_LONG;
  d.len = len;
  return len;
}
