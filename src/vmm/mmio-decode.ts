import type { GeneralRegisters } from "./api";

/**
 * Decoding and emulating the instruction behind a ZX_PKT_TYPE_GUEST_MEM packet. In era E2 Zircon
 * hands the VMM the faulting instruction's bytes (`inst_buf`, `inst_len`, `default_operand_size`) and
 * the VMM emulates it itself, as Fuchsia's src/virtualization/bin/vmm/arch/x64/decode.cc did: the
 * forms device drivers use for MMIO — MOV, MOVZX, MOVSX, MOVSXD, TEST, OR, AND, XOR, STOS.
 * Encodings: Intel SDM Vol. 2 (opcode tables, §2.1 prefixes, §2.2.1 REX).
 *
 * The packet does not say whether the guest runs in 64-bit mode (default_operand_size is 4 there
 * too; 2 means 16-bit code). What the bytes leave open is settled this way:
 * - REX bytes 0x40-0x4F are decoded as REX when the default size is 4: in 32-bit mode they are
 *   INC/DEC of a register, which never touch memory, so no MMIO instruction can start with one.
 *   A REX prefix counts only right before the opcode (a later legacy prefix cancels it, §2.2.1).
 * - The address size decides how long ModRM's displacement is: 16-bit code addresses with 16 bits
 *   (32 with 0x67); 32-bit code with 32 (16 with 0x67); 64-bit code with 64 (32 with 0x67). With
 *   default size 4, 0x67 and no REX, both 16- and 32-bit addressing are possible: the form whose
 *   length is the exit's instruction length is the one (when both fit, they decode the same).
 */

export type MmioOp = "load" | "store" | "test" | "or" | "and" | "xor";

export interface MmioInstruction {
  op: MmioOp;
  /** Bytes accessed in the device: 1, 2, 4 or 8. */
  accessSize: number;
  /** For load/MOVZX/MOVSX: the destination register's width in bytes. Otherwise = accessSize. */
  regSize: number;
  /** Register operand (0 = RAX ... 15 = R15), or -1 when the source is an immediate. */
  reg: number;
  /** The 8-bit register is AH/CH/DH/BH (encodings 4-7 without a REX prefix). */
  highByte: boolean;
  /** Immediate source (already sign-extended to the operand size, as a bit pattern of accessSize bytes). */
  imm: bigint;
  /** How a load widens into the register. */
  extend: "none" | "zero" | "sign";
  /** or/and/xor: the result goes to the register (reg ← reg op mem) instead of memory. */
  toRegister: boolean;
  /** STOS: RDI moves by accessSize after the store. */
  stringStore: boolean;
  /**
   * STOS: the width of the index register it moves (2: DI, 4: EDI, zero-extended into RDI; 8: RDI).
   * 8 when the packet cannot tell 32-bit from 64-bit code (they differ only when EDI wraps at 4 GiB).
   */
  addressSize: number;
}

const SEGMENT_OVERRIDES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);

/** Decodes `bytes[0..len)`; returns the instruction or a readable reason it is not an MMIO form we emulate. */
export function decodeMmio(bytes: Uint8Array, len: number, defaultOperandSize: number): MmioInstruction | string {
  if (!Number.isInteger(len) || len < 1 || len > 15 || len > bytes.length) return `bad instruction length ${len}`;
  if (defaultOperandSize !== 2 && defaultOperandSize !== 4) return `default operand size ${defaultOperandSize} is neither 2 nor 4`;
  const code16 = defaultOperandSize === 2;
  let i = 0;
  let opSize16 = code16;
  let addrSizeOverride = false;
  let rep = false;
  let rex = 0;
  let sawRex = false;
  for (;;) {
    if (i >= len) return "only prefixes";
    const b = bytes[i];
    if (!code16 && (b & 0xf0) === 0x40) {
      rex = b;
      sawRex = true;
      i++;
      continue;
    }
    if (b === 0x66) opSize16 = !code16;
    else if (b === 0x67) addrSizeOverride = true;
    else if (b === 0xf2 || b === 0xf3) rep = true;
    else if (SEGMENT_OVERRIDES.has(b) || b === 0xf0) {
      /* segment override / LOCK: no effect on the emulation */
    } else break;
    rex = 0; // a REX prefix followed by another prefix is ignored (Intel SDM Vol. 2 §2.2.1)
    i++;
  }
  // Address sizes the bytes allow (see the file comment); 8 decodes ModRM as 4 does.
  const addressSizes = code16 ? [addrSizeOverride ? 4 : 2] : sawRex ? [addrSizeOverride ? 4 : 8] : addrSizeOverride ? [2, 4] : [8];
  const exact = code16 || sawRex;
  let first = "";
  for (const asz of addressSizes) {
    const r = decodeForm(bytes, len, i, rex, opSize16, asz, exact, rep);
    if (typeof r !== "string") return r;
    if (!first) first = r;
  }
  return first;
}

/**
 * The instruction from its opcode at `bytes[i]` on, for address size `asz`. `exact`: the address
 * size is known (16-bit code, or REX: 64-bit code); otherwise 8 may also be 32-bit code's 4, and
 * 2 or 4 are the two readings of 0x67 in code with default size 4.
 */
function decodeForm(bytes: Uint8Array, len: number, i: number, rex: number, opSize16: boolean, asz: number, exact: boolean, rep: boolean): MmioInstruction | string {
  const rexW = (rex & 8) !== 0;
  const fullSize = rexW ? 8 : opSize16 ? 2 : 4;
  const opcode = bytes[i++];

  const base: MmioInstruction = {
    op: "load", accessSize: fullSize, regSize: fullSize, reg: -1, highByte: false, imm: 0n,
    extend: "none", toRegister: false, stringStore: false, addressSize: asz,
  };
  /** The ModRM operand: reg field, and the length of ModRM + SIB + displacement. Memory operands only. */
  const modrm = (): { regField: number; end: number } | string => {
    if (i >= len) return "missing ModRM";
    const m = bytes[i];
    const mod = m >> 6;
    const rm = m & 7;
    if (mod === 3) return "register operand (not a memory access)";
    let end = i + 1;
    if (asz === 2) {
      if (mod === 1) end += 1;
      else if (mod === 2 || (mod === 0 && rm === 6)) end += 2;
    } else {
      let sibBase = -1;
      if (rm === 4) {
        if (end >= len) return "missing SIB";
        sibBase = bytes[end] & 7;
        end += 1;
      }
      if (mod === 1) end += 1;
      else if (mod === 2 || (mod === 0 && (rm === 5 || sibBase === 5))) end += 4;
    }
    return { regField: ((m >> 3) & 7) | (rex & 4 ? 8 : 0), end };
  };
  const reg8 = (field: number) => ({ reg: rex === 0 && field >= 4 && field < 8 ? field - 4 : field, highByte: rex === 0 && field >= 4 && field < 8 });
  const immAt = (at: number, size: number, extendTo: number): bigint | string => {
    if (at + size > len) return "truncated immediate";
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k]);
    v = BigInt.asIntN(size * 8, v); // immediates are sign-extended to the operand size (SDM Vol. 2 §2.2.1.5)
    return BigInt.asUintN(extendTo * 8, v);
  };
  const finish = (inst: MmioInstruction, end: number): MmioInstruction | string =>
    end === len ? inst : `decoded length ${end} differs from the exit's instruction length ${len}`;
  if (rep && opcode !== 0xaa && opcode !== 0xab) rep = false; // F2/F3 as mandatory prefixes or hints: not used by these forms
  if (rep) return "REP STOS to MMIO is not supported";

  switch (opcode) {
    case 0x88: case 0x89: case 0x8a: case 0x8b: {
      // MOV r/m, r (store) / MOV r, r/m (load)
      const m = modrm();
      if (typeof m === "string") return m;
      const size = opcode & 1 ? fullSize : 1;
      const r = size === 1 ? reg8(m.regField) : { reg: m.regField, highByte: false };
      return finish({ ...base, op: opcode & 2 ? "load" : "store", accessSize: size, regSize: size, ...r }, m.end);
    }
    case 0xc6: case 0xc7: {
      // MOV r/m, imm (C7 with REX.W takes imm32 sign-extended to 64 bits)
      const m = modrm();
      if (typeof m === "string") return m;
      if ((m.regField & 7) !== 0) return `opcode 0x${opcode.toString(16)} /${m.regField & 7} is not MOV`;
      const size = opcode === 0xc6 ? 1 : fullSize;
      const immSize = Math.min(size, 4);
      const imm = immAt(m.end, immSize, size);
      if (typeof imm === "string") return imm;
      return finish({ ...base, op: "store", accessSize: size, regSize: size, imm }, m.end + immSize);
    }
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
      // MOV AL/eAX ↔ moffs: the offset is address-size wide (2, 4 or 8 bytes); 4 or 8 when the
      // packet cannot tell 32-bit from 64-bit code, and then the instruction length tells.
      const moffs = asz === 8 && !exact && len - i === 4 ? 4 : asz;
      const size = opcode & 1 ? fullSize : 1;
      return finish({ ...base, op: opcode & 2 ? "store" : "load", accessSize: size, regSize: size, reg: 0 }, i + moffs);
    }
    case 0x0f: {
      if (i >= len) return "truncated two-byte opcode";
      const op2 = bytes[i++];
      if (op2 !== 0xb6 && op2 !== 0xb7 && op2 !== 0xbe && op2 !== 0xbf) return `two-byte opcode 0x0f 0x${op2.toString(16)} is not an MMIO form`;
      const m = modrm();
      if (typeof m === "string") return m;
      const size = op2 & 1 ? 2 : 1;
      return finish({ ...base, op: "load", accessSize: size, regSize: fullSize, reg: m.regField, extend: op2 & 8 ? "sign" : "zero" }, m.end);
    }
    case 0x63: {
      // MOVSXD r64, m32 (64-bit mode only, so only with REX.W: without it 0x63 is ARPL in 32-bit code).
      if (!rexW) return "opcode 0x63 without REX.W (ARPL, or MOVSXD without sign extension) is not an MMIO form the VMM emulates";
      const m = modrm();
      if (typeof m === "string") return m;
      return finish({ ...base, op: "load", accessSize: 4, regSize: 8, reg: m.regField, extend: "sign" }, m.end);
    }
    case 0x84: case 0x85: {
      const m = modrm();
      if (typeof m === "string") return m;
      const size = opcode & 1 ? fullSize : 1;
      const r = size === 1 ? reg8(m.regField) : { reg: m.regField, highByte: false };
      return finish({ ...base, op: "test", accessSize: size, regSize: size, ...r }, m.end);
    }
    case 0xf6: case 0xf7: {
      // TEST r/m, imm is /0; /1 is its undocumented alias (AMD documents it; iced-x86 decodes it as TEST).
      const m = modrm();
      if (typeof m === "string") return m;
      if ((m.regField & 7) > 1) return `opcode 0x${opcode.toString(16)} /${m.regField & 7} is not TEST`;
      const size = opcode === 0xf6 ? 1 : fullSize;
      const immSize = Math.min(size, 4);
      const imm = immAt(m.end, immSize, size);
      if (typeof imm === "string") return imm;
      return finish({ ...base, op: "test", accessSize: size, regSize: size, imm }, m.end + immSize);
    }
    case 0x08: case 0x09: case 0x0a: case 0x0b:
    case 0x20: case 0x21: case 0x22: case 0x23:
    case 0x30: case 0x31: case 0x32: case 0x33: {
      const m = modrm();
      if (typeof m === "string") return m;
      const op: MmioOp = opcode < 0x10 ? "or" : opcode < 0x30 ? "and" : "xor";
      const size = opcode & 1 ? fullSize : 1;
      const r = size === 1 ? reg8(m.regField) : { reg: m.regField, highByte: false };
      return finish({ ...base, op, accessSize: size, regSize: size, ...r, toRegister: (opcode & 2) !== 0 }, m.end);
    }
    case 0x80: case 0x81: case 0x82: case 0x83: {
      // 0x82 is 0x80's alias outside 64-bit mode (where it is #UD, so it never reaches here).
      const m = modrm();
      if (typeof m === "string") return m;
      const ext = m.regField & 7;
      const op: MmioOp | undefined = ext === 1 ? "or" : ext === 4 ? "and" : ext === 6 ? "xor" : undefined;
      if (!op) return `opcode 0x${opcode.toString(16)} /${ext} is not OR/AND/XOR`;
      const size = opcode === 0x80 || opcode === 0x82 ? 1 : fullSize;
      const immSize = opcode === 0x81 ? Math.min(size, 4) : 1;
      const imm = immAt(m.end, immSize, size);
      if (typeof imm === "string") return imm;
      return finish({ ...base, op, accessSize: size, regSize: size, imm }, m.end + immSize);
    }
    case 0xaa: case 0xab: {
      if (!exact && asz !== 8) return "STOS with an address-size prefix: the packet does not say whether it moves DI or EDI";
      const size = opcode === 0xaa ? 1 : fullSize;
      return finish({ ...base, op: "store", accessSize: size, regSize: size, reg: 0, stringStore: true }, i);
    }
    default:
      return `opcode 0x${opcode.toString(16)} is not an MMIO form the VMM emulates`;
  }
}

const REG_NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"] as const;

function readReg(regs: GeneralRegisters, reg: number, highByte: boolean, size: number): bigint {
  const v = regs[REG_NAMES[reg]];
  return highByte ? (v >> 8n) & 0xffn : BigInt.asUintN(size * 8, v);
}

/** Register write semantics: 32-bit results zero-extend to 64 bits, 8/16-bit ones merge (SDM Vol. 1 §3.4.1.1). */
function writeReg(regs: GeneralRegisters, reg: number, highByte: boolean, size: number, value: bigint): void {
  const name = REG_NAMES[reg];
  const old = regs[name];
  if (highByte) regs[name] = (old & ~0xff00n) | ((value & 0xffn) << 8n);
  else if (size >= 4) regs[name] = BigInt.asUintN(size * 8, value);
  else {
    const mask = (1n << BigInt(size * 8)) - 1n;
    regs[name] = (old & ~mask) | (value & mask);
  }
}

// RFLAGS bits the logical instructions define (SDM Vol. 2, TEST/AND/OR/XOR: OF = CF = 0; SF, ZF, PF
// from the result; AF undefined — cleared here).
const CF = 1n, PF = 4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, OF = 0x800n, DF = 0x400n;

function logicFlags(rflags: bigint, result: bigint, size: number): bigint {
  let f = rflags & ~(CF | PF | AF | ZF | SF | OF);
  if (result === 0n) f |= ZF;
  if ((result >> BigInt(size * 8 - 1)) & 1n) f |= SF;
  let low = Number(result & 0xffn);
  low ^= low >> 4;
  low ^= low >> 2;
  low ^= low >> 1;
  if ((low & 1) === 0) f |= PF;
  return f | 2n; // bit 1 set so that zx_vcpu_write_state takes the flags (zircon-hypervisor.md §1.8)
}

/** The device side of one MMIO access: values up to 8 bytes as bigints. */
export interface MmioBus {
  read(size: number): bigint;
  write(size: number, value: bigint): void;
}

/**
 * Performs `inst` against the device and returns the registers to write back (or null if the
 * registers are unchanged). `regs` is what zx_vcpu_read_state returned; it is not modified.
 */
export function emulateMmio(inst: MmioInstruction, regs: GeneralRegisters, bus: MmioBus): GeneralRegisters | null {
  const size = inst.accessSize;
  const src = (): bigint => (inst.reg < 0 ? inst.imm : readReg(regs, inst.reg, inst.highByte, size));
  switch (inst.op) {
    case "store": {
      bus.write(size, src());
      if (!inst.stringStore) return null;
      const out = { ...regs };
      const step = BigInt(size);
      // The index moves within its width: DI wraps at 64 KiB (the rest of RDI kept), EDI at 4 GiB
      // (zero-extended into RDI, as 32-bit results are), RDI at 2^64 (Intel SDM Vol. 2 STOS).
      const bits = inst.addressSize * 8;
      const index = BigInt.asUintN(bits, regs.rflags & DF ? regs.rdi - step : regs.rdi + step);
      out.rdi = bits === 16 ? (regs.rdi & ~0xffffn) | index : index;
      return out;
    }
    case "load": {
      let v = bus.read(size);
      if (inst.extend === "sign") v = BigInt.asUintN(inst.regSize * 8, BigInt.asIntN(size * 8, v));
      const out = { ...regs };
      writeReg(out, inst.reg, inst.highByte, inst.regSize, v);
      return out;
    }
    case "test": {
      const result = bus.read(size) & src();
      return { ...regs, rflags: logicFlags(regs.rflags, result, size) };
    }
    default: {
      const mem = bus.read(size);
      const other = src();
      const result = inst.op === "or" ? mem | other : inst.op === "and" ? mem & other : mem ^ other;
      const out = { ...regs, rflags: logicFlags(regs.rflags, result, size) };
      if (inst.toRegister) writeReg(out, inst.reg, inst.highByte, size, result);
      else bus.write(size, result);
      return out;
    }
  }
}
