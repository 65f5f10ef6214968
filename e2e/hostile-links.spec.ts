/**
 * Hostile share links fed to a running page (issue 7): seeded mutations and truncations of real
 * links, pasted into the address bar one after another (only the fragment changes, so the page
 * handles each through `hashchange`, as it would a pasted link). Each that is not a valid recipe
 * gets exactly the codec's readable error, computed here in Node from the fragment the browser
 * holds; none throws in the page or stops the worker; afterwards a good link still boots.
 *
 * Then links that are valid but carry random bytes as the guest image (every boot method): the
 * loader refuses them with a readable reason, or they run, inside the emulator, until the next.
 * The codec's own tests try thousands of mutations in Node (src/share/codec.test.ts); this proves
 * the page's wiring holds for them.
 */
import { expect, test, type Page } from "@playwright/test";
import { decodeFragment, encodeRecipe } from "../src/share/codec";
import { defaultRecipe, type Recipe } from "../src/share/recipe";
import { rng } from "../src/testing/fuzz";

test.describe.configure({ timeout: 180_000 });

const LINK_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=#&%+/ é";

/** One to three random edits (replace, insert, delete, swap), or a cut. */
function mutate(text: string, random: () => number): string {
  if (random() < 0.2) return text.slice(0, 3 + Math.floor(random() * (text.length - 3)));
  let out = text;
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    // Keep "#r=" mostly intact, so most mutations reach the decoder's deeper checks.
    const i = 3 + Math.floor(random() * (out.length - 3));
    const c = LINK_CHARS[Math.floor(random() * LINK_CHARS.length)];
    switch (Math.floor(random() * 4)) {
      case 0: out = out.slice(0, i) + c + out.slice(i + 1); break;
      case 1: out = out.slice(0, i) + c + out.slice(i); break;
      case 2: out = out.slice(0, i) + out.slice(i + 1); break;
      default: {
        const j = 3 + Math.floor(random() * (out.length - 3));
        const a = [...out];
        [a[i], a[j]] = [a[j], a[i]];
        out = a.join("");
      }
    }
  }
  return out;
}

function fragmentOf(recipe: Recipe): string {
  const e = encodeRecipe(recipe, "http://x/");
  if (!e.ok) throw new Error(e.error.message);
  return e.fragment;
}

const HELLO_SOURCE = `bits 16
org 0x7c00
    mov si, msg
.next: lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp .next
.done: mov al, 0
    out 0xf4, al
msg: db "hello from a good link", 10, 0
`;

function baseLinks(): string[] {
  const bundled = defaultRecipe({ kind: "bundled", file: "hello.elf" });
  bundled.traps = [{ kind: "mem", addr: 0xd0000000, size: 0x2000, key: 7n }];
  bundled.breakpoints = { addresses: [0x100000n], lines: [] };
  const source = defaultRecipe({ kind: "source", name: "hello.asm", text: HELLO_SOURCE });
  source.boot = { method: "flat", mode: "real" };
  const image = defaultRecipe({ kind: "image", name: "blob.bin", bytes: new Uint8Array(600).map((_, i) => (i * 37) & 0xff) });
  image.boot = { method: "flat", mode: "protected" };
  return [fragmentOf(bundled), fragmentOf(source), fragmentOf(image)];
}

/**
 * Pastes `fragment` into the address bar and waits (up to `waitMs`) for the page to report an
 * error; returns the fragment as the browser holds it and the errors shown.
 */
async function paste(page: Page, fragment: string, n: number, waitMs = 3000): Promise<{ held: string; errors: string[] }> {
  return page.evaluate(([f, i, wait]) => new Promise<{ held: string; errors: string[] }>((resolve) => {
    const store = (globalThis as unknown as { hvplay: { store: { dismissErrors(): void; getSnapshot(): { errors: string[] } } } }).hvplay.store;
    store.dismissErrors();
    // A neutral fragment first, so the same link twice still changes the hash.
    location.hash = `#paste-${i}`;
    location.hash = f;
    const held = location.hash;
    const start = performance.now();
    const poll = () => {
      const errors = store.getSnapshot().errors;
      if (errors.length > 0 || performance.now() - start > wait) resolve({ held, errors: [...errors] });
      else setTimeout(poll, 5);
    };
    poll();
  }), [fragment, n, waitMs] as const);
}

/** A readable error: a sentence, not a stack trace, an "[object …]" or an "undefined". */
function expectReadable(text: string): void {
  expect(text.length).toBeGreaterThan(10);
  expect(text).not.toMatch(/undefined|\[object |    at |TypeError|RangeError/);
}

test("a hundred and twenty mutated links each get the codec's readable error; the page carries on", async ({ page }) => {
  const pageErrors: Error[] = [];
  page.on("pageerror", (error) => pageErrors.push(error));
  await page.goto("/");
  const state = page.getByTestId("machine-state");
  await expect(state).toHaveText("running", { timeout: 60_000 });
  const random = rng(0x7e57);
  const bases = baseLinks();
  const counts = { refused: 0, ignored: 0, valid: 0 };
  for (let i = 0; i < 120; i++) {
    const mutated = mutate(bases[i % bases.length], random);
    // A mutation that still decodes (rare) would boot a guest: not what this test is about.
    const before = decodeFragment(mutated);
    if (before === null || before.ok) {
      counts[before === null ? "ignored" : "valid"]++;
      continue;
    }
    const { held, errors } = await paste(page, mutated, i);
    const expected = decodeFragment(held);
    if (expected === null || expected.ok) {
      counts[expected === null ? "ignored" : "valid"]++;
      continue;
    }
    counts.refused++;
    expectReadable(expected.error.message);
    expect(errors, `link ${i}: ${held.slice(0, 80)}`).toEqual([
      `Could not open the share link: ${expected.error.message}. The playground carries on without it.`,
    ]);
  }
  test.info().annotations.push({ type: "links", description: JSON.stringify(counts) });
  expect(counts.refused).toBeGreaterThan(100);
  await expect(state).toHaveText("running");
  // The page and the worker are fine: a good link boots and prints.
  await paste(page, bases[1], 1000, 0);
  await expect(page.getByTestId("console-text")).toHaveText("hello from a good link\n", { timeout: 30_000 });
  await expect(state).toHaveText(/^exited, status 1 /);
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test("valid links carrying random bytes as the guest: refused readably or run inside the emulator", async ({ page }) => {
  const pageErrors: Error[] = [];
  page.on("pageerror", (error) => pageErrors.push(error));
  await page.goto("/");
  const state = page.getByTestId("machine-state");
  await expect(state).toHaveText("running", { timeout: 60_000 });
  const random = rng(0xb10b);
  const boots: Recipe["boot"][] = [
    { method: "multiboot" },
    { method: "elf" },
    { method: "flat", mode: "real" },
    { method: "flat", mode: "protected" },
    { method: "flat", mode: "long" },
  ];
  const outcomes: string[] = [];
  for (let i = 0; i < 15; i++) {
    const bytes = new Uint8Array(64 + Math.floor(random() * 4000)).map(() => Math.floor(random() * 256));
    // Some start like the formats the loaders parse, so they get past the first check.
    if (i % 5 === 1) bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    if (i % 5 === 0) new DataView(bytes.buffer).setUint32(8, 0x1badb002, true);
    const recipe = defaultRecipe({ kind: "image", name: `random-${i}.bin`, bytes });
    recipe.boot = boots[i % boots.length];
    const { errors } = await paste(page, fragmentOf(recipe), 2000 + i, 1500);
    await expect(state).not.toHaveText(/^(loading|starting)/, { timeout: 30_000 });
    const shown = (await state.textContent()) ?? "";
    for (const e of errors) expectReadable(e);
    outcomes.push(`${recipe.boot.method}${"mode" in recipe.boot ? `/${recipe.boot.mode}` : ""}: ${shown}${errors.length ? ` (${errors.join(" | ")})` : ""}`);
  }
  test.info().annotations.push({ type: "outcomes", description: outcomes.join("; ") });
  // The worker survived all of them: a good link boots and prints.
  await paste(page, baseLinks()[1], 3000, 0);
  await expect(page.getByTestId("console-text")).toHaveText("hello from a good link\n", { timeout: 30_000 });
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});
