/**
 * The text `npm run bench` prints and `--write` saves (bench/RESULTS.md): the table, what each
 * workload is, how each figure was obtained, the notes; the saved file adds the machine, the
 * versions, the date and the command. Pure.
 */
import type { Analysis } from "./analyze";
import type { MachineDescription } from "./environment";
import { renderTable, renderWorkloads } from "./table";
import { LINUX_CMDLINE } from "./workloads";

export interface ReportInput {
  analyses: readonly Analysis[];
  runs: number;
  /** Runs of the Linux boot (its own count); `runs` when absent. */
  linuxRuns?: number;
  command: string;
  machine: MachineDescription;
  chromium: string | null;
  elapsedSeconds: number;
  date: Date;
  /** The page's section (bench/ui.ts renderUi), or null when it was not asked for. */
  ui?: readonly string[] | null;
}

export const METHOD = [
  "How each figure is obtained:",
  "- Every run (each column) starts once the machine has been nearly idle for 0.3 s (under 8% of all CPUs busy, from /proc/stat; at most 5 s of waiting): not during the previous run's tear-down. In Chromium the run's page first opens about:blank and waits likewise, so that the browser's own start-up of a new context's window (its UI pages, about a second of one core) is not inside the run.",
  "- ours, Node: `hvplay run public/guests/FILE --stats`, a process per run; time = the VMM's run loop as --stats reports it (Node's start-up excluded); MIPS = instructions retired / that time; exits/s = VM exits (all kinds) / that time.",
  "- ours, Chromium: the built app under `vite preview` in headless Chromium, opened at `/?guest=FILE` (a fresh context, hence a fresh worker, per run, navigated from about:blank once quiet); the same figures from the worker's stats as the page's store receives them. \"Longest worker silence\": the longest the page went without an event batch while the guest ran (the worker pushes stats every 250 ms; the page's watchdog ends a worker silent for 8 s).",
  "- v86 (npm `v86`, JIT on, SeaBIOS from Debian's `seabios`): the guest booted as a Multiboot kernel; ports 0xE9 and 0xF4 are given QEMU's meaning through v86's port-I/O registry; time = the kernel's start (v86's Multiboot option ROM reads port 0xF4 to load it, after SeaBIOS) → the exit-device write, in a Node process of its own or a Chromium page of its own.",
  "- QEMU TCG: `qemu-ref multiboot public/guests/FILE` (Debian's qemu-system-i386, `-cpu max`); time = the process's wall time.",
  "- Peers count no instructions that match ours, so their MIPS = OUR instruction count / their guest time; exits/s likewise from our exit count (for QEMU and v86 an OUT is a device callback, not a VM exit). QEMU's guest time = its wall time − its start-up, the median wall time of the empty guest bench-null.elf in the same run; `≥` marks a figure whose time was within that start-up's spread (a lower bound).",
  "- boot: milliseconds to the default guest's first console byte — from spawning the process (ours: `hvplay run` from the bundle the bench makes of it (scripts/build-cli.mjs), Node's start-up and the bundle's loading included; QEMU; v86: a Node process loading v86) or from navigation start (Chromium: the app's console text appearing in the DOM; v86's page receiving the byte).",
  "- linux: seconds from start to the Linux guest's shell prompt `hvplay:/# ` on the console (issue 8) — ours, Node: `hvplay run guests/linux/vmlinux --boot linux --initrd guests/linux/initramfs.cpio --mem 256 --cmdline '" + LINUX_CMDLINE + "' --stats` (the page's command line for the bundled guest, workers/api.ts LINUX_DEFAULT_CMDLINE: no crypto self-tests, no speculation defences, no W+X page-table walk; every column boots with it), from spawning it (Node's start-up and the loading of the vmlinux included) to the prompt on its stdout, then SIGINT, after which --stats gives the instructions retired and the VMM's run time (their quotient is the MIPS in the workloads table); ours, Chromium: navigation start of `/?guest=linux` (the worker fetches the images from the preview server) → the prompt in the console's text, MIPS from the worker's stats the page held at that moment; QEMU TCG: `qemu-ref --mem 256 linux guests/linux/bzImage guests/linux/initramfs.cpio '" + LINUX_CMDLINE + "'` (qemu-system-x86_64, its own Linux loader) from spawn to the prompt. v86 cannot boot a 64-bit kernel. The consoles are not compared with QEMU's (the kernel prints timings); each run must show /init's banner before the prompt. The kernel's first message and the banner are timed too (in the notes).",
  "- Ratios are ours ÷ peer for rates and peer ÷ ours for times: above 1 means ours is faster. Cells are median (min–max) over the runs; every run's console output must equal QEMU's from the same bench run (linux: show the banner and the prompt), or it gets no number.",
];

export function renderReport(input: ReportInput): { table: string; full: string } {
  const results = input.analyses.map((a) => a.result);
  const linuxRuns = input.linuxRuns ?? input.runs;
  const { lines, footnotes } = renderTable(results, input.runs, linuxRuns);
  const hasLinux = results.some((r) => r.workload.metric === "prompt");
  const onlyLinux = hasLinux && results.every((r) => r.workload.metric === "prompt");
  const plural = (n: number) => `${n} run${n === 1 ? "" : "s"}`;
  const runsText = onlyLinux ? plural(linuxRuns) : hasLinux && linuxRuns !== input.runs ? `${plural(input.runs)} (linux: ${plural(linuxRuns)})` : plural(input.runs);
  const notes = input.analyses.flatMap((a) => a.notes);
  // --only ui: the page's section alone.
  const body = results.length === 0 ? [...(input.ui ?? []), "", `The whole bench took ${Math.round(input.elapsedSeconds)} s.`].join("\n") : [
    ...lines,
    "",
    ...(footnotes.length ? [...footnotes, ""] : []),
    `Medians of ${runsText} (min–max in parentheses); the whole bench took ${Math.round(input.elapsedSeconds)} s.`,
    "",
    ...(input.ui ? [...input.ui, ""] : []),
    ...renderWorkloads(results),
    "",
    ...METHOD,
    "",
    ...(notes.length ? ["Notes:", ...notes.map((n) => `- ${n}`), ""] : []),
  ].join("\n");
  const m = input.machine;
  const header = [
    "# `npm run bench` results",
    "",
    "Written by `npm run bench -- --write` (bench/run.mjs); run it again to replace. The machine is shared and",
    "noisy (±30% between runs is usual), so read the min–max ranges along with the medians.",
    "",
    `- Date: ${input.date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`,
    `- Command: \`${input.command}\``,
    `- Machine: ${m.cpus} CPUs (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB; load average ${m.loadAverage}`,
    `- Node ${m.node}; Chromium ${input.chromium ?? "not run"}; v86 ${m.v86 ?? "not installed"}; ${m.qemu ?? "QEMU not installed"}; SeaBIOS ${m.seabios ?? "not installed"}`,
    "",
    "## Results",
    "",
  ].join("\n");
  return { table: `${body}\n`, full: `${header}\n${body}\n` };
}
