/**
 * Waiting for a quiet machine before a timed run. On 2 cores anything else that runs takes time from
 * the guest, and some of it comes from the harness itself:
 *  - a new browser context opens a new window, and headless Chromium then starts its own pages for
 *    the window's UI (Chromium 156: chrome://omnibox-popup.top-chrome in a renderer of its own),
 *    about a second of one core. Started together with the page, that work fell inside every
 *    Chromium run (ours and v86's alike): bench-exits ran in ~1.15 s instead of ~0.8 s;
 *  - a closed context or an exited process still being torn down.
 * So every run starts once the whole machine has been nearly idle (all CPUs, from /proc/stat) for a
 * while, or after MAX_WAIT_MS at most. Where /proc/stat cannot be read, a fixed pause stands in.
 */
import { readFileSync } from "node:fs";

/** Jiffies from the first line of /proc/stat: busy (user, nice, system, irq, softirq) and all. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** A window's busy share (of all CPUs) below this is quiet: 8% of 2 cores is 16% of one. */
export const QUIET_SHARE = 0.08;
/** Length of one measuring window. */
export const WINDOW_MS = 100;
/** Quiet windows in a row that make the machine quiet. */
export const QUIET_WINDOWS = 3;
/** The longest wait: a machine busy with something else is measured as it is (and said so by the noise). */
export const MAX_WAIT_MS = 5000;
/** The pause where /proc/stat is unavailable (about the time Chromium's window start-up takes). */
export const FALLBACK_MS = 1500;

/**
 * Parses the aggregate "cpu" line of /proc/stat (user nice system idle iowait irq softirq steal ...).
 * Steal (time the hypervisor gave to other machines) and idle/iowait are not busy.
 */
export function parseCpuTimes(procStat: string): CpuTimes | null {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 7 || f.some((x) => !Number.isFinite(x))) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** The busy share of all CPUs between two readings (0 when no time passed). */
export function busyShare(a: CpuTimes, b: CpuTimes): number {
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : 0;
}

function readCpuTimes(): CpuTimes | null {
  try {
    return parseCpuTimes(readFileSync("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Resolves once QUIET_WINDOWS windows in a row were quiet, or after MAX_WAIT_MS; answers how long it
 * waited and whether the machine was quiet by then.
 */
export async function waitForQuiet(): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = performance.now();
  let last = readCpuTimes();
  if (last === null) {
    await sleep(FALLBACK_MS);
    return { waitedMs: performance.now() - start, quiet: false };
  }
  let quietWindows = 0;
  while (performance.now() - start < MAX_WAIT_MS) {
    await sleep(WINDOW_MS);
    const now = readCpuTimes();
    if (now === null) break;
    quietWindows = busyShare(last, now) < QUIET_SHARE ? quietWindows + 1 : 0;
    last = now;
    if (quietWindows >= QUIET_WINDOWS) return { waitedMs: performance.now() - start, quiet: true };
  }
  return { waitedMs: performance.now() - start, quiet: false };
}
