/**
 * System instructions: I/O (always an exit), control/debug registers with the VMX CR0/CR4 guest/host
 * masks, descriptor tables, MSRs, fast system calls, TSC, the VMX-exiting instructions, and the
 * minimal x87 control subset. Intel SDM Vol. 2 instruction pages; Vol. 3C ch. 25 for what exits.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { readRm, writeRm, setReg64, readMem64 } from "./operands";
import { setFlagsExplicit } from "./arith";
import { loadSystemSegment, readDescriptor, desc, descLimit } from "./segments";
import { syscall, sysret, sysenter, sysexit } from "./events";
import { executeSse } from "./exec-sse";
import { movDebugRegister } from "./debug-regs";
import { EXIT_IO, EXIT_CPUID, EXIT_RDMSR, EXIT_WRMSR, EXIT_CR_ACCESS, EXIT_VMCALL, EXIT_XSETBV, EXIT_UNSUPPORTED_INSTRUCTION } from "./vtx";

const UD = 6;
const NM = 7;
const GP = 13;
const ZF = 0x40;
const VM = 0x20000;
const TWO32 = 4294967296;
const CANON = 140737488355328;
const SEG_LDTR = 6;
const SEG_TR = 7;
const SEG_GS = 5;
const SEG_FS = 4;
const CR0_PE = 1;
const CR0_TS = 8;
const CR0_PG = 0x80000000 | 0;
const CR0_NW = 0x20000000;
const CR0_CD = 0x40000000;
const CR4_PAE = 0x20;
const CR4_OSXSAVE = 0x40000;
const CR4_TSD = 4;
const EFER_LME = 0x100;
const EFER_LMA = 0x400;

/** True when the current privilege may access `port`..`port+size-1` (IOPL, then the TSS I/O bitmap; Intel SDM Vol. 1 §19.5). */
function ioAllowed(c: Machine, port: number, size: number): boolean {
  if ((c.cr0 & CR0_PE) === 0) return true;
  if ((c.flags & VM) === 0 && c.cpl <= ((c.flags >> 12) & 3)) return true;
  const ar = c.segAr[SEG_TR];
  if ((ar & 0x7) !== 3 || c.segLimit[SEG_TR] < 0x67) return false; // needs a busy 32/64-bit TSS
  const sys = c.systemAccess;
  c.systemAccess = true;
  const base = c.segBase[SEG_TR];
  const mapOff = c.read16(base + 0x66);
  const at = mapOff + (port >> 3);
  let ok = at + 1 <= c.segLimit[SEG_TR];
  if (ok) {
    const bits = c.read16(base + at);
    ok = c.fault === 0 && ((bits >> (port & 7)) & ((1 << size) - 1)) === 0;
  }
  c.systemAccess = sys;
  return ok;
}

/** IN, OUT, INS, OUTS: privilege check, then exit with the qualification (the instruction is not executed). */
export function executeIo(c: Machine, d: Decoded): void {
  const op = d.op;
  const size = op & 1 ? (d.osz === 2 ? 2 : 4) : 1;
  const string = op < 0x70;
  const port = op >= 0xec || string ? c.r16[8] : d.imm & 0xff;
  const input = string ? op < 0x6e : (op & 2) === 0;
  if (!ioAllowed(c, port, size)) {
    if (!c.fault) c.raise(GP, 0);
    return;
  }
  const e = c.exit;
  e.port = port;
  e.size = size;
  e.input = input;
  e.string = string;
  e.rep = d.rep !== 0;
  c.exitWith(EXIT_IO);
}

/** CR0 as the guest reads it: host-owned bits come from the read shadow (Intel SDM Vol. 3C §25.3). */
export function readCr0(c: Machine): number {
  return ((c.cr0 & ~c.cr0Mask) | (c.cr0Shadow & c.cr0Mask)) >>> 0;
}

export function readCr4(c: Machine): number {
  return ((c.cr4 & ~c.cr4Mask) | (c.cr4Shadow & c.cr4Mask)) >>> 0;
}

/** Apply a guest CR0 write that does not exit. Returns false with #GP raised. */
export function writeCr0(c: Machine, v: number): boolean {
  const nv = ((v & ~c.cr0Mask) | (c.cr0 & c.cr0Mask) | 0x10) | 0;
  if ((nv & CR0_PG) && !(nv & CR0_PE)) return c.raise(GP, 0) !== 0;
  if ((nv & CR0_NW) && !(nv & CR0_CD)) return c.raise(GP, 0) !== 0;
  const pgOn = (nv & CR0_PG) !== 0 && (c.cr0 & CR0_PG) === 0;
  const pgOff = (nv & CR0_PG) === 0 && (c.cr0 & CR0_PG) !== 0;
  if (pgOn && (c.efer & EFER_LME) && !(c.cr4 & CR4_PAE)) return c.raise(GP, 0) !== 0;
  if (pgOff && c.codeMode === 2) return c.raise(GP, 0) !== 0;
  // PAE paging: the PDPTEs are loaded (and checked: #GP) when PG/CD/NW change (Intel SDM Vol. 3A §4.4.1).
  if (!c.loadPdptesForControlWrite(nv, c.cr4)) return false;
  const changed = (nv ^ c.cr0) & (CR0_PG | CR0_PE | 0x10000);
  c.cr0 = nv;
  // IA32_EFER.LMA follows CR0.PG when LME is set (Intel SDM Vol. 3A §10.8.5).
  if (pgOn && (c.efer & EFER_LME)) c.efer |= EFER_LMA;
  if (pgOff) c.efer &= ~EFER_LMA;
  if (changed) {
    c.flushTlb();
    for (let s = 0; s < 8; s++) c.refreshSegment(s);
    c.updateMode();
  }
  return true;
}

function writeCr4(c: Machine, v: number): boolean {
  // Reserved bits (beyond what we model: VME..OSXSAVE, FSGSBASE, PCIDE, SMEP, SMAP, UMIP, LA57) → #GP.
  if (v & ~0x377fff) return c.raise(GP, 0) !== 0;
  const nv = (v & ~c.cr4Mask) | (c.cr4 & c.cr4Mask);
  if ((c.efer & EFER_LMA) && !(nv & CR4_PAE)) return c.raise(GP, 0) !== 0;
  // PAE paging: the PDPTEs are loaded (and checked: #GP) when PAE/PGE/PSE/SMEP change (Intel SDM Vol. 3A §4.4.1).
  if (!c.loadPdptesForControlWrite(c.cr0, nv)) return false;
  // PSE, PAE, PGE, SMEP, SMAP: the TLB holds decisions that depend on them (§4.10.4.1).
  if ((nv ^ c.cr4) & 0x3000b0) c.flushTlb();
  c.cr4 = nv;
  return true;
}

function movCr(c: Machine, d: Decoded, b: number): void {
  if (c.cpl !== 0) { c.raise(GP, 0); return; }
  const cr = d.reg;
  const r = d.rm;
  const long = c.codeMode === 2;
  if (b === 0x20) {
    let v: number;
    switch (cr) {
      case 0: v = readCr0(c); break;
      case 2: v = c.cr2N; break;
      case 3: v = c.cr3N; break;
      case 4: v = readCr4(c); break;
      case 8: v = c.cr8 & 0xf; break;
      default: c.raise(UD, -1); return;
    }
    if (long) setReg64(c, r, v | 0, Math.floor(v / TWO32));
    else c.setReg(4, r, 0, v | 0);
    return;
  }
  const lo = c.r32[r << 1];
  const hi = long ? c.r32[(r << 1) + 1] : 0;
  switch (cr) {
    case 0:
      if (hi !== 0) { c.raise(GP, 0); return; }
      if ((lo ^ c.cr0Shadow) & c.cr0Mask) {
        c.exit.cr = 0;
        c.exit.gpr = r;
        c.exitWith(EXIT_CR_ACCESS);
        return;
      }
      writeCr0(c, lo);
      return;
    case 2:
      c.cr2N = hi * TWO32 + (lo >>> 0);
      return;
    case 3:
      // PAE PDPTEs loaded and checked (#GP), non-global translations dropped (Machine.setCr3).
      c.setCr3((hi & 0xfffff) * TWO32 + (lo >>> 0));
      return;
    case 4:
      if (hi !== 0) { c.raise(GP, 0); return; }
      if ((lo ^ c.cr4Shadow) & c.cr4Mask) {
        c.exit.cr = 4;
        c.exit.gpr = r;
        c.exitWith(EXIT_CR_ACCESS);
        return;
      }
      writeCr4(c, lo);
      return;
    case 8:
      if (hi !== 0 || (lo & ~0xf)) { c.raise(GP, 0); return; }
      c.cr8 = lo;
      return;
    default:
      c.raise(UD, -1);
  }
}

/** MOV DRn (0F 21 / 0F 23): debug-regs.ts. */
function movDr(c: Machine, d: Decoded, b: number): void {
  movDebugRegister(c, d, b === 0x23);
}

/** Descriptor-table register loads and stores, LMSW/SMSW, INVLPG, and the 0F 01 register forms. */
function group7(c: Machine, d: Decoded): void {
  const sub = d.reg & 7;
  const long = c.codeMode === 2;
  if (d.mod === 3) {
    // The register forms of 0F 01 with a fixed ModRM (VMCALL, CLAC/STAC, XGETBV, SWAPGS, RDTSCP...)
    // are "NP" in the SDM's opcode tables; with 66/F2/F3 they are another instruction (FRED's
    // ERETU/ERETS...) or none: #UD. SMSW (/4) and LMSW (/6) are plain ModRM forms: 66 selects SMSW's
    // 16-bit register (66 0F 01 E0 is smsw ax in 32-bit code), and REP prefixes are ignored.
    // SWAPGS and RDTSCP (0F 01 F8, F9) are not marked NP either; iced-x86 decodes them with those
    // prefixes, which they ignore.
    if ((d.p66 || d.rep !== 0) && sub !== 4 && sub !== 6 && !(sub === 7 && (d.rm & 7) <= 1)) { c.raise(UD, -1); return; }
    const code = (sub << 3) | (d.rm & 7);
    switch (code) {
      case 0x01: c.exitWith(EXIT_VMCALL); return; // 0F 01 C1
      case 0x02: case 0x03: case 0x04: c.exitWith(EXIT_UNSUPPORTED_INSTRUCTION); return; // VMLAUNCH/VMRESUME/VMXOFF
      // CLAC / STAC: clear or set RFLAGS.AC; CPL 0 only (SDM Vol. 2A "CLAC", Vol. 2B "STAC"). Executed
      // although CPUID does not advertise SMAP yet: CR4.SMAP enforcement is not modelled, and Zircon's
      // VcpuReadWriteState guest uses STAC.
      case 0x0a: case 0x0b:
        if (c.cpl !== 0) { c.raise(UD, -1); return; }
        if (code === 0x0b) c.flags |= 0x40000;
        else c.flags &= ~0x40000;
        return;
      case 0x10: // XGETBV
        if (!(c.cr4 & CR4_OSXSAVE)) { c.raise(UD, -1); return; }
        if (c.r32[2] !== 0) { c.raise(GP, 0); return; }
        c.setReg(4, 0, 0, c.xcr0);
        c.setReg(4, 2, 0, 0);
        return;
      case 0x11: // XSETBV
        if (!(c.cr4 & CR4_OSXSAVE)) { c.raise(UD, -1); return; }
        if (c.cpl !== 0) { c.raise(GP, 0); return; }
        c.exitWith(EXIT_XSETBV);
        return;
      case 0x38: // SWAPGS
        if (!long) { c.raise(UD, -1); return; }
        if (c.cpl !== 0) { c.raise(GP, 0); return; }
        {
          const t = c.segBase[SEG_GS];
          c.segBase[SEG_GS] = c.kernelGsBase;
          c.kernelGsBase = t;
        }
        return;
      case 0x39: // RDTSCP
        readTsc(c);
        c.setReg(4, 1, 0, c.tscAux);
        return;
    }
    if (sub === 4) {
      // SMSW r: the register gets CR0 (zero-extended to the operand size).
      const v = readCr0(c);
      if (d.osz === 8) setReg64(c, d.rm, v | 0, 0);
      else c.setReg(d.osz, d.rm, 0, v);
      return;
    }
    if (sub === 6) {
      lmsw(c, c.r16[d.rm << 2]);
      return;
    }
    c.raise(UD, -1);
    return;
  }
  switch (sub) {
    case 0: case 1: {
      // SGDT / SIDT: limit then base (3 bytes + 1 with 16-bit operands on old CPUs; 4; 8 in 64-bit mode).
      const n = long ? 10 : 6;
      const lin = c.eaLinear(d, n, true);
      if (c.fault) return;
      if (!c.probeWrite(lin, n)) return;
      const base = sub === 0 ? c.gdtrBaseN : c.idtrBaseN;
      c.write16(lin, sub === 0 ? c.gdtrLimit : c.idtrLimit);
      if (long) c.write64(lin + 2, base | 0, Math.floor(base / TWO32));
      else c.write32(lin + 2, base | 0);
      return;
    }
    case 2: case 3: {
      if (c.cpl !== 0) { c.raise(GP, 0); return; }
      const n = long ? 10 : 6;
      const lin = c.eaLinear(d, n, false);
      if (c.fault) return;
      const limit = c.read16(lin);
      let base: number;
      if (long) {
        const lo = readMem64(c, lin + 2);
        base = c.hi * TWO32 + (lo >>> 0);
        if (!(base >= -CANON && base < CANON)) { if (!c.fault) c.raise(GP, 0); return; }
      } else {
        base = c.read32(lin + 2) >>> 0;
        if (d.osz === 2) base &= 0xffffff;
      }
      if (c.fault) return;
      if (sub === 2) {
        c.gdtrBaseN = base;
        c.gdtrLimit = limit;
      } else {
        c.idtrBaseN = base;
        c.idtrLimit = limit;
      }
      return;
    }
    case 4:
      writeRm(c, d, 2, readCr0(c));
      return;
    case 6: {
      const v = readRm(c, d, 2);
      if (c.fault) return;
      lmsw(c, v);
      return;
    }
    case 7: {
      // INVLPG: no limit or canonical check (a non-canonical address invalidates nothing); the
      // translations of the page holding the linear address go (Intel SDM Vol. 2A INVLPG, Vol. 3A §4.10.4.1).
      if (c.cpl !== 0) { c.raise(GP, 0); return; }
      const seg = c.segOf(d);
      const off = c.ea(d);
      c.invalidatePage(long ? (seg >= 4 ? off + c.segBase[seg] : off) : (c.segBase[seg] + off) >>> 0);
      return;
    }
    default:
      c.raise(UD, -1);
  }
}

/** LMSW: loads PE, MP, EM, TS; cannot clear PE (Intel SDM LMSW). Exits like MOV CR0 on a masked change. */
function lmsw(c: Machine, v: number): void {
  if (c.cpl !== 0) { c.raise(GP, 0); return; }
  const visible = readCr0(c);
  const nv = (visible & ~0xe) | (v & 0xf) | (visible & 1);
  if ((nv ^ c.cr0Shadow) & c.cr0Mask & 0xf) {
    c.exit.cr = 0;
    c.exit.gpr = 0;
    c.exitWith(EXIT_CR_ACCESS);
    return;
  }
  writeCr0(c, nv);
}

function group6(c: Machine, d: Decoded): void {
  const sub = d.reg & 7;
  if ((c.cr0 & CR0_PE) === 0 || (c.flags & VM)) { c.raise(UD, -1); return; }
  switch (sub) {
    case 0: case 1: {
      const sel = c.segSel[sub === 0 ? SEG_LDTR : SEG_TR];
      if (d.mod === 3) {
        if (d.osz === 8) setReg64(c, d.rm, sel, 0);
        else c.setReg(d.osz, d.rm, 0, sel);
      } else writeRm(c, d, 2, sel);
      return;
    }
    case 2: case 3: {
      if (c.cpl !== 0) { c.raise(GP, 0); return; }
      const sel = readRm(c, d, 2);
      if (c.fault) return;
      loadSystemSegment(c, sub === 2 ? SEG_LDTR : SEG_TR, sel);
      return;
    }
    case 4: case 5: {
      const sel = readRm(c, d, 2);
      if (c.fault) return;
      let ok = false;
      if ((sel & 0xfffc) !== 0 && readDescriptor(c, sel, GP, false)) {
        const hi = desc.hi;
        const type = (hi >>> 8) & 0x1f;
        const dpl = (hi >>> 13) & 3;
        const conformingCode = (type & 0x1c) === 0x1c;
        const privOk = conformingCode || (dpl >= c.cpl && dpl >= (sel & 3));
        if ((type & 0x10) && privOk) ok = sub === 4 ? (type & 0x1a) !== 0x18 : (type & 0x1a) === 0x12;
      }
      if (c.fault) {
        c.fault = 0; // outside the table: ZF = 0, no fault (Intel SDM VERR)
      }
      setFlagsExplicit(c, ZF, ok ? ZF : 0);
      return;
    }
    default:
      c.raise(UD, -1);
  }
}

/** LAR (lsl = false) / LSL. */
function larLsl(c: Machine, d: Decoded, lsl: boolean): void {
  if ((c.cr0 & CR0_PE) === 0 || (c.flags & VM)) { c.raise(UD, -1); return; }
  const sel = readRm(c, d, 2);
  if (c.fault) return;
  let ok = false;
  let v = 0;
  if ((sel & 0xfffc) !== 0 && readDescriptor(c, sel, GP, false)) {
    const hi = desc.hi;
    const type = (hi >>> 8) & 0x1f;
    const dpl = (hi >>> 13) & 3;
    const conformingCode = (type & 0x1c) === 0x1c;
    const sysOk = lsl ? [1, 2, 3, 9, 11].includes(type & 0xf) : [1, 2, 3, 4, 5, 9, 11, 12].includes(type & 0xf);
    const typeOk = (type & 0x10) !== 0 || sysOk;
    ok = typeOk && (conformingCode || (dpl >= c.cpl && dpl >= (sel & 3)));
    v = lsl ? descLimit(desc.lo, hi) : hi & 0x00ffff00;
  }
  if (c.fault) c.fault = 0;
  setFlagsExplicit(c, ZF, ok ? ZF : 0);
  if (ok) {
    if (d.osz === 8) setReg64(c, d.reg, v | 0, 0);
    else c.setReg(d.osz, d.reg, 0, v | 0);
  }
}

function readTsc(c: Machine): void {
  const t = c.tscOffset + c.instructionsRetired * c.tscPerInstruction;
  c.setReg(4, 0, 0, t | 0);
  c.setReg(4, 2, 0, Math.floor(t / TWO32) | 0);
}

export function executeSystem0f(c: Machine, d: Decoded, b: number): void {
  const long = c.codeMode === 2;
  switch (b) {
    case 0x00: group6(c, d); return;
    case 0x01: group7(c, d); return;
    case 0x02: larLsl(c, d, false); return;
    case 0x03: larLsl(c, d, true); return;
    case 0x05:
      if (syscall(c, c.nextRip)) c.nextRip = c.rip;
      return;
    case 0x06:
      if (c.cpl !== 0) { c.raise(GP, 0); return; }
      c.cr0 &= ~CR0_TS;
      return;
    case 0x07:
      if (sysret(c, d.osz)) c.nextRip = c.rip;
      return;
    case 0x08: c.exitWith(EXIT_UNSUPPORTED_INSTRUCTION); return; // INVD always exits under VMX
    case 0x09:
      if (c.cpl !== 0) c.raise(GP, 0);
      return;
    case 0x0e: c.raise(UD, -1); return; // FEMMS is AMD 3DNow!, not advertised (EMMS, 0F 77, is an MMX instruction: exec-sse)
    case 0x20: case 0x22: movCr(c, d, b); return;
    case 0x21: case 0x23: movDr(c, d, b); return;
    case 0x30: case 0x32: msr(c, b === 0x30); return;
    case 0x31:
      if ((c.cr4 & CR4_TSD) && c.cpl !== 0) { c.raise(GP, 0); return; }
      readTsc(c);
      return;
    case 0x33: c.raise(GP, 0); return; // RDPMC: no performance counters
    case 0x34:
      if (sysenter(c)) c.nextRip = c.rip;
      return;
    case 0x35:
      if (sysexit(c, d.osz)) c.nextRip = c.rip;
      return;
    case 0x78: case 0x79:
      // VMREAD/VMWRITE exit; with 66/F2 these bytes are AMD's EXTRQ/INSERTQ (SSE4A), not ours: #UD.
      if (d.p66 || d.rep !== 0) { c.raise(UD, -1); return; }
      c.exitWith(EXIT_UNSUPPORTED_INSTRUCTION);
      return;
    case 0xa2: c.exitWith(EXIT_CPUID); return;
    case 0xaa: c.raise(UD, -1); return; // RSM outside SMM
  }
  void long;
  executeSse(c, d);
}

/** RDMSR/WRMSR: natively implemented MSRs here, every other MSR exits. */
function msr(c: Machine, write: boolean): void {
  if (c.cpl !== 0) { c.raise(GP, 0); return; }
  const n = c.r32[2] >>> 0;
  if (write) {
    const r = writeMsrNative(c, n, c.r32[0], c.r32[4]);
    if (r === 0) c.exitWith(EXIT_WRMSR);
    else if (r < 0) c.raise(GP, 0);
    return;
  }
  if (!readMsrNative(c, n)) {
    c.exitWith(EXIT_RDMSR);
    return;
  }
  c.setReg(4, 0, 0, c.mulOut[0]);
  c.setReg(4, 2, 0, c.mulOut[1]);
}

function split(c: Machine, v: number): void {
  c.mulOut[0] = v | 0;
  c.mulOut[1] = Math.floor(v / TWO32) | 0;
}

/** Native MSR read into c.mulOut[0..1]; false for an MSR that exits. */
export function readMsrNative(c: Machine, n: number): boolean {
  switch (n) {
    case 0x10: split(c, c.tscOffset + c.instructionsRetired * c.tscPerInstruction); return true;
    case 0x174: split(c, c.sysenterCs); return true;
    case 0x175: split(c, c.sysenterEsp); return true;
    case 0x176: split(c, c.sysenterEip); return true;
    case 0x277: c.mulOut[0] = c.patLo; c.mulOut[1] = c.patHi; return true;
    case 0xc0000080: split(c, c.efer); return true;
    case 0xc0000081: c.mulOut[0] = c.starLo; c.mulOut[1] = c.starHi; return true;
    case 0xc0000082: split(c, c.lstar); return true;
    case 0xc0000083: split(c, c.cstar); return true;
    case 0xc0000084: split(c, c.fmask >>> 0); return true;
    case 0xc0000100: split(c, c.segBase[SEG_FS]); return true;
    case 0xc0000101: split(c, c.segBase[SEG_GS]); return true;
    case 0xc0000102: split(c, c.kernelGsBase); return true;
    case 0xc0000103: split(c, c.tscAux >>> 0); return true;
  }
  return false;
}

/** Native MSR write: 1 done, 0 not native (exit), -1 the value would #GP. */
export function writeMsrNative(c: Machine, n: number, lo: number, hi: number): number {
  const v = hi * TWO32 + (lo >>> 0);
  const canonical = v >= -CANON && v < CANON;
  switch (n) {
    case 0x10:
      c.tscOffset = ((hi >>> 0) * TWO32 + (lo >>> 0)) - c.instructionsRetired * c.tscPerInstruction;
      return 1;
    case 0x174: c.sysenterCs = lo & 0xffff; return 1;
    case 0x175: if (!canonical) return -1; c.sysenterEsp = v; return 1;
    case 0x176: if (!canonical) return -1; c.sysenterEip = v; return 1;
    case 0x277: c.patLo = lo; c.patHi = hi; return 1;
    case 0xc0000080: {
      // SCE, LME, LMA (read-only), NXE; LME may not change while paging is on (Intel SDM Vol. 4 IA32_EFER).
      if (hi !== 0 || (lo & ~0xd01)) return -1;
      if ((c.cr0 & CR0_PG) && ((lo ^ c.efer) & EFER_LME)) return -1;
      const nv = (lo & ~EFER_LMA) | (c.efer & EFER_LMA);
      if ((nv ^ c.efer) & 0x800) c.flushTlb();
      c.efer = nv;
      c.updateMode();
      return 1;
    }
    case 0xc0000081: c.starLo = lo; c.starHi = hi; return 1;
    case 0xc0000082: if (!canonical) return -1; c.lstar = v; return 1;
    case 0xc0000083: if (!canonical) return -1; c.cstar = v; return 1;
    case 0xc0000084: c.fmask = lo; return 1;
    case 0xc0000100: if (!canonical) return -1; c.segBase[SEG_FS] = v; return 1;
    case 0xc0000101: if (!canonical) return -1; c.segBase[SEG_GS] = v; return 1;
    case 0xc0000102: if (!canonical) return -1; c.kernelGsBase = v; return 1;
    case 0xc0000103: c.tscAux = lo; return 1;
  }
  return 0;
}
