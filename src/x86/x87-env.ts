/**
 * x87 state images: FNSTENV/FLDENV (14 or 28 bytes), FNSAVE/FRSTOR (94 or 108 bytes) in the real-
 * and protected-mode layouts for 16- and 32-bit operand size (Intel SDM Vol. 1 §8.1.10, figures
 * 8-9 to 8-12), and the register part of the FXSAVE image (Vol. 1 §10.5.1, table 10-2).
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { F80, kind, K_NORMAL, K_ZERO } from "./x87-float80";
import { fullTagWord } from "./exec-x87";

export function readF80(c: Machine, lin: number, out: F80): void {
  const lo = c.read32(lin) >>> 0;
  const hi = c.read32(lin + 4) >>> 0;
  const se = c.read16(lin + 8);
  out.set(se, (BigInt(hi) << 32n) | BigInt(lo));
}

/** Write 10 bytes; the caller has probed the range. */
export function writeF80(c: Machine, lin: number, v: F80): void {
  c.write32(lin, Number(v.sig & 0xffffffffn));
  c.write32(lin + 4, Number(v.sig >> 32n));
  c.write16(lin + 8, v.se);
}

const isReal = (c: Machine): boolean => (c.cr0 & 1) === 0 || (c.flags & 0x20000) !== 0;

function envSize(d: Decoded): number {
  return d.osz === 2 ? 14 : 28;
}

/** Write the environment at `lin` (size probed by the caller). */
function writeEnv(c: Machine, lin: number, o16: boolean): void {
  const tw = fullTagWord(c);
  if (o16) {
    c.write16(lin, c.fpuCw);
    c.write16(lin + 2, c.fpuSw);
    c.write16(lin + 4, tw);
    if (isReal(c)) {
      // Real mode: 20-bit linear instruction and operand pointers (figure 8-11).
      const ip = (c.fpuIp + c.fpuCs * 16) >>> 0;
      const dp = (c.fpuDp + c.fpuDs * 16) >>> 0;
      c.write16(lin + 6, ip & 0xffff);
      c.write16(lin + 8, ((ip >>> 4) & 0xf000) | (c.fpuOp & 0x7ff));
      c.write16(lin + 10, dp & 0xffff);
      c.write16(lin + 12, (dp >>> 4) & 0xf000);
    } else {
      c.write16(lin + 6, c.fpuIp & 0xffff);
      c.write16(lin + 8, c.fpuCs);
      c.write16(lin + 10, c.fpuDp & 0xffff);
      c.write16(lin + 12, c.fpuDs);
    }
    return;
  }
  c.write32(lin, c.fpuCw);
  c.write32(lin + 4, c.fpuSw);
  c.write32(lin + 8, tw);
  if (isReal(c)) {
    const ip = (c.fpuIp + c.fpuCs * 16) >>> 0;
    const dp = (c.fpuDp + c.fpuDs * 16) >>> 0;
    c.write32(lin + 12, ip & 0xffff);
    c.write32(lin + 16, ((ip >>> 16) << 12) | (c.fpuOp & 0x7ff));
    c.write32(lin + 20, dp & 0xffff);
    c.write32(lin + 24, (dp >>> 16) << 12);
  } else {
    c.write32(lin + 12, c.fpuIp);
    c.write32(lin + 16, ((c.fpuOp & 0x7ff) << 16) | c.fpuCs);
    c.write32(lin + 20, c.fpuDp);
    c.write32(lin + 24, c.fpuDs);
  }
}

/** FNSTENV (then all exceptions masked) or FNSAVE (then FNINIT). */
export function storeEnv(c: Machine, d: Decoded, save: boolean): void {
  const es = envSize(d);
  const size = save ? es + 80 : es;
  const lin = c.eaLinear(d, size, true);
  if (c.fault || !c.probeWrite(lin, size)) return;
  writeEnv(c, lin, es === 14);
  if (save) {
    const top = (c.fpuSw >> 11) & 7;
    const v = new F80();
    for (let i = 0; i < 8; i++) {
      const p = (top + i) & 7;
      writeF80(c, lin + es + 10 * i, v.set(c.fpuSe[p], c.fpuSig[p]));
    }
    c.fpuCw = 0x37f;
    c.fpuSw = 0;
    c.fpuTw = 0xffff;
    c.fpuIp = c.fpuCs = c.fpuDp = c.fpuDs = c.fpuOp = 0;
  } else {
    c.fpuCw |= 0x3f;
  }
}

/** FLDENV or FRSTOR. Tags other than empty are recomputed from the contents, as the FPU does. */
export function loadEnv(c: Machine, d: Decoded, restore: boolean): void {
  const es = envSize(d);
  const size = restore ? es + 80 : es;
  const lin = c.eaLinear(d, size, false);
  if (c.fault || !c.probeRead(lin, size)) return;
  const o16 = es === 14;
  const step = o16 ? 2 : 4;
  const cw = c.read16(lin);
  const sw = c.read16(lin + step);
  const tw = c.read16(lin + 2 * step);
  let ip: number, cs: number, dp: number, ds: number, opc: number;
  if (o16) {
    const a = c.read16(lin + 6), b = c.read16(lin + 8), e = c.read16(lin + 10), f = c.read16(lin + 12);
    if (isReal(c)) {
      ip = a | ((b & 0xf000) << 4); cs = 0; opc = b & 0x7ff; dp = e | ((f & 0xf000) << 4); ds = 0;
    } else {
      ip = a; cs = b; dp = e; ds = f; opc = c.fpuOp;
    }
  } else {
    const a = c.read32(lin + 12) >>> 0, b = c.read32(lin + 16) >>> 0, e = c.read32(lin + 20) >>> 0, f = c.read32(lin + 24) >>> 0;
    if (isReal(c)) {
      ip = (a & 0xffff) | ((b >>> 12) << 16); cs = 0; opc = b & 0x7ff; dp = (e & 0xffff) | ((f >>> 12) << 16); ds = 0;
    } else {
      ip = a; cs = b & 0xffff; opc = (b >>> 16) & 0x7ff; dp = e; ds = f & 0xffff;
    }
  }
  const regs: F80[] = [];
  if (restore) for (let i = 0; i < 8; i++) readF80(c, lin + es + 10 * i, (regs[i] = new F80()));
  if (c.fault) return;
  c.fpuCw = cw | 0x40;
  c.fpuSw = sw;
  c.fpuIp = ip; c.fpuCs = cs; c.fpuDp = dp; c.fpuDs = ds; c.fpuOp = opc;
  const top = (sw >> 11) & 7;
  if (restore) {
    for (let i = 0; i < 8; i++) {
      const p = (top + i) & 7;
      c.fpuSe[p] = regs[i].se;
      c.fpuSig[p] = regs[i].sig;
    }
  }
  let t = 0;
  for (let p = 0; p < 8; p++) {
    if (((tw >> (2 * p)) & 3) === 3) t |= 3 << (2 * p);
    else {
      const k = kind(c.fpuSe[p], c.fpuSig[p]);
      t |= (k === K_NORMAL ? 0 : k === K_ZERO ? 1 : 2) << (2 * p);
    }
  }
  c.fpuTw = t;
}

/**
 * FXSAVE's x87 part for the SSE engineer to call: FOP at +6, FIP/FCS (or 64-bit FIP) at +8, FDP/FDS
 * at +16, and ST(0)–ST(7) at +32 + 16·i (10 bytes each, the 6 bytes after them written as 0).
 * `rex64`: the REX.W form (64-bit FIP/FDP). The caller writes FCW, FSW, the abridged tag and MXCSR.
 */
export function fxsaveX87(c: Machine, lin: number, rex64: boolean): void {
  c.write16(lin + 6, c.fpuOp & 0x7ff);
  c.write32(lin + 8, c.fpuIp);
  c.write32(lin + 12, rex64 ? 0 : c.fpuCs);
  c.write32(lin + 16, c.fpuDp);
  c.write32(lin + 20, rex64 ? 0 : c.fpuDs);
  const top = (c.fpuSw >> 11) & 7;
  const v = new F80();
  for (let i = 0; i < 8; i++) {
    const p = (top + i) & 7;
    writeF80(c, lin + 32 + 16 * i, v.set(c.fpuSe[p], c.fpuSig[p]));
    c.write16(lin + 42 + 16 * i, 0);
    c.write32(lin + 44 + 16 * i, 0);
  }
}

/** FXRSTOR's x87 part: call after FCW/FSW/abridged tag are loaded (TOP comes from FSW). */
export function fxrstorX87(c: Machine, lin: number, rex64: boolean): void {
  c.fpuOp = c.read16(lin + 6) & 0x7ff;
  c.fpuIp = c.read32(lin + 8) >>> 0;
  c.fpuCs = rex64 ? 0 : c.read16(lin + 12);
  c.fpuDp = c.read32(lin + 16) >>> 0;
  c.fpuDs = rex64 ? 0 : c.read16(lin + 20);
  const top = (c.fpuSw >> 11) & 7;
  const v = new F80();
  for (let i = 0; i < 8; i++) {
    const p = (top + i) & 7;
    readF80(c, lin + 32 + 16 * i, v);
    c.fpuSe[p] = v.se;
    c.fpuSig[p] = v.sig;
  }
  // ES/B follow the restored flags and masks.
  if (c.fpuSw & ~c.fpuCw & 0x3f) c.fpuSw |= 0x8080;
  else c.fpuSw &= ~0x8080;
}
