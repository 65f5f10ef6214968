/**
 * The workloads of `npm run bench` (issue 6): all our own guests, Multiboot ELF32 kernels built from
 * guests/bench-*.asm into public/guests/, each ending through the exit device and printing a
 * checksum, so that every column's output can be held against QEMU's in the same run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** What a workload's headline figure is. */
export type Metric = "mips" | "exits" | "first-byte";

export interface Workload {
  /** The name `--only` takes and the table shows. */
  name: string;
  /** public/guests/<file>. */
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
  ];
}

/** Workloads selected by `--only` (all when the list is empty); unknown names are an error. */
export function selectWorkloads(all: readonly Workload[], only: readonly string[]): Workload[] | string {
  if (only.length === 0) return [...all];
  const unknown = only.filter((n) => !all.some((w) => w.name === n));
  if (unknown.length > 0) return `unknown workload ${unknown.join(", ")} (choose from ${all.map((w) => w.name).join(", ")})`;
  return all.filter((w) => only.includes(w.name));
}
