/**
 * v86 (npm `v86`, its JIT on, the default) in Node: one process per run (bench/v86-child.mjs). The
 * record's time is the child's own, from the kernel's start (after the BIOS) to the exit-device
 * write, so no start-up is subtracted. The boot workload is timed from spawn to the first console
 * byte on the child's stdout, as hvplay and QEMU are.
 */
import { join } from "node:path";
import { runProcess } from "./process";
import { failed, succeeded, type RunOutcome } from "./record";
import type { Workload } from "./workloads";

/** The child's last stderr line. */
interface ChildRecord {
  kernelMs: number | null;
  firstByteMs: number | null;
  exitMs: number | null;
  value: number | null;
  instructions: number;
}

function lastRecord(stderr: string): ChildRecord | null {
  const line = stderr.trim().split("\n").pop() ?? "";
  try {
    const r = JSON.parse(line) as ChildRecord;
    return typeof r === "object" && r !== null && "exitMs" in r ? r : null;
  } catch {
    return null;
  }
}

export async function runV86Node(root: string, bios: string, file: string, metric: Workload["metric"], timeoutMs: number): Promise<RunOutcome> {
  const child = join(root, "bench", "v86-child.mjs");
  const image = join(root, "public", "guests", file);
  if (metric === "first-byte") {
    const r = await runProcess(process.execPath, [child, image, bios, "--until-first-byte"], { cwd: root, timeoutMs });
    if (r.firstByteMs === null) return failed(r.timedOut ? `no console byte within ${timeoutMs / 1000} s` : `no console output: ${r.stderr.trim().slice(0, 300)}`);
    return succeeded({ ms: r.firstByteMs, output: r.stdout.toString("latin1"), status: null });
  }
  const r = await runProcess(process.execPath, [child, image, bios], { cwd: root, timeoutMs });
  if (r.timedOut) return failed(`did not finish within ${timeoutMs / 1000} s`);
  const rec = lastRecord(r.stderr);
  if (!rec || rec.value === null || rec.exitMs === null) return failed(`no exit-device write (status ${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  if (rec.kernelMs === null) return failed("the Multiboot kernel's start was not seen (v86's option ROM did not read port 0xF4)");
  // The exit device's status, as QEMU's isa-debug-exit reports it.
  return succeeded({ ms: rec.exitMs - rec.kernelMs, startupExcluded: true, output: r.stdout.toString("latin1"), status: ((rec.value << 1) | 1) & 0xff });
}
