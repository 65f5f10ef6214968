/** Command-line options of `npm run bench` (bench/run.mjs). Pure: argv in, options or an error out. */

export const USAGE = `npm run bench [-- options]

Runs each workload (guests/bench-*.asm, the default guest's boot, and Linux to its shell prompt)
through hvplay in Node and through the app's worker in headless Chromium, and on the peers — v86
(Node and Chromium) and QEMU TCG — in the same run, then prints medians with min–max and the
ratios ours/peer.

  --runs N        runs of each workload in each column (default 5), but linux
  --linux-runs N  runs of the Linux boot (linux) in each column (default 3)
  --only NAMES    only these workloads (comma-separated; repeatable): int, copy, smc, exits, boot,
                  linux, and ui (the page's frame rate and Pause while a guest runs flat out)
  --no-linux      leave out the Linux boot (it needs npm run guests:linux)
  --no-ui         leave out the page's frame rate and Pause (Chromium; 3 loads of 3 guests)
  --no-chromium   skip the Chromium columns (ours and v86)
  --no-v86        skip v86
  --no-qemu       skip QEMU (outputs are then checked against guests/expected/ where recorded)
  --timeout S     give up on one run after S seconds (default 300), but linux
  --linux-timeout S  give up on one Linux boot after S seconds (default 900)
  --write [FILE]  also write the report (with the machine's description) to FILE
                  (default bench/RESULTS.md)
  --help          this text
`;

export interface BenchOptions {
  runs: number;
  /** Runs of the Linux boot (the "linux" workload) in each column. */
  linuxRuns: number;
  only: string[];
  /** False with --no-linux: the Linux boot is left out even of the default selection. */
  linux: boolean;
  /** False with --no-ui: the page's frame rate and Pause (bench/ui.ts) are left out likewise. */
  ui: boolean;
  chromium: boolean;
  v86: boolean;
  qemu: boolean;
  timeoutMs: number;
  linuxTimeoutMs: number;
  /** Where to write the report, or null. */
  write: string | null;
  help: boolean;
}

export const DEFAULT_RESULTS = "bench/RESULTS.md";

export function parseBenchArgs(argv: readonly string[]): BenchOptions | { error: string } {
  const o: BenchOptions = {
    runs: 5,
    linuxRuns: 3,
    only: [],
    linux: true,
    ui: true,
    chromium: true,
    v86: true,
    qemu: true,
    timeoutMs: 300_000,
    linuxTimeoutMs: 900_000,
    write: null,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | null => (i + 1 < argv.length && !argv[i + 1].startsWith("--") ? argv[++i] : null);
    switch (a) {
      case "--runs":
      case "--linux-runs": {
        const v = value();
        const n = v === null ? Number.NaN : Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 100) return { error: `${a} takes a whole number from 1 to 100, not ${v ?? "nothing"}` };
        if (a === "--runs") o.runs = n;
        else o.linuxRuns = n;
        break;
      }
      case "--only": {
        const v = value();
        if (v === null) return { error: "--only takes workload names (e.g. --only int,copy)" };
        o.only.push(...v.split(",").map((s) => s.trim()).filter((s) => s.length > 0));
        break;
      }
      case "--timeout":
      case "--linux-timeout": {
        const v = value();
        const s = v === null ? Number.NaN : Number(v);
        if (!(s > 0 && s <= 3600)) return { error: `${a} takes seconds from 1 to 3600, not ${v ?? "nothing"}` };
        if (a === "--timeout") o.timeoutMs = s * 1000;
        else o.linuxTimeoutMs = s * 1000;
        break;
      }
      case "--write":
        o.write = value() ?? DEFAULT_RESULTS;
        break;
      case "--no-linux":
        o.linux = false;
        break;
      case "--no-ui":
        o.ui = false;
        break;
      case "--no-chromium":
        o.chromium = false;
        break;
      case "--no-v86":
        o.v86 = false;
        break;
      case "--no-qemu":
        o.qemu = false;
        break;
      case "--help":
      case "-h":
        o.help = true;
        break;
      default:
        return { error: `unknown option ${a} (see npm run bench -- --help)` };
    }
  }
  return o;
}
