/**
 * The report of `npm run bench`: one Markdown table (printed, and written to bench/RESULTS.md by
 * --write), a table of what each workload did, and the notes (failures with their reasons, outputs
 * that differed from QEMU's). Pure: results in, lines out.
 */
import { advantage, type Cell, type Direction, type Summary } from "./stats";
import type { Metric, Workload } from "./workloads";

export const COLUMNS = ["oursNode", "oursChromium", "v86Node", "v86Chromium", "qemu"] as const;
export type ColumnId = (typeof COLUMNS)[number];

export const COLUMN_TITLES: Record<ColumnId, string> = {
  oursNode: "ours, Node",
  oursChromium: "ours, Chromium",
  v86Node: "v86, Node",
  v86Chromium: "v86, Chromium",
  qemu: "QEMU TCG",
};

/** The ratios the table shows: ours in one column against a peer in another. */
export const RATIOS: readonly { title: string; ours: ColumnId; peer: ColumnId }[] = [
  { title: "ours/v86, Node", ours: "oursNode", peer: "v86Node" },
  { title: "ours/v86, Chromium", ours: "oursChromium", peer: "v86Chromium" },
  { title: "ours/QEMU (Node)", ours: "oursNode", peer: "qemu" },
];

export interface WorkloadResult {
  workload: Workload;
  /** Our instruction and exit counts (hvplay --stats), null when no run of ours was right. */
  instructions: number | null;
  exits: number | null;
  /** Ours in Chromium: the longest the page went without news from the running worker (ms). */
  silence: Summary | null;
  /** Where the expected output came from ("QEMU, this run", a recording, or "unchecked"). */
  reference: string;
  cells: Record<ColumnId, Cell>;
  /**
   * The Linux boot: ours' MIPS on it per column (instructions retired / the VMM's run time, from its
   * stats when the prompt was seen), shown in the workloads table; its headline is seconds.
   */
  mips?: Partial<Record<ColumnId, Summary>>;
}

export const METRIC_UNIT: Record<Metric, string> = { mips: "MIPS", exits: "exits/s", "first-byte": "ms to 1st byte", prompt: "seconds to shell prompt" };

export function direction(metric: Metric): Direction {
  return metric === "first-byte" || metric === "prompt" ? "lower-is-better" : "higher-is-better";
}

/** 1234.5 → "1,235"; 65.43 → "65.4"; 0.5 → "0.50". Exits per second in k/M. */
export function formatValue(v: number, metric: Metric): string {
  if (!Number.isFinite(v)) return "?";
  if (metric === "exits") {
    if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
    if (v >= 1e3) return `${(v / 1e3).toFixed(0)}k`;
    return v.toFixed(0);
  }
  if (v >= 100) return Math.round(v).toLocaleString("en-US");
  if (v >= 1) return v.toFixed(1);
  return v.toFixed(2);
}

/**
 * "65.4 (61.0–70.2)"; "≥ 2.10M (…)" when the peer's time was at the timing resolution; "… [3 of 5
 * runs]" when some runs failed (their reasons are in the notes); "n/a[1]" with a footnote.
 */
export function formatCell(c: Cell, metric: Metric, footnote: (reason: string) => string, expectedRuns = 0): string {
  if (c.kind === "na") return `n/a${footnote(c.reason)}`;
  const { median, min, max, runs } = c.summary;
  const bound = c.bound ? (direction(metric) === "higher-is-better" ? "≥ " : "≤ ") : "";
  const range = runs > 1 ? ` (${formatValue(min, metric)}–${formatValue(max, metric)})` : "";
  const partial = runs < expectedRuns ? ` [${runs} of ${expectedRuns} runs]` : "";
  return `${bound}${formatValue(median, metric)}${range}${partial}`;
}

export function formatRatio(ours: Cell, peer: Cell, metric: Metric): string {
  if (ours.kind !== "ok" || peer.kind !== "ok") return "–";
  const r = advantage(ours.summary.median, peer.summary.median, direction(metric));
  if (!Number.isFinite(r)) return "–";
  // A peer figure that is only a bound makes the ratio a bound the other way.
  const bound = peer.bound ? "≤ " : "";
  return `${bound}${r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/**
 * The main table and the numbered reasons behind its n/a cells (`expectedRuns`: runs per cell;
 * `linuxRuns`: the Linux boot's, which has its own count).
 */
export function renderTable(results: readonly WorkloadResult[], expectedRuns = 0, linuxRuns = expectedRuns): { lines: string[]; footnotes: string[] } {
  const footnotes: string[] = [];
  const footnote = (reason: string) => {
    let i = footnotes.indexOf(reason);
    if (i < 0) i = footnotes.push(reason) - 1;
    return `[${i + 1}]`;
  };
  const lines = [
    row(["workload", "unit", ...COLUMNS.map((c) => COLUMN_TITLES[c]), ...RATIOS.map((r) => r.title)]),
    row(["---", "---", ...COLUMNS.map(() => "---:"), ...RATIOS.map(() => "---:")]),
  ];
  for (const r of results) {
    const m = r.workload.metric;
    lines.push(row([
      r.workload.name,
      METRIC_UNIT[m],
      ...COLUMNS.map((c) => formatCell(r.cells[c], m, footnote, m === "prompt" ? linuxRuns : expectedRuns)),
      ...RATIOS.map((x) => formatRatio(r.cells[x.ours], r.cells[x.peer], m)),
    ]));
  }
  return { lines, footnotes: footnotes.map((f, i) => `[${i + 1}] ${f}`) };
}

/** What each workload is, with our counts and where its expected output came from. */
export function renderWorkloads(results: readonly WorkloadResult[]): string[] {
  const lines = [
    row(["workload", "guest", "instructions (ours)", "exits (ours)", "longest worker silence, Chromium (ms)", "output checked against", "what"]),
    row(["---", "---", "---:", "---:", "---:", "---", "---"]),
  ];
  for (const r of results) {
    if (r.workload.metric === "prompt") {
      lines.push(row([r.workload.name, r.workload.file, promptCount(r), "–", "–", r.reference, r.workload.what]));
      continue;
    }
    // The boot workload is cut at its first byte: nothing to count there.
    const none = r.workload.metric === "first-byte";
    const count = (n: number | null) => (none ? "–" : n === null ? "?" : n.toLocaleString("en-US"));
    const silence = none ? "–" : r.silence ? formatCell({ kind: "ok", summary: r.silence, bound: false }, "first-byte", () => "") : "?";
    lines.push(row([r.workload.name, r.workload.file, count(r.instructions), count(r.exits), silence, r.reference, r.workload.what]));
  }
  return lines;
}

/**
 * The Linux boot's instruction cell: ours in Node up to the prompt (not deterministic: a median),
 * and ours' MIPS on it in each column that ran — "3,012,000,000 to the prompt (Node); MIPS: Node
 * 41.2, Chromium 20.1".
 */
export function promptCount(r: WorkloadResult): string {
  const rates = COLUMNS.flatMap((c) => {
    const m = r.mips?.[c];
    return m ? [`${COLUMN_TITLES[c].replace(/^ours, /, "")} ${formatCell({ kind: "ok", summary: m, bound: false }, "mips", () => "")}`] : [];
  });
  const count = r.instructions === null ? "?" : `${r.instructions.toLocaleString("en-US")} to the prompt (Node)`;
  return rates.length ? `${count}; MIPS: ${rates.join(", ")}` : count;
}
