/**
 * From raw runs to the table's cells: checks every run's output against the reference, takes our
 * instruction and exit counts from a correct run of ours, subtracts each peer's start-up (the empty
 * guest's median wall time) and turns times into MIPS, exits per second or milliseconds. Pure.
 */
import { outputMismatch, type Reference, type RunOutcome, type RunRecord } from "./record";
import { cell, guestTime, mips, perSecond, summarize, type Cell } from "./stats";
import { COLUMN_TITLES, COLUMNS, type ColumnId, type WorkloadResult } from "./table";
import { LINUX_BANNER, LINUX_PROMPT, type Workload } from "./workloads";

/** Every run of one workload, by column (absent: the column did not run). */
export type RunsByColumn = Partial<Record<ColumnId, RunOutcome[]>>;

const PEERS: readonly ColumnId[] = ["v86Node", "v86Chromium", "qemu"];
const OURS: readonly ColumnId[] = ["oursNode", "oursChromium"];

export interface Analysis {
  result: WorkloadResult;
  /** Readable problems: failed runs, outputs that differ from the reference. */
  notes: string[];
  /** True when a run of ours produced output other than the reference's (a wrong CPU or VMM). */
  oursWrong: boolean;
}

/** The reference: QEMU's first finished run in this bench run, else the recording, else none. */
export function pickReference(qemuRuns: readonly RunOutcome[] | undefined, recorded: Reference | null): Reference | null {
  const first = qemuRuns?.find((o) => o.ok);
  if (first && first.ok) return { output: first.run.output, status: first.run.status, source: "QEMU, this run" };
  return recorded;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * @param w the workload
 * @param runs its runs by column
 * @param nullRuns the empty guest's runs by column (the peers' start-up), for MIPS/exits workloads
 * @param recorded guests/expected/ output, used when QEMU did not run
 * @param skipped why a column did not run at all (shown in its cell)
 */
export function analyze(
  w: Workload,
  runs: RunsByColumn,
  nullRuns: RunsByColumn,
  recorded: Reference | null,
  skipped: Partial<Record<ColumnId, string>>,
): Analysis {
  const notes: string[] = [];
  const firstByte = w.metric === "first-byte";
  // The Linux boot's console carries the kernel's timings (and ours differ from QEMU's): nothing to
  // compare byte for byte. Each run must instead show /init's banner before the prompt it stopped at.
  const prompt = w.metric === "prompt";
  const ref = prompt ? null : pickReference(runs.qemu, recorded);
  let oursWrong = false;

  // Correct runs per column; the rest become notes.
  const valid: Partial<Record<ColumnId, RunRecord[]>> = {};
  const firstProblem: Partial<Record<ColumnId, string>> = {};
  for (const c of COLUMNS) {
    const list = runs[c];
    if (!list) continue;
    valid[c] = [];
    // The same problem in several runs is one note: "runs 1, 2, 5: ...".
    const problems = new Map<string, number[]>();
    list.forEach((o, i) => {
      let problem: string | null = null;
      if (!o.ok) problem = o.error;
      else {
        const wrong = prompt ? bootMismatch(o.run.output) : outputMismatch(o.run, ref, firstByte);
        if (wrong) {
          problem = o.run.diagnostic ? `${wrong} (${o.run.diagnostic})` : wrong;
          firstProblem[c] ??= `wrong output: ${problem}`;
          if (OURS.includes(c)) oursWrong = true;
        } else valid[c]!.push(o.run);
      }
      if (problem === null) return;
      firstProblem[c] ??= problem;
      problems.set(problem, [...(problems.get(problem) ?? []), i + 1]);
    });
    for (const [problem, which] of problems) {
      notes.push(`${w.name}, ${COLUMN_TITLES[c]}, run${which.length > 1 ? "s" : ""} ${which.join(", ")}: ${problem}`);
    }
  }

  // Our counts: deterministic, so any correct run of ours gives them (Node first: hvplay --stats).
  const countSource = valid.oursNode?.find((r) => r.instructions !== undefined) ?? valid.oursChromium?.find((r) => r.instructions !== undefined);
  // The Linux boot is not deterministic (timer interrupts land where the host's clock says): its
  // count is the median of ours in Node, up to the moment the prompt stopped the VMM.
  const promptCount = prompt ? summarize((valid.oursNode ?? []).map((r) => r.instructions ?? Number.NaN)) : null;
  const instructions = firstByte ? null : prompt ? (promptCount ? Math.round(promptCount.median) : null) : countSource?.instructions ?? null;
  const exits = firstByte || prompt ? null : countSource?.exits ?? null;
  if (!prompt && instructions !== null && valid.oursChromium?.some((r) => r.instructions !== instructions)) {
    notes.push(`${w.name}: the worker in Chromium retired a different number of instructions than hvplay (${valid.oursChromium.map((r) => r.instructions).join(", ")} vs ${instructions})`);
  }

  const cells = {} as Record<ColumnId, Cell>;
  for (const c of COLUMNS) {
    const list = valid[c];
    if (!list) {
      cells[c] = { kind: "na", reason: skipped[c] ?? "not run" };
      continue;
    }
    const reason = firstProblem[c] ?? "no run finished";
    if (firstByte) {
      cells[c] = cell(list.map((r) => r.ms), false, reason);
    } else if (prompt) {
      // Seconds from start to the prompt, start-up included in every column (Node's, QEMU's, the page's).
      cells[c] = cell(list.map((r) => r.ms / 1000), false, reason);
    } else if (OURS.includes(c)) {
      cells[c] = cell(list.map((r) => (w.metric === "mips" ? mips(r.instructions ?? Number.NaN, r.ms) : perSecond(r.exits ?? Number.NaN, r.ms))), false, reason);
    } else {
      cells[c] = peerCell(w, list, nullRuns[c], instructions, exits, reason);
    }
  }
  const silence = firstByte || prompt ? null : summarize((valid.oursChromium ?? []).map((r) => r.silenceMs ?? Number.NaN));
  const result: WorkloadResult = {
    workload: w,
    instructions,
    exits,
    silence,
    reference: prompt ? `each run: /init's banner, then the prompt "${LINUX_PROMPT}"` : ref?.source ?? "unchecked (no QEMU, no recording)",
    cells,
  };
  if (prompt) {
    // MIPS of ours on this workload: instructions retired / the VMM's run time, as its stats say.
    const rates: WorkloadResult["mips"] = {};
    for (const c of OURS) {
      const r = summarize((valid[c] ?? []).map((x) => (x.instructions !== undefined && x.runMs !== undefined ? mips(x.instructions, x.runMs) : Number.NaN)));
      if (r) rates[c] = r;
    }
    result.mips = rates;
    for (const c of COLUMNS) {
      for (const [i, r] of (valid[c] ?? []).entries()) {
        const marks = Object.entries(r.marks ?? {}).sort((a, b) => a[1] - b[1]).map(([m, ms]) => `${JSON.stringify(m)} at ${seconds(ms)}`);
        notes.push(`${w.name}, ${COLUMN_TITLES[c]}, run ${i + 1}: ${[...marks, `the prompt at ${seconds(r.ms)}`].join(", ")}${r.runMs !== undefined && r.instructions !== undefined ? `; ${r.instructions.toLocaleString("en-US")} instructions in ${seconds(r.runMs)} of VMM run time` : ""}${r.detail ? `; ${r.detail}` : ""}`);
      }
    }
  }
  return { result, notes, oursWrong };
}

/** Why a Linux boot's console is not one that reached the shell, or null when it is. */
export function bootMismatch(output: string): string | null {
  const banner = output.indexOf(LINUX_BANNER);
  if (banner < 0) return `no "${LINUX_BANNER}" on the console before the prompt (console ends ${JSON.stringify(output.slice(-120))})`;
  if (!output.includes(LINUX_PROMPT, banner)) return `no prompt "${LINUX_PROMPT}" after /init's banner`;
  return null;
}

/** A peer's figure: our count over its wall time less its start-up. */
function peerCell(w: Workload, list: readonly RunRecord[], nullRuns: readonly RunOutcome[] | undefined, instructions: number | null, exits: number | null, reason: string): Cell {
  if (list.length === 0) return { kind: "na", reason };
  const count = w.metric === "mips" ? instructions : exits;
  const rate = (ms: number) => (w.metric === "mips" ? mips(count!, ms) : perSecond(count!, ms));
  const noCount = (ms: number): Cell => ({
    kind: "na",
    reason: `no ${w.metric === "mips" ? "instruction" : "exit"} count to derive it from (no run of ours was right); its guest time was ${seconds(ms)}`,
  });
  if (list.every((r) => r.startupExcluded)) {
    if (count === null) return noCount(summarize(list.map((r) => r.ms))!.median);
    return cell(list.map((r) => rate(r.ms)), false, reason);
  }
  // The empty guest must really have been empty: it prints nothing and leaves with status 1.
  const startups = (nullRuns ?? []).filter((o) => o.ok && o.run.output === "" && o.run.status === 1).map((o) => (o.ok ? o.run.ms : 0));
  const startup = summarize(startups);
  if (!startup) return { kind: "na", reason: "its start-up could not be measured (the empty guest bench-null.elf did not run)" };
  const times = list.map((r) => guestTime(r.ms, startup));
  if (count === null) return noCount(summarize(times.map((t) => t.ms))!.median);
  return cell(times.map((t) => rate(t.ms)), times.some((t) => t.bound), reason);
}

export { PEERS, OURS };
