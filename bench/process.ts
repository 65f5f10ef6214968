/**
 * Child processes for the bench: run a command to its end, or until its first byte on stdout, with
 * wall-clock timing and a hard timeout. A child we started and no longer need is ended by its own
 * pid (never by name).
 */
import { spawn } from "node:child_process";

export interface ProcessResult {
  /** Exit status, or null if it was ended by a signal (ours, on timeout or after the first byte). */
  status: number | null;
  stdout: Buffer;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  wallMs: number;
  /** Milliseconds from spawn to the first stdout byte; null if none came. */
  firstByteMs: number | null;
  /** Milliseconds from spawn to the moment stdout first contained `until.text`; null if it never did. */
  untilMs: number | null;
  /** Milliseconds from spawn to each of `marks` first appearing on stdout (absent: never seen). */
  marksMs: Record<string, number>;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  /** End the child (SIGTERM) as soon as its first stdout byte arrives. */
  untilFirstByte?: boolean;
  /**
   * End the child with `signal` (default SIGTERM) as soon as its stdout (read as latin1) contains
   * `text`, then wait for it to exit (hvplay prints its --stats on SIGINT); SIGKILL if it has not
   * within 10 s.
   */
  until?: { text: string; signal?: NodeJS.Signals };
  /** Texts whose first appearance on stdout is timed (milestones of a boot); needs `until`. */
  marks?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** Runs `command args` with stdin open but silent (QEMU's stdio chardev and hvplay read it). */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    let firstByteMs: number | null = null;
    let untilMs: number | null = null;
    // The end of stdout so far, long enough to find `until.text` split across two chunks.
    let tail = "";
    const marksMs: Record<string, number> = {};
    let timedOut = false;
    let settled = false;
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    };
    const kill = () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
      // A child that ignores SIGTERM gets SIGKILL a little later.
      setTimeout(kill, 2000).unref();
    }, options.timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      if (firstByteMs === null) {
        firstByteMs = performance.now() - t0;
        if (options.untilFirstByte) stop();
      }
      out.push(d);
      const until = options.until;
      if (until && untilMs === null) {
        const longest = Math.max(until.text.length, ...(options.marks ?? []).map((m) => m.length));
        tail = (tail + d.toString("latin1")).slice(-(longest + d.length));
        for (const m of options.marks ?? []) if (marksMs[m] === undefined && tail.includes(m)) marksMs[m] = performance.now() - t0;
        if (tail.includes(until.text)) {
          untilMs = performance.now() - t0;
          tail = "";
          if (child.exitCode === null && child.signalCode === null) child.kill(until.signal ?? "SIGTERM");
          setTimeout(kill, 10_000).unref();
        }
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const finish = (status: number | null, extra = "") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: err + extra, wallMs: performance.now() - t0, firstByteMs, untilMs, marksMs, timedOut });
    };
    child.on("error", (e) => finish(null, `cannot start ${command}: ${e.message}`));
    child.on("close", (status) => finish(status));
  });
}
