/** Command-line options of `npm run bench` (bench/run.mjs). Pure: argv in, options or an error out. */

export const USAGE = `npm run bench [-- options]

Runs each workload (guests/bench-*.asm, and the default guest's boot) through hvplay in Node and
through the app's worker in headless Chromium, and on the peers — v86 (Node and Chromium) and QEMU
TCG — in the same run, then prints medians with min–max and the ratios ours/peer.

  --runs N        runs of each workload in each column (default 5)
  --only NAMES    only these workloads (comma-separated; repeatable): int, copy, smc, exits, boot
  --no-chromium   skip the Chromium columns (ours and v86)
  --no-v86        skip v86
  --no-qemu       skip QEMU (outputs are then checked against guests/expected/ where recorded)
  --timeout S     give up on one run after S seconds (default 300)
  --write [FILE]  also write the report (with the machine's description) to FILE
                  (default bench/RESULTS.md)
  --help          this text
`;

export interface BenchOptions {
  runs: number;
  only: string[];
  chromium: boolean;
  v86: boolean;
  qemu: boolean;
  timeoutMs: number;
  /** Where to write the report, or null. */
  write: string | null;
  help: boolean;
}

export const DEFAULT_RESULTS = "bench/RESULTS.md";

export function parseBenchArgs(argv: readonly string[]): BenchOptions | { error: string } {
  const o: BenchOptions = { runs: 5, only: [], chromium: true, v86: true, qemu: true, timeoutMs: 300_000, write: null, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | null => (i + 1 < argv.length && !argv[i + 1].startsWith("--") ? argv[++i] : null);
    switch (a) {
      case "--runs": {
        const v = value();
        const n = v === null ? Number.NaN : Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 100) return { error: `--runs takes a whole number from 1 to 100, not ${v ?? "nothing"}` };
        o.runs = n;
        break;
      }
      case "--only": {
        const v = value();
        if (v === null) return { error: "--only takes workload names (e.g. --only int,copy)" };
        o.only.push(...v.split(",").map((s) => s.trim()).filter((s) => s.length > 0));
        break;
      }
      case "--timeout": {
        const v = value();
        const s = v === null ? Number.NaN : Number(v);
        if (!(s > 0 && s <= 3600)) return { error: `--timeout takes seconds from 1 to 3600, not ${v ?? "nothing"}` };
        o.timeoutMs = s * 1000;
        break;
      }
      case "--write":
        o.write = value() ?? DEFAULT_RESULTS;
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
