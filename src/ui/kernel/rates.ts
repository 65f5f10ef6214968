/**
 * Rates for the exits/MIPS plot from the store's stats samples (one per stats event, ~4/s while the
 * guest runs): each point is the difference between two consecutive samples over their time delta.
 * Pure (rates.test.ts).
 */
import type { StatsSample } from "../store";

export interface RateSeries {
  /** Seconds (page time), one per point. */
  time: number[];
  exitsPerSecond: (number | null)[];
  mips: (number | null)[];
}

/**
 * Points at each sample after the first. A sample whose counters went backwards (a new machine) or
 * whose time did not advance starts over: the point is null, so the plot shows a break.
 */
export function computeRates(samples: readonly StatsSample[]): RateSeries {
  const out: RateSeries = { time: [], exitsPerSecond: [], mips: [] };
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i];
    const dt = (b.time - a.time) / 1000;
    const dExits = b.exits - a.exits, dInstr = b.instructions - a.instructions;
    out.time.push(b.time / 1000);
    if (dt <= 0 || dExits < 0 || dInstr < 0) {
      out.exitsPerSecond.push(null);
      out.mips.push(null);
    } else {
      out.exitsPerSecond.push(dExits / dt);
      out.mips.push(dInstr / dt / 1e6);
    }
  }
  return out;
}

/**
 * The time axis' labels: seconds with as many decimals as the spacing of the ticks needs (`step`,
 * uPlot's increment), so that ticks half a second apart do not all read "2s 2s 3s 3s".
 */
export function secondsLabels(ticks: readonly number[], step: number): string[] {
  const decimals = step > 0 && step < 1 ? Math.min(3, Math.ceil(-Math.log10(step) - 1e-9)) : 0;
  return ticks.map((t) => `${t.toFixed(decimals)}s`);
}
