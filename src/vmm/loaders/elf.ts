/**
 * ELF executables (System V gABI; the i386 and x86-64 psABI supplements): `--boot elf`.
 *
 *   ELF32, EM_386      entered in 32-bit protected mode, flat segments, paging off (the Multiboot machine
 *                      state without the information structure: EAX = EBX = 0).
 *   ELF64, EM_X86_64   entered in 64-bit long mode as Zircon starts its boot VCPU, with identity page
 *                      tables for the first 4 GiB at 0x0-0x1FFF (CR3 = 0).
 * PT_LOAD segments go to their physical addresses (p_paddr), as QEMU's -kernel and GRUB load them; the
 * entry, if it is a virtual address inside a segment, is translated to the physical one.
 * Everything is validated before a plan is returned: a malformed image gets a reason naming the field.
 */
import { fitsRam, hex, identityTables, LONG_MODE_TABLES, overlaps, protectedModeStart, type BootPlan, type MemoryWrite } from "./boot-plan";

const ET_EXEC = 2;
const EM_386 = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;

interface Segment {
  paddr: number;
  /** Virtual addresses may be anywhere in the 64-bit space (kernels link at 0xffffffff8...). */
  vaddr: bigint;
  offset: number;
  filesz: number;
  memsz: number;
}

export interface ElfImage {
  class: 32 | 64;
  entry: bigint;
  segments: Segment[];
}

/** Parses and checks the headers; the result's numbers are exact (addresses above 2^53 are refused). */
export function parseElf(image: Uint8Array): ElfImage | string {
  if (image.length < 52) return `image is too short (${image.length} bytes) for an ELF header`;
  if (image[0] !== 0x7f || image[1] !== 0x45 || image[2] !== 0x4c || image[3] !== 0x46) return "not an ELF file (no \\x7fELF magic)";
  const cls = image[4];
  if (cls !== 1 && cls !== 2) return `unknown ELF class ${cls} (e_ident[EI_CLASS] must be 1 or 2)`;
  if (image[5] !== 1) return "not a little-endian ELF file (e_ident[EI_DATA] must be 1)";
  const is64 = cls === 2;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  const u64 = (o: number): number => {
    const v = dv.getBigUint64(o, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? NaN : Number(v);
  };
  if (is64 && image.length < 64) return `image is too short (${image.length} bytes) for an ELF64 header`;
  const type = u16(16);
  const machine = u16(18);
  if (type !== ET_EXEC) return `e_type is ${type}: only executables (ET_EXEC = 2) can be booted`;
  if (is64 ? machine !== EM_X86_64 : machine !== EM_386) return `e_machine is ${machine}: an ELF${is64 ? 64 : 32} guest must be ${is64 ? "EM_X86_64 (62)" : "EM_386 (3)"}`;
  const entry = is64 ? dv.getBigUint64(24, true) : BigInt(u32(24));
  const phoff = is64 ? u64(32) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  if (phnum === 0) return "no program headers (e_phnum = 0)";
  if (phentsize < (is64 ? 56 : 32)) return `e_phentsize ${phentsize} is too small`;
  if (!Number.isFinite(phoff)) return "e_phoff is beyond 2^53: the program headers run past the end of the image";
  if (phoff + phnum * phentsize > image.length) return `the program headers (e_phoff ${hex(phoff)}, ${phnum} × ${phentsize}) run past the end of the image`;
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (u32(p) !== PT_LOAD) continue;
    const s: Segment = is64
      ? { offset: u64(p + 8), vaddr: dv.getBigUint64(p + 16, true), paddr: u64(p + 24), filesz: u64(p + 32), memsz: u64(p + 40) }
      : { offset: u32(p + 4), vaddr: BigInt(u32(p + 8)), paddr: u32(p + 12), filesz: u32(p + 16), memsz: u32(p + 20) };
    if (![s.offset, s.paddr, s.filesz, s.memsz].every(Number.isFinite)) return `program header ${i}: p_offset, p_paddr, p_filesz or p_memsz is beyond 2^53`;
    if (s.filesz > s.memsz) return `program header ${i}: p_filesz ${hex(s.filesz)} is larger than p_memsz ${hex(s.memsz)}`;
    if (s.offset + s.filesz > image.length) return `program header ${i}: its bytes [${hex(s.offset)}, ${hex(s.offset + s.filesz)}) run past the end of the image (${image.length} bytes)`;
    if (s.memsz > 0) segments.push(s);
  }
  if (segments.length === 0) return "no loadable segment (PT_LOAD with p_memsz > 0)";
  // Sorted by address, two segments overlap only if some neighbours do: O(n log n), where comparing
  // every pair of e_phnum's up to 65535 segments took seconds on a hostile image.
  const byAddress = [...segments].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < byAddress.length; i++) {
    const a = byAddress[i - 1];
    const b = byAddress[i];
    if (overlaps(a.paddr, a.paddr + a.memsz, b.paddr, b.paddr + b.memsz)) return `segments at ${hex(a.paddr)} and ${hex(b.paddr)} overlap`;
  }
  return { class: is64 ? 64 : 32, entry, segments };
}

/** The physical address of `entry`: itself if it is in a segment's physical range, else through p_vaddr. */
function physicalEntry(elf: ElfImage): number | null {
  const e = elf.entry;
  for (const s of elf.segments) if (e >= BigInt(s.paddr) && e < BigInt(s.paddr + s.memsz)) return Number(e);
  for (const s of elf.segments) if (e >= s.vaddr && e < s.vaddr + BigInt(s.memsz)) return Number(e - s.vaddr) + s.paddr;
  return null;
}

export function planElf(image: Uint8Array, opts: { ramBytes: number }): BootPlan | string {
  const elf = parseElf(image);
  if (typeof elf === "string") return elf;
  const writes: MemoryWrite[] = [];
  for (const s of elf.segments) {
    const err = fitsRam(s.paddr, s.memsz, opts.ramBytes, "segment");
    if (err) return err;
    if (elf.class === 64 && overlaps(s.paddr, s.paddr + s.memsz, LONG_MODE_TABLES.base, LONG_MODE_TABLES.end)) {
      return `segment [${hex(s.paddr)}, ${hex(s.paddr + s.memsz)}) overlaps the boot page tables (0x0-0x1fff) a 64-bit start needs`;
    }
    writes.push({ gpa: s.paddr, bytes: image.subarray(s.offset, s.offset + s.filesz) });
    if (s.memsz > s.filesz) writes.push({ gpa: s.paddr + s.filesz, bytes: new Uint8Array(s.memsz - s.filesz) });
  }
  const entry = physicalEntry(elf);
  if (entry === null) return `entry 0x${elf.entry.toString(16)} is in no loadable segment`;
  if (elf.class === 32) {
    const s = protectedModeStart(entry);
    return { writes, vcpuEntry: 0, registers: s.registers, arch: s.arch, describe: `ELF32 in ${s.describe}` };
  }
  writes.push({ gpa: LONG_MODE_TABLES.base, bytes: identityTables() });
  return { writes, vcpuEntry: entry, registers: {}, describe: `ELF64 in 64-bit long mode at ${hex(entry)}` };
}
