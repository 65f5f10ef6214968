/**
 * Ours in Node: `hvplay run public/guests/FILE --stats`, a fresh process per run, exactly as a user
 * runs it. The time is the one --stats reports (the VMM's run loop, without Node's start-up); the
 * instruction and exit counts come from the same lines. The boot workload instead times the process
 * from spawn to its first byte on stdout (Node's start-up, the CLI's loading and the VMM's included),
 * then ends it. The Linux boot (issue 8) is timed from spawn to the shell prompt on stdout, then
 * interrupted (SIGINT, as Ctrl-C would) so that --stats reports what the VMM retired by then.
 *
 * hvplay runs from the bundle `npm ci` makes (scripts/build-cli.mjs, bin/load-cli.mjs); the bench
 * makes its own of the sources as they are, in a private folder (as the Chromium column builds the
 * app), so that it never times the slower start from the sources through tsx by accident.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshBundle } from "../bin/load-cli.mjs";
import { runProcess } from "./process";
import { failed, succeeded, type RunOutcome } from "./record";
import { LINUX_CMDLINE, LINUX_DIR, LINUX_INITRD, LINUX_KERNEL, LINUX_MEMORY_MIB, LINUX_MILESTONES, LINUX_PROMPT, type Workload } from "./workloads";

/** hvplay's --stats lines (src/cli/main.ts printStats). */
export interface HvplayStats {
  instructions: number;
  seconds: number;
  exits: number;
}

export function parseStats(stderr: string): HvplayStats | null {
  const m = /hvplay: (\d+) instructions retired in ([\d.]+) s/.exec(stderr);
  const e = /hvplay: exits by kind: (.*)/.exec(stderr);
  if (!m || !e) return null;
  let exits = 0;
  for (const part of e[1].split(",")) {
    const n = /(\d+)\s*$/.exec(part.trim());
    if (n) exits += Number(n[1]);
  }
  return { instructions: Number(m[1]), seconds: Number(m[2]), exits };
}

/** The environment hvplay runs in: its bundle's folder (HVPLAY_CLI_BUNDLE). */
export interface OursNode {
  env: NodeJS.ProcessEnv;
  /** Removes the bundle. */
  dispose(): void;
}

/** Bundles the CLI into a private folder (scripts/build-cli.mjs --out); logs when it could not. */
export async function prepareOursNode(root: string, log: (line: string) => void): Promise<OursNode> {
  const dir = join(tmpdir(), `hvplay-bench-cli-${process.pid}`);
  log("node: bundling hvplay (scripts/build-cli.mjs, into a private folder)...");
  const r = await runProcess(process.execPath, [join(root, "scripts", "build-cli.mjs"), "--out", dir], { cwd: root, timeoutMs: 120_000 });
  // What bin/load-cli.mjs will find there: a bundle whose sources are as it was built from.
  if (freshBundle(dir) === null) log(`node: no bundle (${r.stderr.trim().slice(0, 300) || `status ${r.status}`}): hvplay runs from its sources through tsx, which starts ~0.3 s slower`);
  return {
    env: { ...process.env, HVPLAY_CLI_BUNDLE: dir },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function runOursNode(root: string, ours: OursNode, w: Workload, timeoutMs: number): Promise<RunOutcome> {
  const image = join("public", "guests", w.file);
  const hvplay = join(root, "bin", "hvplay.mjs");
  const env = ours.env;
  if (w.metric === "prompt") return runLinuxNode(root, hvplay, env, timeoutMs);
  if (w.metric === "first-byte") {
    const r = await runProcess(process.execPath, [hvplay, "run", image], { cwd: root, env, timeoutMs, untilFirstByte: true });
    if (r.firstByteMs === null) return failed(r.timedOut ? `no console byte within ${timeoutMs / 1000} s` : `no console output (status ${r.status}): ${r.stderr.trim()}`);
    return succeeded({ ms: r.firstByteMs, output: r.stdout.toString("latin1"), status: null });
  }
  const r = await runProcess(process.execPath, [hvplay, "run", image, "--stats"], { cwd: root, env, timeoutMs });
  if (r.timedOut) return failed(`did not finish within ${timeoutMs / 1000} s`);
  const stats = parseStats(r.stderr);
  if (!stats) return failed(`no --stats lines (status ${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  // Everything on stderr but the --stats lines: the reason a wrong run stopped (a triple fault, ...).
  const diagnostic = r.stderr
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^hvplay: (\d+ instructions retired|exits by kind)/.test(l))
    .join("; ")
    .slice(0, 300);
  return succeeded({
    ms: stats.seconds * 1000,
    diagnostic: diagnostic || undefined,
    output: r.stdout.toString("latin1"),
    status: r.status,
    instructions: stats.instructions,
    exits: stats.exits,
  });
}

/**
 * `hvplay run guests/linux/vmlinux --boot linux --initrd ... --stats` as src/vmm/linux-boot.test.ts
 * runs it; the time is spawn → the prompt on stdout, Node's start-up and the loading of the
 * vmlinux included (as the boot workload's first byte).
 */
async function runLinuxNode(root: string, hvplay: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunOutcome> {
  const args = [
    hvplay, "run", join(LINUX_DIR, LINUX_KERNEL), "--boot", "linux", "--initrd", join(LINUX_DIR, LINUX_INITRD),
    "--mem", String(LINUX_MEMORY_MIB), "--cmdline", LINUX_CMDLINE, "--stats",
  ];
  const r = await runProcess(process.execPath, args, {
    cwd: root,
    env,
    timeoutMs,
    until: { text: LINUX_PROMPT, signal: "SIGINT" },
    marks: LINUX_MILESTONES,
  });
  const output = r.stdout.toString("latin1");
  if (r.untilMs === null) {
    const why = r.timedOut ? `no shell prompt within ${timeoutMs / 1000} s` : `hvplay ended (status ${r.status}) before the shell prompt`;
    return failed(`${why}; console ends ${JSON.stringify(output.slice(-200))}; ${r.stderr.trim().slice(0, 300)}`);
  }
  const stats = parseStats(r.stderr);
  return succeeded({
    ms: r.untilMs,
    output,
    status: null,
    instructions: stats?.instructions,
    runMs: stats ? stats.seconds * 1000 : undefined,
    exits: stats?.exits,
    marks: r.marksMs,
    detail: /hvplay: (exits by kind: .*)/.exec(r.stderr)?.[1],
    diagnostic: stats ? undefined : `no --stats lines after SIGINT (status ${r.status}): ${r.stderr.trim().slice(0, 200)}`,
  });
}
