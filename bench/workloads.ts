/**
 * The workloads of `npm run bench` (issue 6): all our own guests, Multiboot ELF32 kernels built from
 * guests/bench-*.asm into public/guests/, each ending through the exit device and printing a
 * checksum, so that every column's output can be held against QEMU's in the same run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LINUX_DEFAULT_CMDLINE, LINUX_DEFAULT_MEMORY_MIB } from "../workers/api";

/**
 * What a workload's headline figure is. "prompt": seconds from start to the Linux guest's shell
 * prompt (issue 8), the one workload that is not a public/guests file.
 */
export type Metric = "mips" | "exits" | "first-byte" | "prompt";

export interface Workload {
  /** The name `--only` takes and the table shows. */
  name: string;
  /** public/guests/<file> (the Linux workload: its kernel in guests/linux/, for the report). */
  file: string;
  metric: Metric;
  /** One line for the table's legend. */
  what: string;
}

/** The empty guest: the peers' start-up cost, subtracted from their wall times. Not a table row. */
export const NULL_GUEST = "bench-null.elf";

/** The default guest, booted to its first console byte; hello when the monitor is not built. */
export function bootGuest(root: string): string {
  return existsSync(join(root, "public", "guests", "monitor.elf")) ? "monitor.elf" : "hello.elf";
}

/**
 * The Linux guest of issue 8, built by `npm run guests:linux` into the git-ignored guests/linux/
 * (scripts/build-linux-guest.mjs): the kernel (built from Debian's linux-source, or Debian's stock one
 * with --stock; guests/linux/kernel.json says which), uncompressed (vmlinux: what hvplay and the
 * page's worker boot) and as built (bzImage: what QEMU boots), and a busybox initramfs whose /init
 * prints BANNER, then the shell prints PROMPT on COM1.
 */
export const LINUX_DIR = "guests/linux";
export const LINUX_KERNEL = "vmlinux";
export const LINUX_BZIMAGE = "bzImage";
export const LINUX_INITRD = "initramfs.cpio";
/**
 * The machine every column boots: the page's worker boots the bundled guest with these (the console
 * on COM1, no crypto self-tests, no speculation defences, no W+X page-table walk: see LINUX_DEFAULT_CMDLINE),
 * so hvplay and QEMU get them too, and the three columns time the same boot.
 */
export const LINUX_CMDLINE = LINUX_DEFAULT_CMDLINE;
export const LINUX_MEMORY_MIB = LINUX_DEFAULT_MEMORY_MIB;
export const LINUX_BANNER = "hvplay: busybox initramfs is up";
export const LINUX_PROMPT = "hvplay:/# ";
/** Console texts a Linux boot is also timed to: the kernel's first message, /init's banner. */
export const LINUX_MILESTONES: readonly string[] = ["Linux version", LINUX_BANNER];
/** The page's name for the bundled Linux guest (workers/api.ts LINUX_GUEST): `/?guest=linux`. */
export const LINUX_PAGE_GUEST = "linux";
/** What a Linux workload's cells say when guests/linux/ lacks the images. */
export const LINUX_NOT_BUILT = "not built (npm run guests:linux)";

/** The guests/linux/ files that are missing (relative to the root), none when it is built. */
export function linuxMissing(root: string): string[] {
  return [LINUX_KERNEL, LINUX_BZIMAGE, LINUX_INITRD].map((f) => `${LINUX_DIR}/${f}`).filter((f) => !existsSync(join(root, f)));
}

export function workloads(root: string): Workload[] {
  const boot = bootGuest(root);
  return [
    {
      name: "int",
      file: "bench-int.elf",
      metric: "mips",
      what: "integer kernel: 13 rounds of a 2^20-byte sieve + bitwise CRC-32 over it (guests/bench-int.asm; the headline)",
    },
    {
      name: "copy",
      file: "bench-copy.elf",
      metric: "mips",
      what: "memory copy: 16 rounds of REP MOVSD 4 MiB A→B and a load/add/store loop B→A (guests/bench-copy.asm)",
    },
    {
      name: "smc",
      file: "bench-smc.elf",
      metric: "mips",
      what: "teaching guest: code and the data it stores to share one 4 KiB page, 4 stores per 10 instructions (guests/bench-smc.asm)",
    },
    {
      name: "exits",
      file: "bench-exits.elf",
      metric: "exits",
      what: "VM-exit round trip: an OUT to COM1's scratch register every 4 instructions, an IN every 16 OUTs (guests/bench-exits.asm)",
    },
    {
      name: "boot",
      file: boot,
      metric: "first-byte",
      what: `boot of the default guest (${boot}) to its first console byte: from process start (Node, QEMU) or navigation (Chromium)`,
    },
    {
      name: "linux",
      file: `${LINUX_DIR}/${LINUX_KERNEL}`,
      metric: "prompt",
      what: `Linux 6.1 (linux-source + scripts/linux-guest.config) + busybox initramfs (npm run guests:linux) booted to the shell prompt "${LINUX_PROMPT.trim()}": from process start (Node: vmlinux; QEMU: bzImage) or navigation (Chromium: /?guest=linux, the images fetched from the server included)`,
    },
  ];
}

/** The name `--only` takes for the page's section (bench/ui.ts), which is not a workload. */
export const UI_SECTION = "ui";

/**
 * Workloads selected by `--only` (all when the list is empty), less the Linux boot with `--no-linux`;
 * unknown names, and a selection left empty, are an error. UI_SECTION is a known name that selects
 * no workload: `--only ui` alone selects none.
 */
export function selectWorkloads(all: readonly Workload[], only: readonly string[], linux = true): Workload[] | string {
  const unknown = only.filter((n) => n !== UI_SECTION && !all.some((w) => w.name === n));
  if (unknown.length > 0) return `unknown workload ${unknown.join(", ")} (choose from ${[...all.map((w) => w.name), UI_SECTION].join(", ")})`;
  const named = only.filter((n) => n !== UI_SECTION);
  if (only.length > 0 && named.length === 0) return [];
  const chosen = all.filter((w) => (named.length === 0 || named.includes(w.name)) && (linux || w.metric !== "prompt"));
  if (chosen.length === 0) return "no workload left to run (--only linux with --no-linux?)";
  return chosen;
}

/** Runs of `w` in each column: the Linux boot has its own count (--linux-runs). */
export function runsOf(w: Workload, runs: number, linuxRuns: number): number {
  return w.metric === "prompt" ? linuxRuns : runs;
}
