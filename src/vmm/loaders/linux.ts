/**
 * The Linux x86 boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst, "64-bit BOOT PROTOCOL";
 * Fuchsia's VMM does the same in src/virtualization/bin/vmm/arch/x64/linux.cc): `--boot linux`.
 *
 * The bzImage's setup header is checked (boot flag 0xAA55, "HdrS", protocol >= 2.12 with
 * XLF_KERNEL_64), the protected-mode kernel (the file after the (setup_sects + 1) × 512-byte real-mode
 * part) is placed at its preferred address, and the VCPU starts in Zircon's 64-bit boot state at
 * load + 0x200 with RSI = the boot_params ("zero page"): the header copied in, type_of_loader 0xFF,
 * the command line, the initrd and an E820 map. Identity page tables for the first 4 GiB sit at
 * 0x0-0x1FFF (CR3 = 0), as for every 64-bit start here.
 *
 * With `rngSeed`, the boot_params' setup_data list holds one SETUP_RNG_SEED entry (at 0x30000): the
 * kernel mixes it into its entropy pool and credits it (random.trust_bootloader), as it does the seed
 * QEMU and EFI boot loaders pass, so its RNG is ready from the start of setup_arch. Without it, the
 * kernel has no trusted entropy until late in its boot (the emulated CPU has no RDRAND), and until
 * then every get_random_bytes() hashes the whole input pool: 6 % of the instructions to the shell.
 *
 * Guest-physical layout: page tables 0x0-0x1FFF, boot_params 0x7000, command line 0x20000, setup_data 0x30000, ACPI tables
 * at 0xE0000 (acpi.ts; boot_params.acpi_rsdp_addr points at the RSDP, and Linux's scan of the BIOS area
 * finds it too), kernel at pref_address (normally 0x1000000), initrd at the top of RAM below
 * initrd_addr_max.
 *
 * The kernel may also be the uncompressed vmlinux (ELF64) that the bzImage carries compressed: its
 * segments go to their physical addresses and the VCPU starts at e_entry (startup_64) in the same
 * state, with a setup header written by the loader in boot_params (a vmlinux has none).
 */
import { buildAcpiTables, type AcpiConfig } from "../acpi";
import { parseElf } from "./elf";
import { fitsRam, hex, identityTables, LONG_MODE_TABLES, overlaps, type BootPlan, type MemoryWrite } from "./boot-plan";

export const ZERO_PAGE = 0x7000;
export const CMDLINE_ADDR = 0x20000;
const CMDLINE_MAX = 0x10000;
/** Where the setup_data list goes (after the command line's 64 KiB; boot.rst "Details of Header Fields", setup_data). */
export const SETUP_DATA_ADDR = 0x30000;
/** setup_data type of a random seed (arch/x86/include/uapi/asm/bootparam.h). */
export const SETUP_RNG_SEED = 9;
/** The most seed bytes passed (the kernel takes any length; 32 bytes are 256 bits, a full reseed). */
export const RNG_SEED_MAX = 256;

// Offsets in the setup header / boot_params (boot.rst "THE REAL-MODE KERNEL HEADER", zero-page.rst).
const OFF_SETUP_SECTS = 0x1f1;
const OFF_BOOT_FLAG = 0x1fe;
const OFF_HEADER = 0x202;
const OFF_VERSION = 0x206;
const OFF_TYPE_OF_LOADER = 0x210;
const OFF_LOADFLAGS = 0x211;
const OFF_CODE32_START = 0x214;
const OFF_RAMDISK_IMAGE = 0x218;
const OFF_RAMDISK_SIZE = 0x21c;
const OFF_CMD_LINE_PTR = 0x228;
const OFF_INITRD_ADDR_MAX = 0x22c;
const OFF_KERNEL_ALIGNMENT = 0x230;
const OFF_RELOCATABLE = 0x234;
const OFF_XLOADFLAGS = 0x236;
const OFF_CMDLINE_SIZE = 0x238;
const OFF_PREF_ADDRESS = 0x258;
const OFF_SETUP_DATA = 0x250;
const OFF_INIT_SIZE = 0x260;
const OFF_ACPI_RSDP_ADDR = 0x070;
const OFF_EXT_RAMDISK_IMAGE = 0x0c0;
const OFF_EXT_RAMDISK_SIZE = 0x0c4;
const OFF_EXT_CMD_LINE_PTR = 0x0c8;
const OFF_E820_ENTRIES = 0x1e8;
const OFF_E820_TABLE = 0x2d0;
const HDRS = 0x53726448;
const XLF_KERNEL_64 = 1;
const LOADED_HIGH = 1;
const E820_RAM = 1;
const E820_RESERVED = 2;

export interface LinuxOptions {
  ramBytes: number;
  cmdline?: string;
  initrd?: Uint8Array;
  /** The machine the ACPI tables describe (default: one CPU, IO-APIC 0 at 0xFEC00000). */
  acpi?: AcpiConfig;
  /** Bytes for a SETUP_RNG_SEED setup_data entry (1 to RNG_SEED_MAX); none without. */
  rngSeed?: Uint8Array;
}

export const DEFAULT_ACPI: AcpiConfig = { ioApicAddress: 0xfec00000, ioApicId: 0, cpus: 1 };

/** The E820 map the guest gets: low RAM, the legacy hole (EBDA, VGA, BIOS), RAM from 1 MiB. */
export function linuxE820(ramBytes: number): Array<{ base: number; length: number; type: number }> {
  return [
    { base: 0, length: 0x9fc00, type: E820_RAM },
    { base: 0x9fc00, length: 0x100000 - 0x9fc00, type: E820_RESERVED },
    { base: 0x100000, length: ramBytes - 0x100000, type: E820_RAM },
  ];
}

/** Where the kernel sits and how it is entered: the bzImage's or the vmlinux's part of a plan. */
interface KernelPlacement {
  /** The kernel's bytes in guest memory. */
  writes: MemoryWrite[];
  /** The guest-physical range the kernel occupies once running (init_size, or the segments' end). */
  start: number;
  end: number;
  entry: number;
  /** The boot_params to fill in: the setup header already in place. */
  zero: Uint8Array;
  cmdlineSize: number;
  initrdAddrMax: number;
  describe: string;
}

/**
 * Boots Linux by the 64-bit boot protocol from a bzImage or from the uncompressed vmlinux (an ELF64
 * executable, as Firecracker and Cloud Hypervisor boot it). A vmlinux skips the kernel's own
 * decompressor (for Debian's XZ kernel, three quarters of the instructions to the shell); the kernel
 * itself is the same. The boot_params then carry a setup header written here, since a vmlinux has none.
 */
export function planLinux(image: Uint8Array, opts: LinuxOptions): BootPlan | string {
  const placed = isElf(image) ? placeVmlinux(image, opts) : placeBzImage(image, opts);
  if (typeof placed === "string") return placed;
  const { zero } = placed;
  const zdv = new DataView(zero.buffer);

  const cmdBytes = new TextEncoder().encode(opts.cmdline ?? "");
  if (cmdBytes.includes(0)) return "command line contains a NUL byte";
  if (cmdBytes.length > Math.min(placed.cmdlineSize, CMDLINE_MAX - 1)) return `command line is ${cmdBytes.length} bytes; this kernel takes at most ${placed.cmdlineSize}`;
  zero[OFF_TYPE_OF_LOADER] = 0xff; // "undefined" boot loader
  zdv.setUint32(OFF_CMD_LINE_PTR, CMDLINE_ADDR, true);
  zdv.setUint32(OFF_EXT_CMD_LINE_PTR, 0, true);

  const writes: MemoryWrite[] = [{ gpa: LONG_MODE_TABLES.base, bytes: identityTables() }, ...placed.writes];
  if (opts.initrd && opts.initrd.length > 0) {
    const max = Math.min(placed.initrdAddrMax, opts.ramBytes - 1);
    const size = opts.initrd.length;
    const at = Math.floor((max + 1 - size) / 4096) * 4096;
    if (at < placed.end) return `the initrd (${size} bytes) does not fit between the kernel and ${hex(max + 1)}; give the guest more memory (--mem)`;
    writes.push({ gpa: at, bytes: opts.initrd });
    zdv.setUint32(OFF_RAMDISK_IMAGE, at, true);
    zdv.setUint32(OFF_RAMDISK_SIZE, size, true);
    zdv.setUint32(OFF_EXT_RAMDISK_IMAGE, 0, true);
    zdv.setUint32(OFF_EXT_RAMDISK_SIZE, 0, true);
  }
  if (opts.rngSeed !== undefined) {
    const n = opts.rngSeed.length;
    if (n === 0 || n > RNG_SEED_MAX) return `the RNG seed is ${n} bytes; 1 to ${RNG_SEED_MAX} are passed`;
    // struct setup_data { u64 next; u32 type; u32 len; u8 data[]; }: one entry, the end of the list.
    const entry = new Uint8Array(16 + n);
    const edv = new DataView(entry.buffer);
    edv.setBigUint64(0, 0n, true);
    edv.setUint32(8, SETUP_RNG_SEED, true);
    edv.setUint32(12, n, true);
    entry.set(opts.rngSeed, 16);
    writes.push({ gpa: SETUP_DATA_ADDR, bytes: entry });
    zdv.setBigUint64(OFF_SETUP_DATA, BigInt(SETUP_DATA_ADDR), true); // boot protocol 2.09+
  }
  const map = linuxE820(opts.ramBytes);
  zero[OFF_E820_ENTRIES] = map.length;
  map.forEach((e, i) => {
    const o = OFF_E820_TABLE + i * 20;
    zdv.setBigUint64(o, BigInt(e.base), true);
    zdv.setBigUint64(o + 8, BigInt(e.length), true);
    zdv.setUint32(o + 16, e.type, true);
  });
  const acpi = buildAcpiTables(opts.acpi ?? DEFAULT_ACPI);
  writes.push({ gpa: acpi.rsdp, bytes: acpi.bytes });
  zdv.setBigUint64(OFF_ACPI_RSDP_ADDR, BigInt(acpi.rsdp), true); // boot protocol 2.14+; older kernels scan for it
  writes.push({ gpa: ZERO_PAGE, bytes: zero });
  const cmd = new Uint8Array(cmdBytes.length + 1);
  cmd.set(cmdBytes);
  writes.push({ gpa: CMDLINE_ADDR, bytes: cmd });
  return { writes, vcpuEntry: placed.entry, registers: { rsi: ZERO_PAGE }, describe: placed.describe };
}

function isElf(image: Uint8Array): boolean {
  return image.length >= 4 && image[0] === 0x7f && image[1] === 0x45 && image[2] === 0x4c && image[3] === 0x46;
}

/** A bzImage: its protected-mode kernel at the preferred address, entered at +0x200. */
function placeBzImage(image: Uint8Array, opts: LinuxOptions): KernelPlacement | string {
  if (image.length < 0x400) return `image is too short (${image.length} bytes) to be a bzImage`;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (dv.getUint16(OFF_BOOT_FLAG, true) !== 0xaa55) return "no boot flag 0xAA55 at 0x1fe: not a Linux bzImage";
  if (dv.getUint32(OFF_HEADER, true) !== HDRS) return 'no "HdrS" signature at 0x202: not a Linux bzImage (or a protocol older than 2.00)';
  const version = dv.getUint16(OFF_VERSION, true);
  if (version < 0x20c) return `boot protocol ${version >> 8}.${(version & 0xff).toString().padStart(2, "0")} is too old: the 64-bit entry needs 2.12 or later`;
  if (!(dv.getUint16(OFF_XLOADFLAGS, true) & XLF_KERNEL_64)) return "the kernel has no 64-bit entry point (XLF_KERNEL_64 clear in xloadflags)";
  if (!(image[OFF_LOADFLAGS] & LOADED_HIGH)) return "the kernel is not a bzImage (LOADED_HIGH clear in loadflags)";
  const setupSects = image[OFF_SETUP_SECTS] || 4;
  const kernelOffset = (setupSects + 1) * 512;
  if (kernelOffset >= image.length) return `setup_sects ${setupSects} puts the kernel past the end of the image`;
  const kernel = image.subarray(kernelOffset);
  // The 64-bit entry is at +0x200 of the protected-mode kernel (boot.rst, "64-bit BOOT PROTOCOL").
  if (kernel.length <= 0x200) return `the protected-mode kernel (${kernel.length} bytes after the ${setupSects + 1} setup sectors) is too short to hold the 64-bit entry at +0x200`;
  const headerEnd = OFF_HEADER + image[0x201];

  // Where the kernel goes: pref_address for a relocatable kernel aligned as it asks, else code32_start.
  const align = dv.getUint32(OFF_KERNEL_ALIGNMENT, true) || 0x200000;
  const pref = Number(dv.getBigUint64(OFF_PREF_ADDRESS, true));
  let load = image[OFF_RELOCATABLE] && pref ? pref : dv.getUint32(OFF_CODE32_START, true) || 0x100000;
  if (image[OFF_RELOCATABLE] && load % align !== 0) load += align - (load % align);
  const initSize = Math.max(dv.getUint32(OFF_INIT_SIZE, true), kernel.length);
  const kErr = fitsRam(load, initSize, opts.ramBytes, "kernel (init_size)");
  if (kErr) return kErr;
  if (overlaps(load, load + initSize, 0, 0x100000)) return `kernel at ${hex(load)} would overlap low memory`;

  const zero = new Uint8Array(4096);
  const zdv = new DataView(zero.buffer);
  zero.set(image.subarray(OFF_SETUP_SECTS, headerEnd), OFF_SETUP_SECTS);
  zdv.setUint32(OFF_CODE32_START, load, true);
  const entry = load + 0x200;
  return {
    writes: [{ gpa: load, bytes: kernel }],
    start: load,
    end: load + initSize,
    entry,
    zero,
    cmdlineSize: version >= 0x206 ? dv.getUint32(OFF_CMDLINE_SIZE, true) : 255,
    initrdAddrMax: dv.getUint32(OFF_INITRD_ADDR_MAX, true) || 0x37ffffff,
    describe: `Linux (boot protocol ${version >> 8}.${(version & 0xff).toString().padStart(2, "0")}) 64-bit entry at ${hex(entry)}`,
  };
}

/**
 * The boot protocol version written into a vmlinux's boot_params: 2.15, the header of the kernels
 * this loader is for (5.5 and later). A vmlinux carries no setup header of its own.
 */
const VMLINUX_PROTOCOL = 0x20f;
const VMLINUX_CMDLINE_SIZE = 2047;
const VMLINUX_INITRD_ADDR_MAX = 0x7fffffff;

/**
 * An uncompressed vmlinux: its PT_LOAD segments at their physical addresses (the kernel is linked to
 * run at LOAD_PHYSICAL_ADDR, normally 16 MiB), entered at e_entry (startup_64, a physical address).
 */
function placeVmlinux(image: Uint8Array, opts: LinuxOptions): KernelPlacement | string {
  const elf = parseElf(image);
  if (typeof elf === "string") return `${elf} (a Linux kernel is a bzImage or an ELF64 vmlinux)`;
  if (elf.class !== 64) return "an ELF kernel for the 64-bit boot protocol must be ELF64 (vmlinux of an x86-64 kernel)";
  const loads = elf.segments.filter((seg) => seg.memsz > 0);
  if (loads.length === 0) return "the vmlinux has no PT_LOAD segment with contents";
  let start = Infinity;
  let end = 0;
  const writes: MemoryWrite[] = [];
  for (const seg of loads) {
    const err = fitsRam(seg.paddr, seg.memsz, opts.ramBytes, `segment at ${hex(seg.paddr)}`);
    if (err) return err;
    if (overlaps(seg.paddr, seg.paddr + seg.memsz, 0, 0x100000)) return `segment at ${hex(seg.paddr)} would overlap low memory`;
    start = Math.min(start, seg.paddr);
    end = Math.max(end, seg.paddr + seg.memsz);
    // Guest RAM starts zeroed, so the rest of memsz (.bss) needs no write.
    if (seg.filesz > 0) writes.push({ gpa: seg.paddr, bytes: image.subarray(seg.offset, seg.offset + seg.filesz) });
  }
  const entry = Number(elf.entry);
  if (!loads.some((seg) => entry >= seg.paddr && entry < seg.paddr + seg.memsz)) return `e_entry ${hex(entry)} is not a physical address inside a segment (a vmlinux is entered at startup_64's physical address)`;
  const zero = new Uint8Array(4096);
  const zdv = new DataView(zero.buffer);
  zdv.setUint16(OFF_BOOT_FLAG, 0xaa55, true);
  zdv.setUint32(OFF_HEADER, HDRS, true);
  zdv.setUint16(OFF_VERSION, VMLINUX_PROTOCOL, true);
  zero[OFF_LOADFLAGS] = LOADED_HIGH;
  zdv.setUint32(OFF_CODE32_START, start, true);
  zdv.setUint32(OFF_KERNEL_ALIGNMENT, 0x200000, true);
  zdv.setUint32(OFF_INITRD_ADDR_MAX, VMLINUX_INITRD_ADDR_MAX, true);
  zdv.setUint32(OFF_CMDLINE_SIZE, VMLINUX_CMDLINE_SIZE, true);
  zdv.setUint16(OFF_XLOADFLAGS, XLF_KERNEL_64, true);
  zdv.setBigUint64(OFF_PREF_ADDRESS, BigInt(start), true);
  zdv.setUint32(OFF_INIT_SIZE, end - start, true);
  return {
    writes, start, end, entry, zero,
    cmdlineSize: VMLINUX_CMDLINE_SIZE,
    initrdAddrMax: VMLINUX_INITRD_ADDR_MAX,
    describe: `Linux vmlinux (ELF64, ${loads.length} segments at ${hex(start)}-${hex(end)}) entered at ${hex(entry)}`,
  };
}
