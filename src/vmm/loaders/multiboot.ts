/**
 * Multiboot v1 (Multiboot Specification 0.6.96) boot of ELF32 and a.out-kludge kernels, laid out the
 * way QEMU's `-kernel` does it (hw/i386/multiboot.c + pc-bios/optionrom/multiboot.S, QEMU 7.2 with
 * SeaBIOS), so that a kernel sees the same information under hvplay and under QEMU:
 *   - the memory map at 0x9000 (six entries, as SeaBIOS's E820 reports them) and the information
 *     structure at 0x9500;
 *   - flags MEM | BOOT_DEVICE | CMDLINE | MODS | MMAP | LOADER_NAME (0x24F), mem_lower = 639 (SeaBIOS
 *     keeps 1 KiB for its EBDA), mem_upper = RAM from 1 MiB to the 128 KiB SeaBIOS reserves at the top,
 *     boot_device 0x8000FFFF;
 *   - the command line `"<image name> <cmdline>"` (QEMU formats "%s %s" with the kernel's file name and
 *     -append, so the trailing space is there with an empty -append), followed by the boot loader name,
 *     in the page after the kernel's last byte, after the module entries (mods_addr); the modules on
 *     the following pages, each page-aligned (QEMU's -initrd "file args,file2").
 * Differences, on purpose: the boot loader name is "hvplay", not "qemu"; header flag bits 3-15
 * (requirements this loader does not know) are refused, as the specification §3.1.2 says, where QEMU
 * ignores them.
 *
 * Everything is validated before anything is written: `planMultiboot` returns either a complete plan
 * or a readable reason.
 */

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** The header must lie entirely within the image's first 8192 bytes (spec §3.1.1). */
const HEADER_SEARCH = 8192;
const HEADER_FLAG_ALIGN = 1 << 0;
const HEADER_FLAG_MEMINFO = 1 << 1;
const HEADER_FLAG_VIDEO = 1 << 2;
const HEADER_FLAG_AOUT_KLUDGE = 1 << 16;

// Where QEMU puts things (hw/i386/multiboot.c: MULTIBOOT_STRUCT_ADDR 0x9000, ADDR_MBI = +0x500).
export const MMAP_ADDR = 0x9000;
export const INFO_ADDR = 0x9500;
const INFO_SIZE = 88;
const INFO_FLAGS = 0x24f; // MEMORY | BOOT_DEVICE | CMDLINE | MODULES | MMAP | BOOTLOADER
const BOOT_DEVICE = 0x8000ffff;
const MEM_LOWER_KIB = 639;
const BOOTLOADER_NAME = "hvplay";

// The VMM's own low-memory areas (see multiboot-trampoline.asm); a kernel may not be loaded over them.
export const PAGE_TABLES = { base: 0x0, end: 0x2000 };
export const TRAMPOLINE_BASE = 0x7000;
export const TRAMPOLINE_ENTRY = 0x7030;
const RESERVED: Array<{ base: number; end: number; what: string }> = [
  { base: PAGE_TABLES.base, end: PAGE_TABLES.end, what: "the boot page tables (0x0-0x1fff)" },
  { base: TRAMPOLINE_BASE, end: TRAMPOLINE_BASE + 0x1000, what: "the boot trampoline (0x7000-0x7fff)" },
  { base: MMAP_ADDR, end: MMAP_ADDR + 0x1000, what: "the Multiboot information (0x9000-0x9fff)" },
  { base: 0x9fc00, end: 0x100000, what: "the legacy EBDA/VGA/BIOS area (0x9fc00-0xfffff)" },
];

/** A piece of the kernel image: `data` goes at `gpa`, then zeroes up to `memSize`. */
export interface LoadSegment {
  gpa: number;
  data: Uint8Array;
  memSize: number;
}

export interface MultibootKernel {
  format: "elf32" | "aout-kludge";
  /** Offset of the Multiboot header in the file. */
  headerOffset: number;
  headerFlags: number;
  entry: number;
  segments: LoadSegment[];
  /** Lowest and highest (exclusive) guest-physical address the kernel occupies, bss included. */
  low: number;
  high: number;
}

const hex = (n: number) => "0x" + n.toString(16);

/** Finds and checks the Multiboot header, then reads the image as ELF32 or through the a.out kludge. */
export function parseMultiboot(image: Uint8Array): MultibootKernel | string {
  if (image.length < 12) return `image is too short (${image.length} bytes) to hold a Multiboot header`;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const u32 = (off: number) => dv.getUint32(off, true);
  let at = -1;
  let sawMagic = false;
  for (let i = 0; i + 12 <= Math.min(image.length, HEADER_SEARCH); i += 4) {
    if (u32(i) !== MULTIBOOT_HEADER_MAGIC) continue;
    sawMagic = true;
    if (((u32(i) + u32(i + 4) + u32(i + 8)) >>> 0) === 0) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    return sawMagic
      ? "Multiboot header checksum is wrong (magic + flags + checksum must be 0 mod 2^32)"
      : "no Multiboot header (magic 0x1badb002, 4-byte aligned) in the first 8192 bytes";
  }
  const flags = u32(at + 4);
  const unknown = flags & 0xffff & ~(HEADER_FLAG_ALIGN | HEADER_FLAG_MEMINFO | HEADER_FLAG_VIDEO);
  if (unknown) return `Multiboot header requires features this loader does not provide (flags ${hex(unknown)})`;
  return flags & HEADER_FLAG_AOUT_KLUDGE ? parseAoutKludge(image, dv, at, flags) : parseElf32(image, dv, at, flags);
}

function parseAoutKludge(image: Uint8Array, dv: DataView, at: number, flags: number): MultibootKernel | string {
  if (at + 32 > image.length) return "Multiboot header with the address fields (flag 16) runs past the end of the image";
  const u32 = (off: number) => dv.getUint32(off, true);
  const headerAddr = u32(at + 12);
  const loadAddr = u32(at + 16);
  const loadEndAddr = u32(at + 20);
  const bssEndAddr = u32(at + 24);
  const entry = u32(at + 28);
  if (headerAddr < loadAddr) return `a.out kludge: header_addr ${hex(headerAddr)} is below load_addr ${hex(loadAddr)}`;
  const textOffset = at - (headerAddr - loadAddr);
  if (textOffset < 0) return `a.out kludge: header_addr - load_addr (${hex(headerAddr - loadAddr)}) exceeds the header's file offset ${hex(at)}`;
  let loadSize: number;
  if (loadEndAddr !== 0) {
    if (loadEndAddr < loadAddr) return `a.out kludge: load_end_addr ${hex(loadEndAddr)} is below load_addr ${hex(loadAddr)}`;
    loadSize = loadEndAddr - loadAddr;
    if (textOffset + loadSize > image.length) return `a.out kludge: load_end_addr ${hex(loadEndAddr)} asks for ${loadSize} bytes but the file has ${image.length - textOffset} after the text offset`;
  } else {
    loadSize = image.length - textOffset;
  }
  let memSize = loadSize;
  if (bssEndAddr !== 0) {
    if (bssEndAddr < loadAddr + loadSize) return `a.out kludge: bss_end_addr ${hex(bssEndAddr)} is below the end of the loaded image ${hex(loadAddr + loadSize)}`;
    memSize = bssEndAddr - loadAddr;
  }
  if (loadAddr + memSize > 2 ** 32) return "a.out kludge: the kernel does not fit below 4 GiB";
  if (entry < loadAddr || entry >= loadAddr + Math.max(loadSize, 1)) return `entry point ${hex(entry)} is outside the loaded image [${hex(loadAddr)}, ${hex(loadAddr + loadSize)})`;
  return {
    format: "aout-kludge", headerOffset: at, headerFlags: flags, entry,
    segments: [{ gpa: loadAddr, data: image.subarray(textOffset, textOffset + loadSize), memSize }],
    low: loadAddr, high: loadAddr + memSize,
  };
}

// ELF32 (System V ABI; Intel386 supplement).
const EM_386 = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;

function parseElf32(image: Uint8Array, dv: DataView, at: number, flags: number): MultibootKernel | string {
  if (image.length < 52 || image[0] !== 0x7f || image[1] !== 0x45 || image[2] !== 0x4c || image[3] !== 0x46) {
    return "Multiboot header without the address fields (flag 16), and the image is not ELF";
  }
  const u16 = (off: number) => dv.getUint16(off, true);
  const u32 = (off: number) => dv.getUint32(off, true);
  if (image[4] === 2 || (image.length >= 20 && u16(18) === EM_X86_64)) return "ELF64 (x86-64) image: Multiboot v1 loads 32-bit ELF only (QEMU: give a 32-bit one)";
  if (image[4] !== 1) return `ELF class ${image[4]} is not ELFCLASS32`;
  if (image[5] !== 1) return "ELF image is not little-endian";
  if (u16(18) !== EM_386) return `ELF machine ${u16(18)} is not EM_386 (3)`;
  const phoff = u32(28);
  const phentsize = u16(42);
  const phnum = u16(44);
  if (phnum === 0) return "ELF image has no program headers";
  if (phentsize < 32) return `ELF program header size ${phentsize} is smaller than 32`;
  if (phoff + phnum * phentsize > image.length) return "ELF program header table runs past the end of the image";
  const segments: LoadSegment[] = [];
  const vaddrs: number[] = [];
  /** Each segment's program header index, for messages. */
  const indices: number[] = [];
  for (let k = 0; k < phnum; k++) {
    const ph = phoff + k * phentsize;
    if (u32(ph) !== PT_LOAD) continue;
    const offset = u32(ph + 4);
    const vaddr = u32(ph + 8);
    const paddr = u32(ph + 12);
    const filesz = u32(ph + 16);
    const memsz = u32(ph + 20);
    if (memsz === 0) continue;
    if (filesz > memsz) return `ELF segment ${k}: p_filesz ${hex(filesz)} exceeds p_memsz ${hex(memsz)}`;
    if (offset + filesz > image.length) return `ELF segment ${k}: file bytes [${hex(offset)}, ${hex(offset + filesz)}) run past the end of the image (${image.length} bytes)`;
    if (paddr + memsz > 2 ** 32) return `ELF segment ${k}: [${hex(paddr)}, +${hex(memsz)}) does not fit below 4 GiB`;
    segments.push({ gpa: paddr, data: image.subarray(offset, offset + filesz), memSize: memsz });
    vaddrs.push(vaddr);
    indices.push(k);
  }
  if (segments.length === 0) return "ELF image has no loadable (PT_LOAD) segment";
  // Sorted by address, two segments overlap only if some neighbours do: O(n log n), where comparing
  // every pair of e_phnum's up to 65535 segments took seconds on a hostile image.
  const order = segments.map((_, j) => j).sort((a, b) => segments[a].gpa - segments[b].gpa);
  for (let j = 1; j < order.length; j++) {
    const a = segments[order[j - 1]];
    const b = segments[order[j]];
    if (b.gpa < a.gpa + a.memSize) {
      const [first, second] = order[j - 1] < order[j] ? [order[j - 1], order[j]] : [order[j], order[j - 1]];
      return `ELF segment ${indices[second]} at ${hex(segments[second].gpa)} overlaps another segment at ${hex(segments[first].gpa)}`;
    }
  }
  // e_entry is a virtual address; Multiboot loaders run the kernel with paging off, so translate it
  // through the segment that contains it (identical for kernels linked at their load address).
  const eEntry = u32(24);
  let entry = -1;
  segments.forEach((s, k) => {
    if (eEntry >= vaddrs[k] && eEntry < vaddrs[k] + Math.max(s.data.length, 1)) entry = s.gpa + (eEntry - vaddrs[k]);
  });
  if (entry < 0) return `entry point ${hex(eEntry)} is not inside a loaded segment's file bytes`;
  // A loop rather than Math.min(...list): up to 65535 arguments is near the engine's limit.
  let low = Infinity;
  let high = 0;
  for (const s of segments) {
    low = Math.min(low, s.gpa);
    high = Math.max(high, s.gpa + s.memSize);
  }
  return { format: "elf32", headerOffset: at, headerFlags: flags, entry, segments, low, high };
}

/** One write into guest memory. */
export interface MemoryWrite {
  gpa: number;
  bytes: Uint8Array;
}

export interface MultibootPlan {
  kernel: MultibootKernel;
  /** Everything to put in guest RAM, in order (zero ranges are explicit writes of zeroes). */
  writes: MemoryWrite[];
  /** Where the boot VCPU starts (the trampoline) and the registers it expects. */
  vcpuEntry: number;
  /** RSI = the kernel's entry, RBP = the information's address (see multiboot-trampoline.asm). */
  registers: { rsi: number; rbp: number };
  infoAddr: number;
  cmdline: string;
}

/** A Multiboot module (QEMU: one entry of -initrd "file args,file2"): its bytes and its string. */
export interface MultibootModule {
  data: Uint8Array;
  /** The module's string as the kernel sees it (QEMU: the -initrd entry as given, "file args"). */
  string: string;
}

export interface MultibootOptions {
  ramBytes: number;
  /** Modules, in order (QEMU's -initrd list). */
  modules?: MultibootModule[];
  /** QEMU's -append. */
  cmdline?: string;
  /** The kernel's file name, which QEMU puts first on the command line. */
  imageName?: string;
  /** The trampoline's bytes (multiboot-trampoline.generated.ts), placed at TRAMPOLINE_BASE. */
  trampoline: Uint8Array;
}

/** The E820 map SeaBIOS reports to QEMU's multiboot ROM for `ramBytes` of RAM (below 3.5 GiB). */
export function e820Map(ramBytes: number): Array<{ base: number; length: number; type: number }> {
  const top = ramBytes - 0x20000;
  return [
    { base: 0, length: 0x9fc00, type: 1 },
    { base: 0x9fc00, length: 0x400, type: 2 },
    { base: 0xf0000, length: 0x10000, type: 2 },
    { base: 0x100000, length: top - 0x100000, type: 1 },
    { base: top, length: 0x20000, type: 2 },
    { base: 0xfffc0000, length: 0x40000, type: 2 },
  ];
}

const align4k = (n: number) => Math.ceil(n / 4096) * 4096;

/** Validates `image` against the machine and plans every write; nothing is touched. */
export function planMultiboot(image: Uint8Array, opts: MultibootOptions): MultibootPlan | string {
  if (opts.ramBytes < 2 * 1024 * 1024) return "Multiboot needs at least 2 MiB of guest RAM";
  const kernel = parseMultiboot(image);
  if (typeof kernel === "string") return kernel;
  const usableTop = opts.ramBytes - 0x20000; // SeaBIOS's reserved top 128 KiB stays out of the kernel's way
  for (const s of kernel.segments) {
    const end = s.gpa + s.memSize;
    if (end > usableTop) return `kernel range [${hex(s.gpa)}, ${hex(end)}) does not fit in guest RAM (${opts.ramBytes / 1048576} MiB; usable up to ${hex(usableTop)})`;
    for (const r of RESERVED) {
      if (s.gpa < r.end && r.base < end) return `kernel range [${hex(s.gpa)}, ${hex(end)}) overlaps ${r.what}`;
    }
  }
  if (kernel.entry < TRAMPOLINE_BASE + 0x1000 && kernel.entry >= TRAMPOLINE_BASE) return "entry point inside the boot trampoline";

  // QEMU's layout (hw/i386/multiboot.c): after the kernel, page-aligned, the module entries (16 bytes
  // each), then the strings — every module's, then the kernel's command line, then the boot loader's
  // name; then, each on a page of its own, the modules.
  const enc = new TextEncoder();
  const cmdline = `${opts.imageName ?? "kernel"} ${opts.cmdline ?? ""}`;
  const modules = opts.modules ?? [];
  const cmdBytes = enc.encode(cmdline);
  const nameBytes = enc.encode(BOOTLOADER_NAME);
  const modStrings = modules.map((m) => enc.encode(m.string));
  if (cmdBytes.includes(0)) return "command line contains a NUL byte";
  if (modStrings.some((b) => b.includes(0))) return "a module string contains a NUL byte";
  const entriesAddr = kernel.low + align4k(kernel.high - kernel.low);
  const entriesSize = modules.length * 16;
  let stringsLen = 0;
  for (const b of modStrings) stringsLen += b.length + 1;
  stringsLen += cmdBytes.length + 1 + nameBytes.length + 1;
  const area = new Uint8Array(entriesSize + stringsLen);
  const adv = new DataView(area.buffer);
  let at = entriesSize;
  const modStringAddr: number[] = [];
  for (const b of modStrings) {
    modStringAddr.push(entriesAddr + at);
    area.set(b, at);
    at += b.length + 1;
  }
  const cmdlineAddr = entriesAddr + at;
  area.set(cmdBytes, at);
  at += cmdBytes.length + 1;
  const loaderNameAddr = entriesAddr + at;
  area.set(nameBytes, at);
  let next = align4k(entriesAddr + area.length);
  const moduleWrites: MemoryWrite[] = [];
  modules.forEach((m, k) => {
    adv.setUint32(k * 16, next, true); // mod_start
    adv.setUint32(k * 16 + 4, next + m.data.length, true); // mod_end
    adv.setUint32(k * 16 + 8, modStringAddr[k], true); // string
    moduleWrites.push({ gpa: next, bytes: m.data });
    next = align4k(next + m.data.length);
  });
  if (next > usableTop) return `no room in guest RAM after the kernel for the Multiboot ${modules.length ? "modules" : "command line"} (they would end at ${hex(next)})`;

  const map = e820Map(opts.ramBytes);
  const mmap = new Uint8Array(map.length * 24);
  const mdv = new DataView(mmap.buffer);
  map.forEach((e, k) => {
    // Each entry: size (20, not counting itself), base_addr u64, length u64, type (spec §3.3).
    mdv.setUint32(k * 24, 20, true);
    mdv.setBigUint64(k * 24 + 4, BigInt(e.base), true);
    mdv.setBigUint64(k * 24 + 12, BigInt(e.length), true);
    mdv.setUint32(k * 24 + 20, e.type, true);
  });
  const info = new Uint8Array(INFO_SIZE);
  const idv = new DataView(info.buffer);
  idv.setUint32(0, INFO_FLAGS, true);
  idv.setUint32(4, MEM_LOWER_KIB, true);
  idv.setUint32(8, (map[3].base + map[3].length - 0x100000) / 1024, true); // mem_upper: 1 MiB to the first hole
  idv.setUint32(12, BOOT_DEVICE, true);
  idv.setUint32(16, cmdlineAddr, true); // cmdline
  idv.setUint32(20, modules.length, true); // mods_count
  idv.setUint32(24, entriesAddr, true); // mods_addr (where QEMU puts them even when there are none)
  idv.setUint32(44, mmap.length, true); // mmap_length
  idv.setUint32(48, MMAP_ADDR, true); // mmap_addr
  idv.setUint32(64, loaderNameAddr, true); // boot_loader_name

  // The identity map the trampoline runs on: PML4[0] → PDPT at 0x1000, PDPT[0] = 1 GiB page at 0
  // (P|RW|U|PS), exactly the tables of Zircon's hypervisor tests (zircon-hypervisor.md §4.1).
  const tables = new Uint8Array(PAGE_TABLES.end);
  const tdv = new DataView(tables.buffer);
  tdv.setBigUint64(0x0, 0x1007n, true);
  tdv.setBigUint64(0x1000, 0x87n, true);

  const writes: MemoryWrite[] = [];
  for (const s of kernel.segments) {
    writes.push({ gpa: s.gpa, bytes: s.data });
    if (s.memSize > s.data.length) writes.push({ gpa: s.gpa + s.data.length, bytes: new Uint8Array(s.memSize - s.data.length) });
  }
  writes.push({ gpa: PAGE_TABLES.base, bytes: tables });
  writes.push({ gpa: TRAMPOLINE_BASE, bytes: opts.trampoline });
  writes.push({ gpa: MMAP_ADDR, bytes: mmap });
  writes.push({ gpa: INFO_ADDR, bytes: info });
  writes.push({ gpa: entriesAddr, bytes: area });
  writes.push(...moduleWrites);
  return {
    kernel, writes, vcpuEntry: TRAMPOLINE_ENTRY, registers: { rsi: kernel.entry, rbp: INFO_ADDR }, infoAddr: INFO_ADDR, cmdline,
  };
}
