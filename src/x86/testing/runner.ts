/**
 * Test harness in the style of 6502.ts's Runner: bytes in, state set, run, assert state and
 * instructions retired. Builds a machine with RAM at guest-physical 0 and helpers for each mode.
 */
import { Cpu } from "../cpu";
import { PhysicalMemory } from "../phys-mem";
import { PERM_READ, PERM_WRITE, PERM_EXECUTE, SegmentState } from "../vtx";
import { nasm } from "../../testing/nasm";

export const RAM_SIZE = 16 * 1024 * 1024;
/** GDT the harness writes for protected/long mode (selectors below). */
export const GDT_BASE = 0x800;
export const SEL_CODE32 = 0x08;
export const SEL_DATA32 = 0x10;
export const SEL_CODE16 = 0x18;
export const SEL_DATA16 = 0x20;
export const SEL_CODE64 = 0x28;
export const SEL_CODE32_R3 = 0x33;
export const SEL_DATA32_R3 = 0x3b;
export const SEL_CODE64_R3 = 0x43;
export const SEL_TSS = 0x48;
export const TSS_BASE = 0x1000;
/** Page tables for long mode live here (PML4, PDPT). */
export const PML4_BASE = 0x10000;

const GDT_ENTRIES: [number, number][] = [
  [0, 0],
  [0x0000ffff, 0x00cf9b00], // 0x08 code32 DPL0
  [0x0000ffff, 0x00cf9300], // 0x10 data32 DPL0
  [0x0000ffff, 0x00009b00], // 0x18 code16
  [0x0000ffff, 0x00009300], // 0x20 data16
  [0x0000ffff, 0x00af9b00], // 0x28 code64 DPL0
  [0x0000ffff, 0x00cffb00], // 0x30 code32 DPL3
  [0x0000ffff, 0x00cff300], // 0x38 data32 DPL3
  [0x0000ffff, 0x00affb00], // 0x40 code64 DPL3
];

export class Runner {
  readonly mem = new PhysicalMemory();
  readonly ram = new Uint8Array(RAM_SIZE);
  readonly cpu: Cpu;
  lastExit = 0;

  constructor() {
    this.mem.map(0, RAM_SIZE, this.ram, 0, PERM_READ | PERM_WRITE | PERM_EXECUTE);
    this.cpu = new Cpu(this.mem);
  }

  /** Assemble NASM source (bits/org supplied by the caller) and load it at `addr`. */
  asm(source: string, addr: number): this {
    this.load(addr, nasm(source));
    return this;
  }

  load(addr: number, bytes: Uint8Array | number[]): this {
    this.ram.set(bytes, addr);
    return this;
  }

  seg(s: number, selector: number, base: number, limit: number, ar: number): this {
    const st: SegmentState = { selector, base: BigInt(base), limit, accessRights: ar };
    this.cpu.setSegment(s, st);
    return this;
  }

  /** Real mode at cs:ip with all data segments = `ds`. */
  real(cs: number, ip: number, ds = 0): this {
    const c = this.cpu;
    c.cr0 = 0x10;
    c.efer = 0;
    for (const s of [0, 2, 3, 4, 5]) this.seg(s, ds, ds << 4, 0xffff, 0x93);
    this.seg(1, cs, cs << 4, 0xffff, 0x9b);
    c.idtrBase = 0n;
    c.idtrLimit = 0x3ff;
    c.setRip(BigInt(ip));
    return this;
  }

  private writeGdt(): void {
    const dv = new DataView(this.ram.buffer);
    GDT_ENTRIES.forEach(([lo, hi], i) => {
      dv.setUint32(GDT_BASE + i * 8, lo, true);
      dv.setUint32(GDT_BASE + i * 8 + 4, hi, true);
    });
    // 0x48: a 64-bit/32-bit available TSS at TSS_BASE, limit 0x67 (+ upper half for 64-bit).
    const base = TSS_BASE;
    dv.setUint32(GDT_BASE + 0x48, ((base & 0xffff) << 16) | 0x67, true);
    dv.setUint32(GDT_BASE + 0x4c, (base & 0xff000000) | 0x8900 | ((base >> 16) & 0xff), true);
    dv.setUint32(GDT_BASE + 0x50, 0, true);
    dv.setUint32(GDT_BASE + 0x54, 0, true);
    this.cpu.gdtrBase = BigInt(GDT_BASE);
    this.cpu.gdtrLimit = 0x57;
  }

  /** 32-bit protected mode, flat segments, paging off (the Multiboot state). */
  flat32(eip: number): this {
    const c = this.cpu;
    this.writeGdt();
    c.cr0 = 0x11;
    c.efer = 0;
    c.cr4 = 0;
    this.seg(1, SEL_CODE32, 0, 0xffffffff, 0xc09b);
    for (const s of [0, 2, 3, 4, 5]) this.seg(s, SEL_DATA32, 0, 0xffffffff, 0xc093);
    this.seg(7, SEL_TSS, TSS_BASE, 0x67, 0x8b);
    c.setRip(BigInt(eip));
    return this;
  }

  /** Identity-map the first 1 GiB with a 1 GiB page (as Zircon's tests do) at PML4_BASE. */
  identityMap1G(): void {
    const dv = new DataView(this.ram.buffer);
    dv.setUint32(PML4_BASE, (PML4_BASE + 0x1000) | 7, true);
    dv.setUint32(PML4_BASE + 0x1000, 0x87, true);
  }

  /** 64-bit long mode with Zircon's BSP state (zircon-hypervisor.md §4.1), identity-mapped RAM. */
  long64(rip: number | bigint): this {
    const c = this.cpu;
    this.writeGdt();
    this.identityMap1G();
    c.cr0 = 0x80000031 | 0;
    c.cr4 = 0x220;
    c.efer = 0xd01;
    c.cr3 = BigInt(PML4_BASE);
    this.seg(1, SEL_CODE64, 0, 0xffff, 0x209b);
    for (const s of [0, 2, 3, 4, 5]) this.seg(s, 0, 0, 0xffff, 0x93);
    this.seg(7, SEL_TSS, TSS_BASE, 0x67, 0x8b);
    c.setRip(BigInt(rip));
    return this;
  }

  reg(index: number, value: number | bigint): this {
    this.cpu.setRegister(index, BigInt(value));
    return this;
  }

  r(index: number): bigint {
    return this.cpu.getRegister(index);
  }

  /** Low 32 bits of a register as an unsigned number. */
  r32(index: number): number {
    return Number(this.cpu.getRegister(index) & 0xffffffffn);
  }

  run(budget = 1_000_000): number {
    this.lastExit = this.cpu.run(budget);
    return this.lastExit;
  }

  /** Run until HLT (exit 4), returning the exit reason seen. */
  runToHlt(budget = 1_000_000): number {
    return this.run(budget);
  }

  rip(): number {
    return Number(BigInt.asIntN(64, this.cpu.getRip()));
  }

  u8(addr: number): number {
    return this.ram[addr];
  }

  u16(addr: number): number {
    return this.ram[addr] | (this.ram[addr + 1] << 8);
  }

  u32(addr: number): number {
    return (this.ram[addr] | (this.ram[addr + 1] << 8) | (this.ram[addr + 2] << 16) | (this.ram[addr + 3] << 24)) >>> 0;
  }

  w32(addr: number, v: number): this {
    new DataView(this.ram.buffer).setUint32(addr, v >>> 0, true);
    return this;
  }

  w64(addr: number, v: bigint): this {
    new DataView(this.ram.buffer).setBigUint64(addr, BigInt.asUintN(64, v), true);
    return this;
  }
}
