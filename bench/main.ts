/**
 * `npm run bench` (issue 6): every workload, N times, in every column — ours in Node (hvplay) and in
 * Chromium (the app's worker), v86 in Node and in Chromium, QEMU TCG — in one run on one machine,
 * then the table of medians (min–max) and ratios. Runs go round-robin (run 1 of every workload in
 * every column, then run 2, ...) so that a slow spell of the shared machine spreads over all columns
 * instead of landing on one. Then, in Chromium, the page while a guest runs flat out (bench/ui.ts).
 * Progress goes to stderr, the report to stdout (and to --write FILE).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { analyze, type Analysis, type RunsByColumn } from "./analyze";
import { parseBenchArgs, USAGE } from "./args";
import { openChromium, runOursChromium, runUiChromium, runV86Chromium, type ChromiumSession } from "./chromium";
import { checkEnvironment, describeMachine } from "./environment";
import { prepareOursNode, runOursNode, type OursNode } from "./ours-node";
import { runQemu } from "./qemu";
import { waitForQuiet } from "./quiet";
import type { Reference, RunOutcome } from "./record";
import { renderReport } from "./report";
import { COLUMN_TITLES, COLUMNS, type ColumnId } from "./table";
import { renderUi, summarizeUi, UI_LOADS, uiGuests as uiGuestList, type UiReading } from "./ui";
import { runV86Node } from "./v86-node";
import { LINUX_NOT_BUILT, linuxMissing, NULL_GUEST, runsOf, selectWorkloads, UI_SECTION, workloads, type Workload } from "./workloads";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** guests/expected/NAME.txt + .status for a guest file, when recorded (used only without QEMU). */
function recorded(root: string, file: string): Reference | null {
  const name = file.replace(/\.(elf|bin)$/, "");
  const txt = join(root, "guests", "expected", `${name}.txt`);
  const status = join(root, "guests", "expected", `${name}.status`);
  if (!existsSync(txt) || !existsSync(status)) return null;
  return { output: readFileSync(txt, "latin1"), status: Number(readFileSync(status, "utf8")), source: `guests/expected/${name}.txt (QEMU's recording)` };
}

function describeRun(c: ColumnId, w: Workload, o: RunOutcome): string {
  if (!o.ok) return `failed: ${o.error.split("\n")[0].slice(0, 160)}`;
  const r = o.run;
  if (w.metric === "first-byte") return `first byte after ${r.ms.toFixed(0)} ms`;
  if (w.metric === "prompt") {
    const rate = r.instructions !== undefined && r.runMs ? `, ${(r.instructions / r.runMs / 1000).toFixed(1)} MIPS` : "";
    return `shell prompt after ${(r.ms / 1000).toFixed(1)} s${rate}`;
  }
  const rate = r.instructions !== undefined ? `, ${(r.instructions / r.ms / 1000).toFixed(1)} MIPS` : "";
  const exits = r.exits !== undefined && w.metric === "exits" ? `, ${((r.exits * 1000) / r.ms / 1e6).toFixed(2)}M exits/s` : "";
  const clock = c === "oursNode" || c === "oursChromium" ? "run" : r.startupExcluded ? "guest" : "wall";
  return `${(r.ms / 1000).toFixed(3)} s ${clock}${rate}${exits}`;
}

export async function main(argv: string[], root: string): Promise<number> {
  const started = performance.now();
  const opts = parseBenchArgs(argv);
  if ("error" in opts) {
    log(`bench: ${opts.error}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // "ui" in --only is the page's section (bench/ui.ts), not a workload; --only ui alone runs just it.
  const uiWanted = opts.ui && (opts.only.length === 0 || opts.only.includes(UI_SECTION));
  const selected = selectWorkloads(workloads(root), opts.only, opts.linux);
  if (typeof selected === "string") {
    log(`bench: ${selected}`);
    return 2;
  }
  // The Linux boot's images are in guests/linux/ (checked below: their absence only blanks its row).
  const files = [...selected.filter((w) => w.metric !== "prompt").map((w) => w.file), NULL_GUEST];
  const unbuilt = files.filter((f) => !existsSync(join(root, "public", "guests", f)));
  if (unbuilt.length > 0) {
    log(`bench: ${unbuilt.map((f) => `public/guests/${f}`).join(", ")} not built: run node scripts/build-guests.mjs (needs nasm)`);
    return 2;
  }

  // Which columns run, and why the others do not.
  const env = checkEnvironment(root);
  const skipped: Partial<Record<ColumnId, string>> = {};
  if (!opts.qemu) skipped.qemu = "skipped (--no-qemu)";
  else if (env.qemuMissing) skipped.qemu = env.qemuMissing;
  if (!opts.v86) skipped.v86Node = skipped.v86Chromium = "skipped (--no-v86)";
  else if (env.v86Missing) skipped.v86Node = skipped.v86Chromium = env.v86Missing;
  if (!opts.chromium) skipped.oursChromium = skipped.v86Chromium = "skipped (--no-chromium)";
  else if (env.chromiumMissing) skipped.oursChromium = skipped.v86Chromium = env.chromiumMissing;
  for (const [c, why] of Object.entries(skipped)) log(`bench: ${COLUMN_TITLES[c as ColumnId]}: ${why}`);

  // The Linux boot: v86 emulates a 32-bit CPU (no 64-bit kernel); without its images, no column runs.
  const linuxSelected = selected.some((w) => w.metric === "prompt");
  const missingLinux = linuxSelected ? linuxMissing(root) : [];
  if (missingLinux.length > 0) log(`bench: linux: ${missingLinux.join(", ")} missing: ${LINUX_NOT_BUILT}`);
  // Workloads v86 can run (all but the Linux boot); and whether any workload will run in Chromium.
  const v86Workloads = selected.some((w) => w.metric !== "prompt");
  const chromiumNeeded = v86Workloads || (linuxSelected && missingLinux.length === 0) || uiWanted;

  const machine = describeMachine(root);
  let chromium: ChromiumSession | null = null;
  let chromiumVersion: string | null = null;
  if (chromiumNeeded && (!skipped.oursChromium || !skipped.v86Chromium)) {
    try {
      chromium = await openChromium(root, skipped.v86Chromium || !v86Workloads ? null : env.bios, log);
      chromiumVersion = chromium.browser.version();
      if (chromium.appError) skipped.oursChromium = chromium.appError;
    } catch (error) {
      skipped.oursChromium = skipped.v86Chromium = `Chromium did not start: ${String(error).split("\n")[0]}`;
    }
  }
  const columns = (["oursNode", "oursChromium", "v86Node", "v86Chromium", "qemu"] as const).filter((c) => !skipped[c]);
  const oursNode: OursNode | null = columns.includes("oursNode") && selected.length > 0 ? await prepareOursNode(root, log) : null;

  const noV86 = "v86 cannot boot a 64-bit kernel (it emulates a 32-bit x86)";
  const linuxSkipped: Partial<Record<ColumnId, string>> =
    missingLinux.length > 0
      ? Object.fromEntries(COLUMNS.map((c) => [c, LINUX_NOT_BUILT]))
      : { ...skipped, v86Node: noV86, v86Chromium: noV86 };
  const linuxColumns = missingLinux.length > 0 ? [] : columns.filter((c) => c !== "v86Node" && c !== "v86Chromium");
  const columnsOf = (w: Workload): readonly ColumnId[] => (w.metric === "prompt" ? linuxColumns : columns);
  const skippedOf = (w: Workload) => (w.metric === "prompt" ? linuxSkipped : skipped);

  const runs = new Map<string, RunsByColumn>();
  const uiGuests = uiWanted ? uiGuestList() : [];
  const uiReadings: Record<string, UiReading[]> = {};
  const uiFailures: string[] = [];
  const nullWorkload: Workload = { name: "null", file: NULL_GUEST, metric: "mips", what: "the empty guest (peers' start-up)" };
  // Only QEMU needs its start-up subtracted (v86's runs are timed from the kernel's start), and only
  // for rates (times to a first byte or a prompt include every column's start-up alike).
  const needStartup = selected.some((w) => w.metric === "mips" || w.metric === "exits") && columns.includes("qemu");
  const schedule: [Workload, readonly ColumnId[]][] = [
    ...(needStartup ? [[nullWorkload, ["qemu"]] as [Workload, readonly ColumnId[]]] : []),
    ...selected.map((w) => [w, columnsOf(w)] as [Workload, readonly ColumnId[]]),
  ];
  const runsFor = (w: Workload) => runsOf(w, opts.runs, opts.linuxRuns);
  const rounds = Math.max(0, ...schedule.map(([w]) => runsFor(w)));
  const timeoutFor = (w: Workload) => (w.metric === "prompt" ? opts.linuxTimeoutMs : opts.timeoutMs);
  // Ctrl-C: end the preview server and Chromium we started before leaving (they would outlive us).
  const interrupted = () => {
    log("bench: interrupted");
    oursNode?.dispose();
    void (chromium?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  try {
    for (let i = 1; i <= rounds; i++) {
      for (const [w, cols] of schedule) {
        // The Linux boot has its own count (--linux-runs): it runs in the first rounds.
        if (i > runsFor(w)) continue;
        for (const c of cols) {
          let outcome: RunOutcome;
          try {
            // Each run on a quiet machine (bench/quiet.ts): not during the last one's tear-down.
            await waitForQuiet();
            outcome = await runOne(c, w);
          } catch (error) {
            outcome = { ok: false, error: `the bench itself failed: ${String(error)}` };
          }
          const byColumn = runs.get(w.name) ?? {};
          (byColumn[c] ??= []).push(outcome);
          runs.set(w.name, byColumn);
          log(`[${i}/${runsFor(w)}] ${w.name.padEnd(5)} ${COLUMN_TITLES[c].padEnd(14)} ${describeRun(c, w, outcome)}`);
        }
      }
    }
    // The page while a guest runs flat out: ours in Chromium only, after the workloads.
    if (uiWanted && chromium && !skipped.oursChromium) {
      const uiRuns = Math.min(opts.runs, UI_LOADS);
      for (let i = 1; i <= uiRuns; i++) {
        for (const g of uiGuests) {
          await waitForQuiet();
          let reading: UiReading | string;
          try {
            reading = await runUiChromium(chromium, g, opts.timeoutMs);
          } catch (error) {
            reading = `the bench itself failed: ${String(error)}`;
          }
          if (typeof reading === "string") uiFailures.push(`${g.name}, load ${i}: ${reading}`);
          else (uiReadings[g.name] ??= []).push(reading);
          const said = typeof reading === "string" ? `failed: ${reading}`
            : `${reading.fps.toFixed(1)} frames/s, longest gap ${reading.longestGapMs.toFixed(0)} ms, Pause ${reading.pauses.map((ms) => ms.toFixed(0)).join("/")} ms`;
          log(`[${i}/${uiRuns}] ui    ${g.name.padEnd(17)} ${said}`);
        }
      }
    }
  } finally {
    process.off("SIGINT", interrupted);
    oursNode?.dispose();
    await chromium?.close();
  }

  async function runOne(c: ColumnId, w: Workload): Promise<RunOutcome> {
    const timeout = timeoutFor(w);
    switch (c) {
      case "oursNode":
        return runOursNode(root, oursNode!, w, timeout);
      case "oursChromium":
        return runOursChromium(chromium!, w, timeout);
      case "v86Node":
        return runV86Node(root, env.bios!, w.file, w.metric, timeout);
      case "v86Chromium":
        return runV86Chromium(chromium!, w.file, w.metric, timeout);
      case "qemu":
        return runQemu(root, env.qemuRef!, w.file, w.metric, timeout);
    }
  }

  const nullRuns = runs.get("null") ?? {};
  const analyses: Analysis[] = selected.map((w) => analyze(w, runs.get(w.name) ?? {}, nullRuns, recorded(root, w.file), skippedOf(w)));
  const badNull = (nullRuns.qemu ?? []).find((o) => !o.ok);
  if (badNull && !badNull.ok) analyses[0]?.notes.push(`bench-null.elf, QEMU TCG: ${badNull.error}`);
  const elapsed = (performance.now() - started) / 1000;
  const command = `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
  const uiRows = uiGuests.map((g) => summarizeUi(g.name, uiReadings[g.name] ?? [])).filter((r) => r !== null);
  const ui = !uiWanted ? null
    : skipped.oursChromium ? [`The page while a guest runs flat out: not measured (${skipped.oursChromium}).`]
    : renderUi(uiRows, uiGuests, uiFailures);
  const report = renderReport({
    ui,
    analyses,
    runs: opts.runs,
    linuxRuns: opts.linuxRuns,
    command,
    machine: { ...machine, loadAverage: `${machine.loadAverage} at the start, ${describeMachine(root).loadAverage} at the end` },
    chromium: chromiumVersion,
    elapsedSeconds: elapsed,
    date: new Date(),
  });
  process.stdout.write(report.table);
  if (opts.write) {
    const target = resolve(root, opts.write);
    writeFileSync(target, report.full);
    log(`bench: wrote ${relative(root, target)}`);
  }
  if (analyses.some((a) => a.oursWrong)) {
    log("bench: a run of ours printed something other than QEMU: see the notes (a wrong machine gets no number)");
    return 1;
  }
  return 0;
}
