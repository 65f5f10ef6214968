/**
 * One run of one workload in one column (ours in Node, ours in Chromium, v86, QEMU), as every runner
 * reports it, and the check of its output against the reference (QEMU's output in the same run).
 */

export interface RunRecord {
  /**
   * Milliseconds by this column's clock. Ours: the time the VMM spent running the guest (hvplay's
   * --stats, the worker's stats). v86: from the kernel's start to the exit-device write. QEMU: wall
   * time of the whole process (the caller subtracts the empty guest's). For the boot workload: time
   * to the first console byte.
   */
  ms: number;
  /** A peer's time that already starts at the guest's first instruction (v86): nothing to subtract. */
  startupExcluded?: boolean;
  /** Console bytes (debug console and COM1), latin1. */
  output: string;
  /** Exit status as QEMU reports it ((v << 1) | 1), or null when the run was cut at its first byte. */
  status: number | null;
  /** Instructions retired and VM exits (ours only: the peers count neither). */
  instructions?: number;
  exits?: number;
  /**
   * The VMM's own run time behind `instructions`, when `ms` is another clock (the Linux boot: `ms`
   * is the time to the prompt, `instructions` and `runMs` the VMM's stats when it was stopped).
   */
  runMs?: number;
  /** More of what the runner said, for the notes (the Linux boot in Node: hvplay's exits by kind). */
  detail?: string;
  /** Milliseconds to milestones on the console (the Linux boot: its first message, /init's banner). */
  marks?: Record<string, number>;
  /** What the runner said besides its figures (hvplay's stderr), shown when the output is wrong. */
  diagnostic?: string;
  /** Ours in Chromium: the longest the page went without an event batch while the guest ran (ms). */
  silenceMs?: number;
}

export type RunOutcome = { ok: true; run: RunRecord } | { ok: false; error: string };

export const failed = (error: string): RunOutcome => ({ ok: false, error });
export const succeeded = (run: RunRecord): RunOutcome => ({ ok: true, run });

/** What a workload's output must be: QEMU's bytes and status from the same bench run. */
export interface Reference {
  output: string;
  /** Null when QEMU's run was cut at its first byte (the boot workload: only a prefix is compared). */
  status: number | null;
  /** Where it came from, for the report ("QEMU, this run" or a recording). */
  source: string;
}

/**
 * Why a run's output is not the reference's, or null when it is. The boot workload is cut at its
 * first byte, so only a prefix is compared there.
 */
export function outputMismatch(run: RunRecord, ref: Reference | null, prefixOnly: boolean): string | null {
  if (!ref) return null;
  if (prefixOnly) {
    if (run.output.length === 0) return "no console output";
    return ref.output.startsWith(run.output) || run.output.startsWith(ref.output) ? null : `console output ${JSON.stringify(clip(run.output))} is not QEMU's ${JSON.stringify(clip(ref.output))}`;
  }
  if (run.output !== ref.output) return `console output ${JSON.stringify(clip(run.output))} differs from QEMU's ${JSON.stringify(clip(ref.output))}`;
  if (run.status !== ref.status) return `exit status ${run.status} differs from QEMU's ${ref.status}`;
  return null;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
