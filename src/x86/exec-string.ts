/**
 * String instructions MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE in every address size
 * (Intel SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ"; Vol. 1 §7.3.9).
 *
 * A REP instruction runs up to CHUNK iterations per step; if rCX is still nonzero the instruction is
 * re-executed at the next step (RIP stays on it), so interrupts, exits and the instruction budget are
 * honoured between chunks. Each iteration commits rSI/rDI/rCX only after its memory accesses
 * succeeded, so a fault in iteration k leaves the state of k completed iterations (architectural).
 */
import { Machine, ATT_REP_STOP } from "./machine";
import { Decoded } from "./decode";
import { alu, alu64 } from "./arith";
import { readMem64 } from "./operands";

const DF = 0x400;
const SEG_ES = 0;
const SEG_DS = 3;
const CHUNK = 16384;

/** Tests turn the bulk REP MOVS/STOS path off to hold it to the item-by-item one. */
export const stringBulk = { enabled: true };

function getIndex(c: Machine, r: number, asz: number): number {
  if (asz === 2) return c.r16[r << 2];
  if (asz === 4) return c.r32[r << 1] >>> 0;
  return c.regAsNumber(r);
}

function setIndex(c: Machine, r: number, asz: number, v: number): void {
  if (asz === 2) c.r16[r << 2] = v;
  else if (asz === 4) {
    c.r32[r << 1] = v;
    c.r32[(r << 1) + 1] = 0;
  } else c.setRegFromNumber(r, v);
}

function wrap(v: number, asz: number): number {
  if (asz === 2) return v & 0xffff;
  if (asz === 4) return v >>> 0;
  return v;
}

export function executeString(c: Machine, d: Decoded): void {
  const op = d.op;
  const size = op & 1 ? d.osz : 1;
  const asz = d.asz;
  const rep = d.rep;
  const srcSeg = d.seg >= 0 ? d.seg : SEG_DS;
  const step = c.flags & DF ? -size : size;
  let count = rep ? getIndex(c, 1, asz) : 1;
  if (count === 0) return;
  let n = 0;
  // REP MOVS / STOS of bytes, dwords or qwords, forward, with 32-bit addressing (64-bit
  // addressing in 64-bit mode): whole runs of items that stay inside one source and one
  // destination page go in bulk (Machine.copyItems / fillItems), with the same stopping points as
  // item by item (CHUNK); the first item of a page, and anything the bulk path declines, goes
  // through the general loop below, which fills the TLB or faults. In 64-bit mode there are no
  // limits to check, and a run inside a page the TLB holds is canonical.
  const long = c.codeMode === 2;
  const bulk = stringBulk.enabled && rep !== 0 && step > 0 && size !== 2 && (long ? asz === 8 : asz === 4 && size !== 8) &&
    (op === 0xa5 || op === 0xa4 || op === 0xab || op === 0xaa);
  for (;;) {
    const si = getIndex(c, 6, asz);
    const di = getIndex(c, 7, asz);
    if (bulk) {
      const moves = op <= 0xa5;
      const dl = long ? di : (c.segBase[SEG_ES] + di) >>> 0;
      const sl = !moves ? 0 : long ? (srcSeg >= 4 ? si + c.segBase[srcSeg] : si) : (c.segBase[srcSeg] + si) >>> 0;
      let k = Math.min(count, CHUNK - n, ((4096 - (dl & 0xfff)) / size) | 0);
      if (moves) k = Math.min(k, ((4096 - (sl & 0xfff)) / size) | 0);
      const bytes = k * size;
      // Every item inside the segments' limits and rights, no index wrapping: else item by item.
      if (k > 1 && (long || (di >= c.segLo[SEG_ES] && di + bytes - 1 <= c.segHi[SEG_ES] && c.segWrite[SEG_ES] !== 0 &&
          (!moves || (si >= c.segLo[srcSeg] && si + bytes - 1 <= c.segHi[srcSeg] && c.segRead[srcSeg] !== 0)) &&
          di + bytes <= 0x100000000 && (!moves || si + bytes <= 0x100000000))) &&
          (moves ? c.copyItems(sl, dl, size, k) : c.fillItems(dl, size, k, c.r32[0] & (size === 1 ? 0xff : -1), size === 8 ? c.r32[1] : 0))) {
        if (moves) setIndex(c, 6, asz, wrap(si + bytes, asz));
        setIndex(c, 7, asz, wrap(di + bytes, asz));
        count -= k;
        setIndex(c, 1, asz, count);
        if (count === 0) return;
        n += k;
        if (n >= CHUNK || (c.attention & ATT_REP_STOP) !== 0) {
          c.nextRip = c.rip;
          return;
        }
        continue;
      }
    }
    switch (op) {
      case 0xa4: case 0xa5: {
        const sl = c.linear(srcSeg, si, size, false);
        if (c.fault) return;
        const v = size === 8 ? readMem64(c, sl) : c.readN(sl, size);
        const hi = c.hi;
        if (c.fault) return;
        const dl = c.linear(SEG_ES, di, size, true);
        if (c.fault) return;
        if (size === 8) c.write64(dl, v, hi);
        else c.writeN(dl, size, v);
        if (c.fault) return;
        setIndex(c, 6, asz, wrap(si + step, asz));
        setIndex(c, 7, asz, wrap(di + step, asz));
        break;
      }
      case 0xaa: case 0xab: {
        const dl = c.linear(SEG_ES, di, size, true);
        if (c.fault) return;
        if (size === 8) c.write64(dl, c.r32[0], c.r32[1]);
        else c.writeN(dl, size, c.getReg(size, 0, 0));
        if (c.fault) return;
        setIndex(c, 7, asz, wrap(di + step, asz));
        break;
      }
      case 0xac: case 0xad: {
        const sl = c.linear(srcSeg, si, size, false);
        if (c.fault) return;
        const v = size === 8 ? readMem64(c, sl) : c.readN(sl, size);
        if (c.fault) return;
        if (size === 8) {
          c.r32[0] = v;
          c.r32[1] = c.hi;
        } else c.setReg(size, 0, 0, v);
        setIndex(c, 6, asz, wrap(si + step, asz));
        break;
      }
      case 0xa6: case 0xa7: {
        const sl = c.linear(srcSeg, si, size, false);
        if (c.fault) return;
        const a = size === 8 ? readMem64(c, sl) : c.readN(sl, size);
        const aHi = c.hi;
        const dl = c.linear(SEG_ES, di, size, false);
        if (c.fault) return;
        const b = size === 8 ? readMem64(c, dl) : c.readN(dl, size);
        if (c.fault) return;
        if (size === 8) alu64(c, 7, a, aHi, b, c.hi);
        else alu(c, 7, a, b, size);
        setIndex(c, 6, asz, wrap(si + step, asz));
        setIndex(c, 7, asz, wrap(di + step, asz));
        break;
      }
      default: {
        // SCAS: compare the accumulator with ES:[rDI].
        const dl = c.linear(SEG_ES, di, size, false);
        if (c.fault) return;
        const b = size === 8 ? readMem64(c, dl) : c.readN(dl, size);
        if (c.fault) return;
        if (size === 8) alu64(c, 7, c.r32[0], c.r32[1], b, c.hi);
        else alu(c, 7, c.getReg(size, 0, 0), b, size);
        setIndex(c, 7, asz, wrap(di + step, asz));
        break;
      }
    }
    if (!rep) return;
    count = count - 1;
    setIndex(c, 1, asz, count);
    if (count === 0) return;
    // REPE/REPNE end on the ZF condition for CMPS/SCAS (Intel SDM REP table).
    if (op === 0xa6 || op === 0xa7 || op === 0xae || op === 0xaf) {
      const zf = c.getZF() !== 0;
      if (rep === 0xf3 ? !zf : zf) return;
    }
    // Also stop after this iteration when a trap or an interrupt window is due (RIP stays here).
    if (++n >= CHUNK || (c.attention & ATT_REP_STOP) !== 0) {
      c.nextRip = c.rip;
      return;
    }
  }
}
