/**
 * What the bench needs from the machine, checked before anything runs (each missing piece turns its
 * columns into "n/a" with the command that installs it), and the description of the machine that
 * goes with the results.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { CHROMIUM_PATH } from "./chromium";
import { findQemuRef, QEMU_BINARY } from "./qemu";

/** Debian's SeaBIOS (package seabios): the BIOS v86 runs before the Multiboot kernel. */
export const SEABIOS = "/usr/share/seabios/bios.bin";

export interface Environment {
  /** Path of SeaBIOS for v86, or null with `v86Missing` saying why and how to install. */
  bios: string | null;
  v86Missing: string | null;
  qemuRef: string | null;
  qemuMissing: string | null;
  chromiumMissing: string | null;
}

function v86Installed(root: string): boolean {
  try {
    createRequire(join(root, "package.json")).resolve("v86");
    return true;
  } catch {
    return false;
  }
}

export function checkEnvironment(root: string): Environment {
  let v86Missing: string | null = null;
  if (!v86Installed(root)) v86Missing = "the npm package v86 is not installed: run npm install (it is a dev dependency)";
  else if (!existsSync(SEABIOS)) v86Missing = `v86 needs a BIOS and ${SEABIOS} is missing: install Debian's SeaBIOS with apt-get install -y seabios`;
  const qemuRef = findQemuRef(root);
  let qemuMissing: string | null = null;
  if (!existsSync(QEMU_BINARY)) qemuMissing = `${QEMU_BINARY} is missing: install Debian's QEMU with apt-get install -y qemu-system-x86`;
  else if (!qemuRef) qemuMissing = "qemu-ref (/work/shared/tools/qemu-ref, or $QEMU_REF) is missing";
  const chromiumMissing = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is missing: install it with apt-get install -y chromium (or set CHROMIUM_PATH)`;
  return { bios: v86Missing ? null : SEABIOS, v86Missing, qemuRef, qemuMissing, chromiumMissing };
}

function firstLine(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).split("\n")[0].trim() || null;
  } catch {
    return null;
  }
}

export interface MachineDescription {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: string;
  node: string;
  v86: string | null;
  qemu: string | null;
  seabios: string | null;
}

export function describeMachine(root: string): MachineDescription {
  let cpuModel = "unknown";
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  } catch {
    // not Linux
  }
  let v86: string | null = null;
  try {
    const pkg = join(dirname(createRequire(join(root, "package.json")).resolve("v86")), "..", "package.json");
    v86 = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  } catch {
    // not installed
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(", "),
    node: process.version,
    v86,
    qemu: firstLine(QEMU_BINARY, ["--version"]),
    seabios: firstLine("dpkg-query", ["-W", "-f=${Version}", "seabios"]),
  };
}
