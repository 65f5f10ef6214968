#!/usr/bin/env node
// npm run bench — runs guests/bench-int.asm (about a billion integer instructions) through the CLI,
// the same code path as `hvplay run`, five times, and reports the median MIPS with min/max.
// Every run's output must equal QEMU's recorded output (guests/expected/bench-int.txt), so a fast
// but wrong CPU does not produce a number.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// v86's interpreter on this class of machine, as stated in issue 6 (and issue 2): about 65 MIPS.
// A figure quoted from the issue, not measured here.
const V86_INTERPRETER_MIPS = 65;
// Five runs: this class of machine is shared, and a single run can be ~40% slow (see the closing notes).
const RUNS = 5;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const image = "public/guests/bench-int.elf";
const expected = readFileSync(join(root, "guests/expected/bench-int.txt"), "utf8");
const expectedStatus = Number(readFileSync(join(root, "guests/expected/bench-int.status"), "utf8"));

const mips = [];
for (let i = 0; i < RUNS; i++) {
  const r = spawnSync(process.execPath, [join(root, "bin/hvplay.mjs"), "run", image, "--stats"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.stdout !== expected || r.status !== expectedStatus) {
    console.error(`bench: run ${i + 1} differs from QEMU (status ${r.status}, expected ${expectedStatus})`);
    console.error(`stdout: ${JSON.stringify(r.stdout)}\nexpected: ${JSON.stringify(expected)}\nstderr: ${r.stderr}`);
    process.exit(1);
  }
  const m = /instructions retired in [\d.]+ s \(([\d.]+) MIPS\)/.exec(r.stderr);
  if (!m) {
    console.error(`bench: no --stats line in: ${r.stderr}`);
    process.exit(1);
  }
  mips.push(Number(m[1]));
  console.log(`run ${i + 1}: ${r.stderr.trim().split("\n").map((l) => l.replace(/^hvplay: /, "")).join("; ")}`);
}
mips.sort((a, b) => a - b);
const median = mips[Math.floor(mips.length / 2)];
console.log(`bench-int: median ${median.toFixed(1)} MIPS (min ${mips[0].toFixed(1)}, max ${mips[mips.length - 1].toFixed(1)}) over ${RUNS} runs`);
console.log(`ratio to v86's interpreter (${V86_INTERPRETER_MIPS} MIPS, issue 6's figure for this class of machine): ${(median / V86_INTERPRETER_MIPS).toFixed(2)}x`);
