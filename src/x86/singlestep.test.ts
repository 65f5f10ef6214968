/**
 * Real-CPU oracle: SingleStepTests 80286 real-mode vectors. Runs the full set from
 * ../shared/testdata/singlestep-80286 when it is beside the repository, and always the committed
 * slice (first 20 tests of each form, with the MIT licence) in src/x86/testdata/singlestep-80286.
 *
 * Skips, each with its reason (see skipReason/testSkipReason in testing/singlestep.ts): revoked
 * hashes; forms metadata.json marks undefined/undocumented/fpu/prefix; the 286-only 0F page; INS/OUTS
 * (they exit to the VMM); per test: LOCK on non-lockable instructions, MOV to/from Sreg 4/5,
 * instructions longer than 10 bytes, and string instructions that fault on a segment wrap (the 286
 * has already stepped the index registers).
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSuite, listFiles, skipReason, loadTests, SingleStepHarness, flagsMaskFor, SsSuite } from "./testing/singlestep";

const here = fileURLToPath(new URL(".", import.meta.url));
const fullDir = resolve(here, "../../../shared/testdata/singlestep-80286");
const sliceDir = join(here, "testdata/singlestep-80286");

function runSuite(suite: SsSuite): { pass: number; fail: number; skipped: number; failures: string[] } {
  const h = new SingleStepHarness();
  let pass = 0;
  let fail = 0;
  let skipped = 0;
  const failures: string[] = [];
  for (const f of listFiles(suite)) {
    if (skipReason(suite, f)) continue;
    const mask = flagsMaskFor(suite, f);
    for (const t of loadTests(suite, f)) {
      if (suite.revoked.has(t.hash) || SingleStepHarness.testSkipReason(t)) {
        skipped++;
        continue;
      }
      const err = h.run(t, mask);
      if (err === undefined) pass++;
      else {
        fail++;
        if (failures.length < 20) failures.push(`${f} #${t.idx} ${t.name}: ${err}`);
      }
    }
  }
  return { pass, fail, skipped, failures };
}

describe("SingleStepTests 80286 (real mode)", () => {
  it("passes every applicable test of the committed slice", () => {
    const suite = loadSuite(sliceDir);
    expect(suite).toBeDefined();
    const r = runSuite(suite!);
    expect(r.failures).toEqual([]);
    expect(r.pass).toBeGreaterThan(5000);
  });

  it.runIf(existsSync(join(fullDir, "metadata.json")))("passes every applicable test of the full set in ../shared", () => {
    const r = runSuite(loadSuite(fullDir)!);
    expect(r.failures).toEqual([]);
    expect(r.pass).toBeGreaterThan(150000);
  });

  it("skips a form only for a documented reason", () => {
    const suite = loadSuite(sliceDir)!;
    for (const f of listFiles(suite)) {
      const why = skipReason(suite, f);
      const status = suite.opcodes[f.split(".")[0]];
      // A form the 286 defines normally is skipped only on the 0F page or for string I/O.
      if (why && !f.startsWith("0F") && !["6C", "6D", "6E", "6F"].includes(f)) {
        expect(status, f).toBeDefined();
        expect(why).toMatch(/undefined|undocumented|x87|prefix/);
      }
    }
  });
});
