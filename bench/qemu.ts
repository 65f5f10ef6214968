/**
 * QEMU TCG (Debian's qemu-system-x86), run exactly as the project's oracle runs it:
 * `qemu-ref multiboot public/guests/FILE` (/work/shared/tools/qemu-ref, or $QEMU_REF): the debug
 * console and COM1 on stdout, the exit device ending the process. QEMU counts no instructions, so
 * the record is the process's wall time; the caller subtracts the empty guest's (QEMU's start-up).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runProcess } from "./process";
import { failed, succeeded, type RunOutcome } from "./record";
import { LINUX_BZIMAGE, LINUX_CMDLINE, LINUX_DIR, LINUX_INITRD, LINUX_MEMORY_MIB, LINUX_PROMPT, type Workload } from "./workloads";

export const QEMU_BINARY = "/usr/bin/qemu-system-i386";

/** The qemu-ref script: $QEMU_REF, else the shared tool, else the copy beside the repository. */
export function findQemuRef(root: string): string | null {
  const candidates = [process.env.QEMU_REF, "/work/shared/tools/qemu-ref", join(root, "..", "shared", "tools", "qemu-ref")];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

export async function runQemu(root: string, qemuRef: string, file: string, metric: Workload["metric"], timeoutMs: number): Promise<RunOutcome> {
  if (metric === "prompt") return runLinuxQemu(root, qemuRef, timeoutMs);
  const image = join("public", "guests", file);
  // qemu-ref's own timeout (seconds) sits above ours, so a hung guest is ended by us and reported.
  const args = ["--timeout", String(Math.ceil(timeoutMs / 1000) + 5), "multiboot", image];
  if (metric === "first-byte") {
    const r = await runProcess(qemuRef, args, { cwd: root, timeoutMs, untilFirstByte: true });
    if (r.firstByteMs === null) return failed(r.timedOut ? `no console byte within ${timeoutMs / 1000} s` : `no console output (status ${r.status}): ${r.stderr.trim()}`);
    return succeeded({ ms: r.firstByteMs, output: r.stdout.toString("latin1"), status: null });
  }
  const r = await runProcess(qemuRef, args, { cwd: root, timeoutMs });
  if (r.timedOut) return failed(`did not finish within ${timeoutMs / 1000} s`);
  if (r.status === null || r.status === 124) return failed(`QEMU ended without the exit device (status ${r.status}): ${r.stderr.trim()}`);
  return succeeded({ ms: r.wallMs, output: r.stdout.toString("latin1"), status: r.status });
}

/**
 * The Linux boot under QEMU TCG: `qemu-ref --mem 256 linux bzImage initramfs.cpio console=ttyS0`
 * (qemu-system-x86_64, -cpu max, the kernel loaded by QEMU's own Linux loader), timed from spawn to
 * the prompt on stdout (QEMU's start-up included, as ours includes Node's), then ended.
 */
async function runLinuxQemu(root: string, qemuRef: string, timeoutMs: number): Promise<RunOutcome> {
  const args = [
    "--mem", String(LINUX_MEMORY_MIB), "--timeout", String(Math.ceil(timeoutMs / 1000) + 5),
    "linux", join(LINUX_DIR, LINUX_BZIMAGE), join(LINUX_DIR, LINUX_INITRD), LINUX_CMDLINE,
  ];
  const r = await runProcess(qemuRef, args, { cwd: root, timeoutMs, until: { text: LINUX_PROMPT } });
  const output = r.stdout.toString("latin1");
  if (r.untilMs === null) {
    const why = r.timedOut ? `no shell prompt within ${timeoutMs / 1000} s` : `QEMU ended (status ${r.status}) before the shell prompt`;
    return failed(`${why}; console ends ${JSON.stringify(output.slice(-200))}; ${r.stderr.trim().slice(0, 300)}`);
  }
  return succeeded({ ms: r.untilMs, output, status: null });
}
