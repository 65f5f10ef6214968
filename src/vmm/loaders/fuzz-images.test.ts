/**
 * Hostile guest images (issue 7, robustness): the loaders (elf.ts, multiboot.ts, flat.ts, linux.ts)
 * given mutated and truncated real images. A loader returns a complete plan or a readable reason
 * (boot-plan.ts: "a loader never touches the guest"), so for every input, to every loader:
 *
 * - it never throws (no TypeError/RangeError), returns within a bounded time, and a reason is text a
 *   person can read (no "undefined", "NaN", "[object ...]");
 * - a plan stays inside guest memory: every write lies in [0, RAM) and no two overlap (a loader that
 *   put its boot_params over the kernel would corrupt it), so the bytes it allocates are bounded by
 *   the RAM size — a header that claims a 4 GiB segment is refused, not allocated;
 * - the start is possible: the entry is in RAM (inside a loaded segment for ELF and Multiboot), the
 *   registers are u64s, a non-64-bit start has a 32-bit RIP.
 * A sample of the plans is then loaded into a real Machine and run for a few thousand instructions:
 * load() returns null or a reason, run() an outcome, whatever the image holds.
 *
 * Inputs: the committed guests (public/guests: ELF32 Multiboot kernels, an a.out-kludge kernel, a
 * boot sector), an ELF64 and a bzImage built here; mutated by structure (boundary values written into
 * the ELF, program header, Multiboot and setup-header fields, with the Multiboot checksum fixed up
 * half the time so the header is believed), by bytes (flips, random bytes, truncation, extension),
 * and with hostile options (load/entry addresses, command lines, modules, initrds). HVPLAY_FUZZ_RUNS
 * scales the counts; a failure prints the seed and the image's first bytes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createKernel } from "../../zircon";
import { Machine } from "../machine";
import type { BootSpec } from "../api";
import type { BootPlan, MemoryWrite } from "./boot-plan";
import { planElf } from "./elf";
import { planFlat } from "./flat";
import { planLinux } from "./linux";
import { MULTIBOOT_TRAMPOLINE } from "./multiboot-trampoline.generated";
import { planMultiboot, type MultibootPlan } from "./multiboot";
import { Failures, FuzzRng, fuzzRuns, fuzzSeed, fuzzTimeout, hexBytes } from "../../testing/fuzz";
import { bzImage } from "./test-bzimage";

const MiB = 1024 * 1024;
const here = fileURLToPath(new URL(".", import.meta.url));
const GUESTS = resolve(here, "../../../public/guests");

// ---------------------------------------------------------------------------------------------
// Seed images
// ---------------------------------------------------------------------------------------------

type Format = "elf32" | "elf64" | "aout" | "flat" | "bzimage";
interface SeedImage {
  name: string;
  format: Format;
  bytes: Uint8Array;
}

/** A minimal ELF64 executable: two PT_LOAD segments (code at 1 MiB, data with a bss after it), linked high. */
function elf64(): Uint8Array {
  const code = new Uint8Array(0x100).fill(0x90);
  code.set([0xb0, 0x2a, 0xe6, 0xe9, 0x31, 0xc0, 0xe6, 0xf4], 0); // mov al, '*'; out 0xe9, al; xor eax, eax; out 0xf4, al
  const hdr = 64 + 2 * 56;
  const img = new Uint8Array(hdr + code.length + 0x40);
  const dv = new DataView(img.buffer);
  img.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true);
  dv.setUint16(18, 62, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0xffffffff80100000n, true); // e_entry: virtual
  dv.setBigUint64(32, 64n, true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 2, true);
  const ph = (i: number, off: number, vaddr: bigint, paddr: number, filesz: number, memsz: number) => {
    const p = 64 + i * 56;
    dv.setUint32(p, 1, true);
    dv.setUint32(p + 4, 7, true);
    dv.setBigUint64(p + 8, BigInt(off), true);
    dv.setBigUint64(p + 16, vaddr, true);
    dv.setBigUint64(p + 24, BigInt(paddr), true);
    dv.setBigUint64(p + 32, BigInt(filesz), true);
    dv.setBigUint64(p + 40, BigInt(memsz), true);
  };
  ph(0, hdr, 0xffffffff80100000n, 0x100000, code.length, code.length);
  ph(1, hdr + code.length, 0xffffffff80200000n, 0x200000, 0x40, 0x2000);
  img.set(code, hdr);
  return img;
}

/** A bzImage (test-bzimage.ts) whose 0x400-byte kernel is NOPs with a 64-bit entry at +0x200. */
function bzImage64(): Uint8Array {
  const tail = new Uint8Array(0x200).fill(0x90);
  tail.set([0x31, 0xc0, 0xe6, 0xf4]); // the 64-bit entry: xor eax, eax; out 0xf4, al
  const img = bzImage(tail);
  img.fill(0x90, 1024, 1024 + 0x200);
  return img;
}

function seedImages(): SeedImage[] {
  const out: SeedImage[] = [];
  for (const f of readdirSync(GUESTS).sort()) {
    const bytes = new Uint8Array(readFileSync(join(GUESTS, f)));
    if (f.endsWith(".elf")) out.push({ name: f, format: bytes[4] === 2 ? "elf64" : "elf32", bytes });
    else if (f === "hello-aout.bin") out.push({ name: f, format: "aout", bytes });
    else if (f.endsWith(".bin")) out.push({ name: f, format: "flat", bytes });
  }
  out.push({ name: "built elf64", format: "elf64", bytes: elf64() });
  out.push({ name: "built bzImage", format: "bzimage", bytes: bzImage64() });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

interface Field {
  at: number;
  size: 1 | 2 | 4 | 8;
}

/** The header fields of `img` a loader reads, by format (offsets from the ELF gABI, Multiboot 0.6.96 §3.1, boot.rst). */
function fieldsOf(img: Uint8Array, format: Format): Field[] {
  const f: Field[] = [];
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const add = (at: number, size: Field["size"]) => {
    if (at >= 0 && at + size <= img.length) f.push({ at, size });
  };
  if ((format === "elf32" || format === "elf64") && img.length >= 64) {
    const is64 = img[4] === 2;
    for (const at of [4, 5]) add(at, 1);
    add(16, 2);
    add(18, 2);
    if (is64) {
      add(24, 8); add(32, 8); add(54, 2); add(56, 2);
      const phoff = Number(dv.getBigUint64(32, true));
      const n = Math.min(dv.getUint16(56, true), 8);
      for (let i = 0; i < n && phoff + i * 56 + 56 <= img.length; i++) {
        const p = phoff + i * 56;
        add(p, 4); add(p + 8, 8); add(p + 16, 8); add(p + 24, 8); add(p + 32, 8); add(p + 40, 8);
      }
    } else {
      add(24, 4); add(28, 4); add(42, 2); add(44, 2);
      const phoff = dv.getUint32(28, true);
      const n = Math.min(dv.getUint16(44, true), 8);
      for (let i = 0; i < n && phoff + i * 32 + 32 <= img.length; i++) {
        const p = phoff + i * 32;
        for (const o of [0, 4, 8, 12, 16, 20]) add(p + o, 4);
      }
    }
  }
  const mb = multibootHeader(img);
  if (mb >= 0) for (let o = 4; o <= 28; o += 4) add(mb + o, 4);
  if (format === "bzimage") {
    add(0x1f1, 1); add(0x1fe, 2); add(0x201, 1); add(0x202, 4); add(0x206, 2); add(0x211, 1); add(0x214, 4); add(0x22c, 4);
    add(0x230, 4); add(0x234, 1); add(0x236, 2); add(0x238, 4); add(0x258, 8); add(0x260, 4);
  }
  return f;
}

function multibootHeader(img: Uint8Array): number {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  for (let i = 0; i + 12 <= Math.min(img.length, 8192); i += 4) if (dv.getUint32(i, true) === 0x1badb002) return i;
  return -1;
}

/** Values that sit on the edges loaders check: sizes and addresses around RAM, 2^32, 2^53, 2^64. */
function boundary(r: FuzzRng, size: number, ram: number, old: bigint): bigint {
  const vals = [0n, 1n, 2n, 0x38n, 0x40n, 0x7fn, 0x80n, 0xffn, 0xfffn, 0x1000n, 0x2000n, 0x7000n, 0x9000n, 0xffffn, 0x10000n, 0x9fc00n,
    0x100000n, BigInt(ram - 1), BigInt(ram), BigInt(ram + 1), BigInt(ram - 0x20000), 0x7fffffffn, 0x80000000n, 0xfffff000n, 0xffffffffn,
    0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 1n, 0xffffffff80000000n];
  let v: bigint;
  switch (r.below(4)) {
    case 0: v = r.u64(); break;
    case 1: v = old + BigInt(r.below(0x2001)) - 0x1000n; break;
    default: v = r.pick(vals);
  }
  return BigInt.asUintN(size * 8, v);
}

function writeField(img: Uint8Array, f: Field, v: bigint): void {
  for (let k = 0; k < f.size; k++) img[f.at + k] = Number((v >> BigInt(8 * k)) & 0xffn);
}

function readField(img: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let k = f.size - 1; k >= 0; k--) v = (v << 8n) | BigInt(img[f.at + k]);
  return v;
}

/** Make a Multiboot header's checksum right again (so the loader believes the mutated flags and addresses). */
function fixChecksum(img: Uint8Array): void {
  const at = multibootHeader(img);
  if (at < 0 || at + 12 > img.length) return;
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  dv.setUint32(at + 8, (-(0x1badb002 + dv.getUint32(at + 4, true))) >>> 0, true);
}

/** 1-4 mutations of `seed`; returns the image and a description of what was done. */
function mutateImage(r: FuzzRng, seed: SeedImage, ram: number): { img: Uint8Array; what: string[] } {
  let img = seed.bytes.slice();
  const what: string[] = [];
  const n = 1 + r.below(4);
  for (let k = 0; k < n; k++) {
    const fields = fieldsOf(img, seed.format);
    const kind = r.below(10);
    if (kind < 5 && fields.length > 0) {
      const f = r.pick(fields);
      const v = boundary(r, f.size, ram, readField(img, f));
      writeField(img, f, v);
      what.push(`[0x${f.at.toString(16)}:${f.size}]=0x${v.toString(16)}`);
    } else if (kind === 5) {
      const at = r.oneIn(2) ? r.below(Math.min(img.length, 512)) : r.below(img.length);
      img[at] ^= 1 << r.below(8);
      what.push(`flip@0x${at.toString(16)}`);
    } else if (kind === 6) {
      const at = r.below(Math.min(img.length, 1024));
      img[at] = r.byte();
      what.push(`byte@0x${at.toString(16)}`);
    } else if (kind === 7) {
      const len = r.oneIn(2) ? r.below(Math.min(img.length, 0x300)) : r.below(img.length + 1);
      img = img.slice(0, len);
      what.push(`truncate@0x${len.toString(16)}`);
    } else if (kind === 8) {
      const extra = r.oneIn(2) ? new Uint8Array(r.below(0x2000)) : r.bytes(r.below(0x200));
      const grown = new Uint8Array(img.length + extra.length);
      grown.set(img);
      grown.set(extra, img.length);
      img = grown;
      what.push(`extend+0x${extra.length.toString(16)}`);
    } else {
      // Program header table duplicated over itself (many PT_LOADs), or e_phnum raised.
      const f = fields.find((x) => (seed.format === "elf64" ? x.at === 56 : x.at === 44));
      if (f) {
        const v = BigInt(r.pick([0xffff, 0x100, r.below(0x10000)]));
        writeField(img, f, v);
        what.push(`phnum=0x${v.toString(16)}`);
      }
    }
    if (r.oneIn(2)) fixChecksum(img);
  }
  return { img, what };
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const readable = (s: string) => typeof s === "string" && s.length > 0 && !/undefined|NaN|\[object|Infinity|null/.test(s);

function isU64(v: unknown): boolean {
  return typeof v === "number" ? Number.isSafeInteger(v) && v >= 0 : typeof v === "bigint" ? v >= 0n && v < 1n << 64n : false;
}

/** What is wrong with a plan for `ram` bytes of RAM (empty: nothing). */
function planErrors(writes: MemoryWrite[], ram: number, entryInRam: number | null, registers: Record<string, unknown>, describe: string): string[] {
  const errs: string[] = [];
  let total = 0;
  const spans: [number, number][] = [];
  for (const w of writes) {
    if (!(w.bytes instanceof Uint8Array)) errs.push(`a write at ${w.gpa} without bytes`);
    else if (!Number.isSafeInteger(w.gpa) || w.gpa < 0 || w.gpa + w.bytes.length > ram) errs.push(`write [0x${w.gpa.toString(16)}, +0x${w.bytes.length.toString(16)}) outside RAM (0x${ram.toString(16)})`);
    else {
      total += w.bytes.length;
      if (w.bytes.length > 0) spans.push([w.gpa, w.gpa + w.bytes.length]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k][0] < spans[k - 1][1]) errs.push(`writes [0x${spans[k - 1][0].toString(16)}, 0x${spans[k - 1][1].toString(16)}) and [0x${spans[k][0].toString(16)}, 0x${spans[k][1].toString(16)}) overlap`);
  }
  if (total > ram) errs.push(`plan writes ${total} bytes into ${ram} of RAM`);
  if (entryInRam !== null && (!Number.isSafeInteger(entryInRam) || entryInRam < 0 || entryInRam >= ram)) errs.push(`entry 0x${entryInRam.toString(16)} outside RAM`);
  for (const [k, v] of Object.entries(registers)) if (!isU64(v)) errs.push(`register ${k} = ${String(v)}`);
  if (!readable(describe)) errs.push(`describe "${describe}"`);
  return errs;
}

function bootPlanErrors(p: BootPlan, ram: number): string[] {
  const a = p.arch;
  const entry = a ? Number(a.rip) + (a.cs ? Number(a.cs.base) : 0) : p.vcpuEntry;
  const errs = planErrors(p.writes, ram, entry, p.registers, p.describe);
  if (!Number.isSafeInteger(p.vcpuEntry) || p.vcpuEntry < 0) errs.push(`vcpuEntry ${p.vcpuEntry}`);
  if (a && (!Number.isSafeInteger(Number(a.rip)) || Number(a.rip) < 0 || Number(a.rip) > 0xffffffff)) errs.push(`arch RIP ${String(a.rip)}`);
  return errs;
}

/** The entry must be code the plan loads (a segment's bytes): not zeroes nobody wrote. */
function entryLoaded(writes: MemoryWrite[], entry: number): boolean {
  return writes.some((w) => entry >= w.gpa && entry < w.gpa + w.bytes.length);
}

function multibootPlanErrors(p: MultibootPlan, ram: number): string[] {
  const errs = planErrors(p.writes, ram, p.vcpuEntry, p.registers, p.cmdline || "(empty)");
  const k = p.kernel;
  if (!Number.isSafeInteger(k.entry) || k.entry < 0 || k.entry >= ram) errs.push(`kernel entry 0x${k.entry.toString(16)} outside RAM`);
  else if (!k.segments.some((s) => k.entry >= s.gpa && k.entry < s.gpa + Math.max(s.memSize, 1))) errs.push(`kernel entry 0x${k.entry.toString(16)} in no segment`);
  return errs;
}

const STEP_MS = 1000;

/** Every loader on `img`, with options from `r`: failures as text, and the plans that loaded. */
function runLoaders(img: Uint8Array, ram: number, r: FuzzRng): { errs: string[]; specs: BootSpec[] } {
  const errs: string[] = [];
  const specs: BootSpec[] = [];
  const timed = <T,>(name: string, f: () => T): T | undefined => {
    const t0 = performance.now();
    try {
      const v = f();
      const ms = performance.now() - t0;
      if (ms > STEP_MS) errs.push(`${name} took ${ms.toFixed(0)} ms`);
      return v;
    } catch (e) {
      errs.push(`${name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return undefined;
    }
  };
  const weirdText = () => r.pick(["", "console=ttyS0", "x".repeat(r.below(5000)), "a\0b", "é✓", String.fromCharCode(...r.bytes(r.below(64)))]);
  // ELF
  const elf = timed("planElf", () => planElf(img, { ramBytes: ram }));
  if (typeof elf === "string") { if (!readable(elf)) errs.push(`planElf: "${elf}"`); }
  else if (elf) {
    const e = bootPlanErrors(elf, ram);
    if (elf.arch === undefined && !entryLoaded(elf.writes, elf.vcpuEntry)) e.push(`ELF64 entry 0x${elf.vcpuEntry.toString(16)} is not in a loaded segment`);
    errs.push(...e.map((x) => `planElf: ${x}`));
    if (!e.length) specs.push({ boot: "elf", image: img });
  }
  // Multiboot, with modules and a command line now and then.
  const modules = r.oneIn(3) ? Array.from({ length: 1 + r.below(3) }, () => ({ data: r.oneIn(8) ? new Uint8Array(r.pick([MiB, 3 * MiB])) : r.bytes(r.below(5000)), string: weirdText() })) : undefined;
  const cmdline = r.oneIn(3) ? weirdText() : undefined;
  const mb = timed("planMultiboot", () => planMultiboot(img, { ramBytes: ram, modules, cmdline, imageName: r.oneIn(4) ? weirdText() : "kernel", trampoline: MULTIBOOT_TRAMPOLINE }));
  if (typeof mb === "string") { if (!readable(mb)) errs.push(`planMultiboot: "${mb}"`); }
  else if (mb) {
    const e = multibootPlanErrors(mb, ram);
    errs.push(...e.map((x) => `planMultiboot: ${x}`));
    if (!e.length) specs.push({ boot: "multiboot", image: img, modules, cmdline });
  }
  // Linux, with a command line and an initrd now and then.
  const initrd = r.oneIn(3) ? new Uint8Array(r.oneIn(8) ? r.pick([ram / 2, ram + 1]) : r.pick([1, 4096, 100000])) : undefined;
  const lx = timed("planLinux", () => planLinux(img, { ramBytes: ram, cmdline: r.oneIn(2) ? weirdText() : undefined, initrd }));
  if (typeof lx === "string") { if (!readable(lx)) errs.push(`planLinux: "${lx}"`); }
  else if (lx) {
    const e = bootPlanErrors(lx, ram);
    if (!entryLoaded(lx.writes, lx.vcpuEntry)) e.push(`Linux entry 0x${lx.vcpuEntry.toString(16)} is past the kernel's bytes`);
    errs.push(...e.map((x) => `planLinux: ${x}`));
    if (!e.length) specs.push({ boot: "linux", image: img, initrd });
  }
  // Flat, with hostile addresses and modes.
  const addr = (): number | undefined => (r.oneIn(3) ? undefined : r.pick([0, 0x7c00, 0x100000, ram - 1, ram, -1, 0x10fff0, 2 ** 32, 2 ** 53, 1.5, NaN, Infinity, r.below(ram)]));
  const mode = r.pick(["real", "protected", "long", undefined, "bogus"]) as "real" | "protected" | "long" | undefined;
  const load = addr();
  const entry = addr();
  const fl = timed("planFlat", () => planFlat(img, { ramBytes: ram, mode, load, entry }));
  if (typeof fl === "string") { if (!readable(fl)) errs.push(`planFlat(${mode}, load ${load}, entry ${entry}): "${fl}"`); }
  else if (fl) {
    const e = bootPlanErrors(fl, ram);
    errs.push(...e.map((x) => `planFlat(${mode}, load ${load}, entry ${entry}): ${x}`));
    if (!e.length) specs.push({ boot: "flat", image: img, mode, load, entry });
  }
  return { errs, specs };
}

// ---------------------------------------------------------------------------------------------
// The fuzzers
// ---------------------------------------------------------------------------------------------

const IMAGES = 1500;
const MACHINE_RUNS = 12;
/** A guest still running (halted, waiting for an interrupt) after this long is paused. */
const PAUSE_AFTER_MS = 1000;
/** Small RAM sizes: a plan's zero-filled bss is allocated (bounded by RAM), so big RAM makes slow inputs. */
const RAM_CHOICES = [2 * MiB, 4 * MiB, 8 * MiB];

describe("hostile images to every loader", () => {
  const seeds = seedImages();

  it("mutated and truncated images: a plan inside RAM, or a readable reason; never a throw", () => {
    const master = new FuzzRng(fuzzSeed(0x10ad0001));
    const fails = new Failures();
    const n = fuzzRuns(IMAGES);
    const tally = { plans: 0, reasons: new Map<string, number>() };
    for (let i = 0; i < n; i++) {
      const seed = master.fork();
      const r = new FuzzRng(seed);
      const s = r.pick(seeds);
      const ram = r.pick(RAM_CHOICES);
      const { img, what } = mutateImage(r, s, ram);
      const { errs, specs } = runLoaders(img, ram, r);
      tally.plans += specs.length;
      if (errs.length) fails.add(`seed=0x${seed.toString(16)} ${s.name} ram=${ram / MiB}MiB ${what.join(" ")} head=[${hexBytes(img, 64)}]:\n      ${errs.join("\n      ")}`);
    }
    console.log(`loaders: ${n} images × 4 loaders, ${tally.plans} plans`);
    expect(fails.list, `${fails.count} of ${n} images failed`).toEqual([]);
    expect(tally.plans).toBeGreaterThan(n / 10);
  }, fuzzTimeout(4000));

  it("headers that claim huge segments are refused quickly, without allocating them", () => {
    const ram = 32 * MiB;
    const img = elf64();
    const dv = new DataView(img.buffer);
    for (const memsz of [2n ** 32n, 2n ** 32n - 1n, 2n ** 40n, 2n ** 53n - 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(ram + 1)]) {
      dv.setBigUint64(64 + 56 + 40, memsz, true); // the second segment's p_memsz
      const t0 = performance.now();
      const p = planElf(img, { ramBytes: ram });
      expect(performance.now() - t0).toBeLessThan(200);
      expect(typeof p, `p_memsz 0x${memsz.toString(16)}`).toBe("string");
      expect(p).not.toMatch(/undefined|NaN/);
    }
    // A Multiboot a.out kludge asking for a bss up to 4 GiB.
    const aout = seeds.find((s) => s.format === "aout")!.bytes.slice();
    const at = multibootHeader(aout);
    new DataView(aout.buffer).setUint32(at + 24, 0xffffffff, true);
    const mb = planMultiboot(aout, { ramBytes: ram, trampoline: MULTIBOOT_TRAMPOLINE });
    expect(mb).toMatch(/does not fit|below 4 GiB/);
  });

  it("65535 program headers (a 2 MiB image) are checked in linear-logarithmic time, not pairwise", () => {
    // Found by the fuzzer's phnum mutation: the pairwise overlap checks took 5-7 s here.
    const n = 0xffff;
    const img = new Uint8Array(52 + n * 32);
    const dv = new DataView(img.buffer);
    img.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    dv.setUint16(16, 2, true);
    dv.setUint16(18, 3, true);
    dv.setUint32(24, 0x100000, true);
    dv.setUint32(28, 52, true);
    dv.setUint16(42, 32, true);
    dv.setUint16(44, n, true);
    for (let i = 0; i < n; i++) {
      const p = 52 + i * 32;
      dv.setUint32(p, i === 200 ? 0x1badb002 : 1, true); // header 200 holds the Multiboot header instead
      dv.setUint32(p + 8, i === 200 ? -0x1badb002 >>> 0 : 0x100000 + i * 16, true);
      dv.setUint32(p + 12, 0x100000 + i * 16, true);
      dv.setUint32(p + 16, 1, true);
      dv.setUint32(p + 20, 1, true);
    }
    for (const [name, plan] of [
      ["planElf", () => planElf(img, { ramBytes: 8 * MiB })],
      ["planMultiboot", () => planMultiboot(img, { ramBytes: 8 * MiB, trampoline: MULTIBOOT_TRAMPOLINE })],
    ] as const) {
      const t0 = performance.now();
      const p = plan();
      const ms = performance.now() - t0;
      expect(typeof p, name).toBe("object");
      expect(ms, `${name} took ${ms.toFixed(0)} ms`).toBeLessThan(3000);
    }
    // One overlap among them is still found.
    dv.setUint32(52 + 40000 * 32 + 12, 0x100000 + 39999 * 16, true);
    expect(planElf(img, { ramBytes: 8 * MiB })).toMatch(/overlap/);
    expect(planMultiboot(img, { ramBytes: 8 * MiB, trampoline: MULTIBOOT_TRAMPOLINE })).toMatch(/segment 40000 at 0x19c3f0 overlaps another segment at 0x19c3f0/);
  }, fuzzTimeout(4000));

  it("a sample of the loadable mutants: Machine.load and a short run never throw", async () => {
    const master = new FuzzRng(fuzzSeed(0x10ad0002));
    const fails = new Failures();
    const want = fuzzRuns(MACHINE_RUNS);
    let ran = 0;
    let paused = 0;
    for (let i = 0; i < want * 40 && ran < want; i++) {
      const seed = master.fork();
      const r = new FuzzRng(seed);
      const s = r.pick(seeds);
      const ram = 16 * MiB;
      const { img, what } = mutateImage(r, s, ram);
      const { specs } = runLoaders(img, ram, r);
      if (specs.length === 0) continue;
      const spec = r.pick(specs);
      ran++;
      const where = `seed=0x${seed.toString(16)} ${s.name} ${spec.boot} ${what.join(" ")}`;
      const m = Machine.create(createKernel().createProcess(), { memoryMiB: 16 }, { console: () => {} });
      if (typeof m === "string") throw new Error(m);
      try {
        const err = m.load(spec);
        if (err !== null && !readable(err)) fails.add(`${where}: load() said "${err}"`);
        if (err === null) {
          // A guest may halt with interrupts on and wait for ever (no timer armed): that is its right,
          // so a watchdog pauses it, as the UI's Pause button would (zx_vcpu_kick).
          const watchdog = setTimeout(() => m.pause(), PAUSE_AFTER_MS);
          const t0 = performance.now();
          const out = await m.run(5000);
          clearTimeout(watchdog);
          const ms = performance.now() - t0;
          if (ms > PAUSE_AFTER_MS + 5000) fails.add(`${where}: run() took ${ms.toFixed(0)} ms (pause() did not stop it)`);
          if (!out || typeof out.kind !== "string") fails.add(`${where}: run() gave ${JSON.stringify(out)}`);
          else if (out.kind === "error" && !readable(out.message)) fails.add(`${where}: run() error "${out.message}"`);
          else if (out.kind === "paused") paused++;
        }
      } catch (e) {
        fails.add(`${where}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      } finally {
        m.dispose();
      }
    }
    console.log(`loaders: ${ran} mutants loaded and run in a Machine (${paused} waited in HLT and were paused)`);
    expect(fails.list, `${fails.count} of ${ran} machines failed`).toEqual([]);
    expect(ran).toBe(want);
  }, fuzzTimeout(6000));
});
