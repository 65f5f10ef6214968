/**
 * Determinism (issue 7): the same guest gives the same sequence of VM exits in the browser's worker
 * as in the CLI, run after run. Each side fingerprints every exit record (src/vmm/exit-hash.ts:
 * sequence number, status, kind, instruction count, RIP and the VMM's summary of what it did):
 * `hvplay run --exit-hash` prints it; the page's store has it in the worker's stats.
 *
 * The guests cover port I/O with device models and timers, MMIO, doorbells (BELL traps, served by
 * the VMM's port loop), long mode and segmentation; one boots from a share link's recipe.
 */
import { expect, test, type Page } from "@playwright/test";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { encodeRecipe } from "../src/share/codec";
import { defaultRecipe } from "../src/share/recipe";

const root = path.resolve(import.meta.dirname, "..");

/** `hvplay run public/guests/FILE --exit-hash`: the hash and the number of exits. */
function cliHash(file: string): { hash: string; exits: number } {
  // The exit status is the guest's (the exit device): only stderr's hash line matters here.
  const r = spawnSync(process.execPath, [path.join(root, "bin", "hvplay.mjs"), "run", path.join("public", "guests", file), "--exit-hash"], {
    cwd: root, stdio: ["ignore", "ignore", "pipe"], timeout: 60_000, encoding: "utf8",
  });
  const m = /hvplay: exit hash ([0-9a-f]{8}) \((\d+) exits\)/.exec(r.stderr ?? "");
  if (!m) throw new Error(`no exit hash from hvplay for ${file} (status ${r.status}): ${r.stderr}`);
  return { hash: m[1], exits: Number(m[2]) };
}

/** Opens `url` in a fresh page, waits for the guest to exit, and reads the worker's fingerprint. */
async function browserHash(page: Page, url: string): Promise<{ hash: string; exits: number }> {
  await page.goto(url);
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/, { timeout: 60_000 });
  // The last stats reach the page with the state; wait until they carry the final count.
  return await page.waitForFunction(() => {
    const s = (globalThis as unknown as { hvplay: { store: { getSnapshot(): { machine: { kind: string }; stats: { exitHash?: string; exitsByKind: Record<string, number> } | null } } } }).hvplay.store.getSnapshot();
    if (s.machine.kind !== "exited" || !s.stats?.exitHash) return null;
    return { hash: s.stats.exitHash, exits: Object.values(s.stats.exitsByKind).reduce((a, b) => a + b, 0) };
  }, null, { timeout: 30_000 }).then((h) => h.jsonValue() as Promise<{ hash: string; exits: number }>);
}

test.describe.configure({ timeout: 180_000 });

for (const file of ["hello.elf", "mmio.elf", "doorbell.elf", "long-mode.elf", "segmentation.elf"]) {
  test(`${file}: the same exit sequence in the CLI and in Chromium, twice each`, async ({ browser }) => {
    const cli = [cliHash(file), cliHash(file)];
    expect(cli[1]).toEqual(cli[0]);
    expect(cli[0].exits).toBeGreaterThan(0);
    for (let run = 0; run < 2; run++) {
      // A fresh context each time: a new page, a new worker, a new kernel.
      const context = await browser.newContext();
      try {
        const got = await browserHash(await context.newPage(), `/?guest=${file}`);
        expect(got, `run ${run + 1} in Chromium`).toEqual(cli[0]);
      } finally {
        await context.close();
      }
    }
  });
}

test("a share link's recipe boots to the same exit sequence as the CLI", async ({ page }) => {
  const encoded = encodeRecipe(defaultRecipe({ kind: "bundled", file: "c-kernel.elf" }), "http://x/");
  if (!encoded.ok) throw new Error(encoded.error.message);
  const fragment = encoded.link.slice(encoded.link.indexOf("#"));
  expect(await browserHash(page, `/${fragment}`)).toEqual(cliHash("c-kernel.elf"));
});
