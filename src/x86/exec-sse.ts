/**
 * Dispatch of the SIMD instructions (0F xx not handled elsewhere, and opcode maps 0F 38 / 0F 3A),
 * plus the SSE/SSE2/SSE3 XMM moves, logic, shuffles, MOVD/MOVQ, MXCSR and FXSAVE/FXRSTOR (Intel
 * SDM Vol. 2; Vol. 3A §13 for the OSFXSR/EM/TS rules). The no-prefix forms that name MMX registers
 * go to exec-mmx.ts, maps 2/3 to exec-ssse3.ts, floating point to exec-sse-fp.ts, the remaining
 * integer forms to exec-sse-int.ts. XMM registers live in `c.xmm` (16 bytes each).
 */
import { fxsaveX87, fxrstorX87 } from "./x87-env";
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { readRm, readRm64, writeRm, writeRm64, setReg64 } from "./operands";

import { executeSseFp } from "./exec-sse-fp";
import { executeSseInt } from "./exec-sse-int";
import { executeMmx, isMmxOp, movq2dq } from "./exec-mmx";
import { executeSsse3 } from "./exec-ssse3";
import { UD, NM, GP, CR4_OSFXSR, MXCSR_MASK, t, sseOk, src128, store128, srcLow, setXmm } from "./exec-sse-common";

export function executeSse(c: Machine, d: Decoded): void {
  const op = d.op;
  if (op >= 0x200) {
    executeSsse3(c, d);
    return;
  }
  const b = op & 0xff;
  if (b === 0xae) {
    group15(c, d);
    return;
  }
  // Which prefix selects the form: F3/F2 take precedence over 66 (Intel SDM Vol. 2 §2.1.2).
  const pfx = d.rep === 0xf3 ? 3 : d.rep === 0xf2 ? 2 : d.p66 ? 1 : 0;
  if (pfx === 0 && isMmxOp(b)) {
    executeMmx(c, d, b);
    return;
  }
  if (b === 0xd6 && pfx >= 2) {
    movq2dq(c, d, pfx === 3);
    return;
  }
  const isSse = (b >= 0x10 && b <= 0x17) || (b >= 0x28 && b <= 0x2f) || (b >= 0x50 && b <= 0x7f) || (b >= 0xc2 && b <= 0xc6) || b >= 0xd0;
  if (!isSse) {
    c.raise(UD, -1);
    return;
  }
  if (!sseOk(c)) return;
  if (executeSseFp(c, d, b, pfx) || executeSseInt(c, d, b, pfx)) return;
  const reg = d.reg;
  const dst = reg << 2;
  const x = c.xmm32;
  switch (b) {
    case 0x10: case 0x11: {
      if (pfx <= 1) {
        if (b === 0x10) {
          if (src128(c, d, false)) setXmm(c, reg, t[0], t[1], t[2], t[3]);
        } else store128(c, d, reg, false);
        return;
      }
      const n = pfx === 3 ? 4 : 8; // MOVSS / MOVSD
      if (b === 0x10) {
        if (!srcLow(c, d, n)) return;
        if (d.mod === 3) {
          x[dst] = t[0];
          if (n === 8) x[dst + 1] = t[1];
        } else setXmm(c, reg, t[0], t[1], 0, 0);
        return;
      }
      if (d.mod === 3) {
        x[d.rm << 2] = x[dst];
        if (n === 8) x[(d.rm << 2) + 1] = x[dst + 1];
        return;
      }
      if (n === 4) writeRm(c, d, 4, x[dst]);
      else writeRm64(c, d, x[dst], x[dst + 1]);
      return;
    }
    case 0x12: case 0x16: {
      if (pfx === 3) {
        // MOVSLDUP (12) / MOVSHDUP (16): the even / odd dwords duplicated (SSE3; m128 aligned).
        if (!src128(c, d, d.mod !== 3)) return;
        const k = b === 0x16 ? 1 : 0;
        setXmm(c, reg, t[k], t[k], t[k + 2], t[k + 2]);
        return;
      }
      if (pfx === 2) {
        // MOVDDUP xmm, xmm/m64: the low quadword duplicated (SSE3; no alignment rule).
        if (b === 0x16) { c.raise(UD, -1); return; }
        if (srcLow(c, d, 8)) setXmm(c, reg, t[0], t[1], t[0], t[1]);
        return;
      }
      const high = b === 0x16;
      if (d.mod === 3) {
        if (pfx === 1) { c.raise(UD, -1); return; }
        // MOVHLPS: dst.low = src.high; MOVLHPS: dst.high = src.low.
        const s = d.rm << 2;
        if (high) {
          x[dst + 2] = x[s];
          x[dst + 3] = x[s + 1];
        } else {
          x[dst] = x[s + 2];
          x[dst + 1] = x[s + 3];
        }
        return;
      }
      const lin = c.eaLinear(d, 8, false);
      if (c.fault) return;
      const lo = c.read32(lin), hi = c.read32(lin + 4);
      if (c.fault) return;
      x[dst + (high ? 2 : 0)] = lo;
      x[dst + (high ? 3 : 1)] = hi;
      return;
    }
    case 0x13: case 0x17: {
      if (pfx >= 2 || d.mod === 3) { c.raise(UD, -1); return; }
      const k = dst + (b === 0x17 ? 2 : 0);
      writeRm64(c, d, x[k], x[k + 1]);
      return;
    }
    case 0x14: {
      if (pfx >= 2) { c.raise(UD, -1); return; }
      if (!src128(c, d, d.mod !== 3)) return;
      if (pfx === 0) setXmm(c, reg, x[dst], t[0], x[dst + 1], t[1]);
      else setXmm(c, reg, x[dst], x[dst + 1], t[0], t[1]);
      return;
    }
    case 0x28: case 0x29: case 0x2b: {
      if (pfx >= 2) { c.raise(UD, -1); return; }
      if (b === 0x28) {
        if (src128(c, d, true)) setXmm(c, reg, t[0], t[1], t[2], t[3]);
      } else if (b === 0x2b && d.mod === 3) c.raise(UD, -1);
      else store128(c, d, reg, true);
      return;
    }
    case 0x54: case 0x55: case 0x56: case 0x57: {
      if (pfx >= 2) { c.raise(UD, -1); return; }
      if (!src128(c, d, d.mod !== 3)) return;
      for (let k = 0; k < 4; k++) {
        const a = x[dst + k];
        const s = t[k];
        x[dst + k] = b === 0x54 ? a & s : b === 0x55 ? ~a & s : b === 0x56 ? a | s : a ^ s;
      }
      return;
    }
    case 0x6e: {
      if (pfx !== 1) { c.raise(UD, -1); return; }
      if (d.osz === 8) {
        const lo = readRm64(c, d);
        if (c.fault) return;
        setXmm(c, reg, lo, c.hi, 0, 0);
      } else {
        const v = readRm(c, d, 4);
        if (c.fault) return;
        setXmm(c, reg, v, 0, 0, 0);
      }
      return;
    }
    case 0x7e: {
      if (pfx === 3) {
        // MOVQ xmm, xmm/m64 (zero-extends).
        if (srcLow(c, d, 8)) setXmm(c, reg, t[0], t[1], 0, 0);
        return;
      }
      if (pfx !== 1) { c.raise(UD, -1); return; }
      if (d.osz === 8) {
        if (d.mod === 3) setReg64(c, d.rm, x[dst], x[dst + 1]);
        else writeRm64(c, d, x[dst], x[dst + 1]);
      } else writeRm(c, d, 4, x[dst]);
      return;
    }
    case 0x6f: case 0x7f: {
      if (pfx !== 1 && pfx !== 3) { c.raise(UD, -1); return; }
      const aligned = pfx === 1;
      if (b === 0x6f) {
        if (src128(c, d, aligned)) setXmm(c, reg, t[0], t[1], t[2], t[3]);
      } else store128(c, d, reg, aligned);
      return;
    }
    case 0xe7: {
      if (pfx !== 1 || d.mod === 3) { c.raise(UD, -1); return; }
      store128(c, d, reg, true);
      return;
    }
    case 0x70: {
      if (pfx !== 1) { c.raise(UD, -1); return; }
      if (!src128(c, d, d.mod !== 3)) return;
      const imm = d.imm;
      setXmm(c, reg, t[imm & 3], t[(imm >> 2) & 3], t[(imm >> 4) & 3], t[(imm >> 6) & 3]);
      return;
    }
    case 0xd6: {
      if (pfx !== 1) { c.raise(UD, -1); return; }
      if (d.mod === 3) setXmm(c, d.rm, x[dst], x[dst + 1], 0, 0);
      else writeRm64(c, d, x[dst], x[dst + 1]);
      return;
    }
    case 0xd7: {
      if (pfx !== 1 || d.mod !== 3) { c.raise(UD, -1); return; }
      const o = d.rm << 4;
      let m = 0;
      for (let i = 0; i < 16; i++) m |= (c.xmm[o + i] >> 7) << i;
      if (d.osz === 8) setReg64(c, reg, m, 0);
      else c.setReg(4, reg, 0, m);
      return;
    }
    case 0xf0: {
      // LDDQU xmm, m128 (SSE3): an unaligned 16-byte load; register source #UD.
      if (pfx !== 2 || d.mod === 3) { c.raise(UD, -1); return; }
      if (src128(c, d, false)) setXmm(c, reg, t[0], t[1], t[2], t[3]);
      return;
    }
  }
  c.raise(UD, -1);
}

/** 0F AE: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, fences, CLFLUSH. */
function group15(c: Machine, d: Decoded): void {
  const sub = d.reg & 7;
  // Every form of 0F AE this CPU has is NP (Intel SDM: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, the
  // fences, CLFLUSH): with 66/F2/F3 it encodes an extension this CPU does not have (CLWB,
  // CLFLUSHOPT, UMONITOR/TPAUSE, INCSSP, PTWRITE...) or nothing: #UD.
  if (d.rep !== 0 || d.p66) {
    c.raise(UD, -1);
    return;
  }
  if (d.mod === 3) {
    if (sub >= 5) return; // LFENCE / MFENCE / SFENCE: ordering only
    c.raise(UD, -1);
    return;
  }
  switch (sub) {
    case 0: case 1: {
      // FXSAVE/FXRSTOR need only CR0.EM = 0 (#UD... #NM on TS): Intel SDM FXSAVE.
      if (c.cr0 & 4) { c.raise(UD, -1); return; }
      if (c.cr0 & 8) { c.raise(NM, -1); return; }
      const lin = c.eaLinear(d, 512, sub === 0);
      if (c.fault) return;
      if (lin % 16 !== 0) { c.raise(GP, 0); return; }
      const nx = c.codeMode === 2 ? 16 : 8;
      if (sub === 0) {
        if (!c.probeWrite(lin, 512)) return;
        c.write16(lin, c.fpuCw);
        c.write16(lin + 2, c.fpuSw);
        // Abridged tag word: bit i = 1 when register i is not empty.
        let ftw = 0;
        for (let i = 0; i < 8; i++) if (((c.fpuTw >> (2 * i)) & 3) !== 3) ftw |= 1 << i;
        c.write16(lin + 4, ftw);
        c.write32(lin + 24, c.mxcsr);
        c.write32(lin + 28, MXCSR_MASK);
        // FOP, FIP/FCS, FDP/FDS and ST(0)-ST(7) (Intel SDM Vol. 1 §10.5.1, table 10-2).
        fxsaveX87(c, lin, d.osz === 8);
        if (c.cr4 & CR4_OSFXSR) {
          for (let r = 0; r < nx; r++) for (let k = 0; k < 4; k++) c.write32(lin + 160 + r * 16 + k * 4, c.xmm32[r * 4 + k]);
        }
        return;
      }
      const mx = c.read32(lin + 24);
      if (c.fault) return;
      if (mx & ~MXCSR_MASK) { c.raise(GP, 0); return; }
      const cw = c.read16(lin);
      const sw = c.read16(lin + 2);
      const ftw = c.read8(lin + 4);
      if (!c.probeRead(lin, 512)) return;
      c.fpuCw = cw;
      c.fpuSw = sw;
      let tw = 0;
      for (let i = 0; i < 8; i++) tw |= (ftw & (1 << i) ? 0 : 3) << (2 * i);
      c.fpuTw = tw;
      c.mxcsr = mx;
      fxrstorX87(c, lin, d.osz === 8);
      if (c.cr4 & CR4_OSFXSR) {
        for (let r = 0; r < nx; r++) for (let k = 0; k < 4; k++) c.xmm32[r * 4 + k] = c.read32(lin + 160 + r * 16 + k * 4);
      }
      return;
    }
    case 2: case 3: {
      if (!sseOk(c)) return;
      if (sub === 3) {
        writeRm(c, d, 4, c.mxcsr);
        return;
      }
      const v = readRm(c, d, 4);
      if (c.fault) return;
      if (v & ~MXCSR_MASK) { c.raise(GP, 0); return; }
      c.mxcsr = v;
      return;
    }
    case 7:
      return; // CLFLUSH: no caches to flush
    default:
      c.raise(UD, -1); // XSAVE family: not modelled (CPUID must not advertise it)
  }
}
