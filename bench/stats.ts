/**
 * The arithmetic of `npm run bench`, kept pure so it is tested without running a guest: summaries of
 * repeated runs (median, min, max — the machine is shared and noisy, ±30%), rates derived from our
 * instruction count, and the start-up subtraction for peers that count no instructions.
 */

/** Median, min and max of a set of runs, and how many runs there were. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Summarizes the runs; null when there are none (a column that could not run). */
export function summarize(values: readonly number[]): Summary | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  // An even count takes the mean of the middle two, as any statistics text defines the median.
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/**
 * One peer run's guest time: its wall time less the peer's start-up (process, firmware, loader), the
 * median wall time of the empty guest (guests/bench-null.asm) measured the same way in the same run.
 * When the difference is within the start-up's own noise — its spread over the runs, and never less
 * than a tenth of it or 10 ms, since a few runs understate the spread — the guest's work is below
 * what wall time can resolve: the result is then that resolution, and `bound` says the real time is
 * at most that.
 */
export interface GuestTime {
  ms: number;
  /** True when `ms` is an upper bound (the work vanished in the start-up noise). */
  bound: boolean;
}

export function guestTime(wallMs: number, startup: Summary): GuestTime {
  const resolution = Math.max(10, startup.max - startup.min, startup.median / 10);
  const ms = wallMs - startup.median;
  return ms > resolution ? { ms, bound: false } : { ms: resolution, bound: true };
}

/** Millions of instructions per second from an instruction count and a time in milliseconds. */
export function mips(instructions: number, ms: number): number {
  return ms > 0 ? instructions / ms / 1000 : Number.NaN;
}

/** Events (exits) per second from a count and a time in milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/**
 * A measured figure with its direction, so that ratios always read "how many times better ours is":
 * for a rate (MIPS, exits/s) ours / peer; for a time (ms to the first console byte) peer / ours.
 */
export type Direction = "higher-is-better" | "lower-is-better";

export function advantage(ours: number, peer: number, direction: Direction): number {
  if (!(ours > 0) || !(peer > 0)) return Number.NaN;
  return direction === "higher-is-better" ? ours / peer : peer / ours;
}

/** A column's figures for one workload: the summary, or why there is none. */
export type Cell =
  | { kind: "ok"; summary: Summary; /** the peer's time was at or below the timing resolution in some runs */ bound: boolean }
  | { kind: "na"; reason: string };

/** Builds a cell from per-run values (already rates or times), or the reason for none. */
export function cell(values: readonly number[], bound = false, reason = "no run finished"): Cell {
  const summary = summarize(values);
  return summary ? { kind: "ok", summary, bound } : { kind: "na", reason };
}
