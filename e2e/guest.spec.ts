/**
 * The default guest (public/guests/monitor.elf, the interactive monitor) boots in the worker through
 * the zx_* calls, greets, prompts and answers a command typed in the console; hello's greeting
 * reaches the console; Pause (zx_vcpu_kick) then Step change the registers the panel shows; keys
 * typed in the console reach echo through COM1; the picker boots a boot sector as a flat image.
 *
 * Expected console output is the one recorded for the CLI and QEMU in guests/expected/ (same VMM,
 * same 128 MiB machine), so the browser is held to the same standard as `hvplay run`.
 */
import { expect, test, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { encodeRecipe } from "../src/share/codec";
import { defaultRecipe } from "../src/share/recipe";
import { chromiumLaunch } from "../playwright.config";

const root = path.resolve(import.meta.dirname, "..");

/** guests/expected/<name>.txt with CR LF folded to LF, or null when it was not recorded. */
function expected(name: string, ext = "txt"): string | null {
  const file = path.join(root, "guests", "expected", `${name}.${ext}`);
  return existsSync(file) ? readFileSync(file, "utf8").replace(/\r\n/g, "\n") : null;
}

async function consoleText(page: Page): Promise<string> {
  return ((await page.getByTestId("console-text").textContent()) ?? "").replace(/\r\n/g, "\n");
}

async function registerText(page: Page): Promise<string> {
  return (await page.locator('[data-testid^="reg-"]').allTextContents()).join("\n");
}

test("the default guest, the monitor, greets, prompts and answers a command", async ({ page }) => {
  await page.goto("/");
  const state = page.getByTestId("machine-state");
  // Its transcript recorded under QEMU (guests/expected/monitor.txt) starts with the greeting on the
  // debug console, the banner on COM1 and the prompt.
  const transcript = expected("monitor");
  const greeting = transcript ? transcript.slice(0, transcript.indexOf("hvplay> ") + "hvplay> ".length) : "hvplay> ";
  await expect.poll(() => consoleText(page)).toBe(greeting);
  await expect(page.locator("#guest-select")).toHaveValue("monitor.elf");
  // It waits for a key in HLT: running, not exited.
  await expect(state).toHaveText("running");
  await page.locator(".terminal-host").click();
  await page.keyboard.type("help", { delay: 20 });
  await page.keyboard.press("Enter");
  // The answer is the one QEMU printed for the same command (the transcript's first command is help).
  const help = transcript ? transcript.slice(greeting.length, transcript.indexOf("hvplay> ", greeting.length) + "hvplay> ".length) : null;
  if (help) await expect.poll(() => consoleText(page)).toBe(greeting + help);
  else await expect(page.getByTestId("console-text")).toContainText("commands:");
  await expect(page.locator(".xterm-rows")).toContainText("md ADDR [LEN]");
  // Each key was a receive interrupt: the exit log shows the UART's registers being read.
  await page.getByRole("tab", { name: /VM exits/ }).click();
  await expect(page.getByTestId("exit-log")).toContainText("0x3f8");
  // exit through the exit device: status (7 << 1) | 1.
  await page.locator(".terminal-host").click();
  await page.keyboard.type("exit 7", { delay: 20 });
  await page.keyboard.press("Enter");
  await expect(state).toHaveText(/^exited, status 15 /);
  await expect(page.getByTestId("console-text")).toContainText("bye");
});

test("the console's text mirror is left out of layout but not out of the accessibility tree", async ({ playwright, baseURL }) => {
  // A browser of its own with accessibility on from the start, as when a screen reader runs (what
  // Chromium exposes of skipped content then differs from what the DevTools protocol turns on later).
  const browser = await playwright.chromium.launch({ ...chromiumLaunch, args: [...chromiumLaunch.args, "--force-renderer-accessibility"] });
  try {
    const page = await browser.newPage({ baseURL });
    // While a guest prints flat out the mirror (up to 64 KB) changes four times a second; laid out,
    // it cost the page a frame's worth of text shaping each time. Off screen with content-visibility:
    // auto, the browser skips its contents (and says so with this event) ...
    await page.addInitScript(() => {
      const seen: boolean[] = [];
      (globalThis as { mirrorSkipped?: boolean[] }).mirrorSkipped = seen;
      document.addEventListener("contentvisibilityautostatechange", (event) => {
        if ((event.target as Element).matches('[data-testid="console-text"]')) seen.push((event as Event & { skipped: boolean }).skipped);
      }, true);
    });
    await page.goto("/");
    await expect(page.getByTestId("console-text")).toContainText("hvplay> ");
    await expect.poll(() => page.evaluate(() => (globalThis as { mirrorSkipped?: boolean[] }).mirrorSkipped?.at(-1))).toBe(true);
    // ... while assistive technology still reads its text: Chromium's own accessibility tree (what
    // a screen reader gets), not Playwright's reading of the DOM.
    const cdp = await page.context().newCDPSession(page);
    await expect.poll(async () => {
      const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: { nodeId: string; role?: { value: string }; name?: { value: string }; childIds?: string[] }[] };
      const log = nodes.find((n) => n.role?.value === "log" && n.name?.value === "Console output");
      const children = new Set(log?.childIds ?? []);
      return nodes.filter((n) => children.has(n.nodeId)).map((n) => n.name?.value ?? "").join("");
    }).toContain("hvplay> ");
  } finally {
    await browser.close();
  }
});

test("hello's greeting appears in the console", async ({ page }) => {
  await page.goto("/?guest=hello.elf");
  const greeting = expected("hello");
  if (greeting) {
    await expect.poll(() => consoleText(page)).toBe(greeting);
  } else {
    await expect(page.getByTestId("console-text")).toHaveText(/Hello/);
  }
  // The terminal itself shows it too (xterm renders its rows into the DOM).
  await expect(page.locator(".xterm-rows")).toContainText(greeting ? greeting.split("\n")[0] : "Hello");
  // hello ends through the exit device: status (0 << 1) | 1, as hvplay and QEMU report it.
  const status = expected("hello", "status")?.trim() ?? "1";
  await expect(page.getByTestId("machine-state")).toHaveText(new RegExp(`^exited, status ${status} `));
  // The handle table lists the guest and its VCPU by Zircon's type names.
  await expect(page.getByTestId("handles")).toContainText("ZX_OBJ_TYPE_GUEST");
  await expect(page.getByTestId("handles")).toContainText("ZX_OBJ_TYPE_VCPU");
  // The log recorded the syscalls (hundreds: one resume per port access), and the exits that carried
  // the greeting. The first calls (zx_guest_create, ...) have scrolled out of the rendered window.
  await expect(page.getByRole("tab", { name: /Syscalls/ })).toHaveText(/Syscalls\s*[1-9][\d,]{2,}/);
  await page.getByRole("tab", { name: /Syscalls/ }).click();
  await expect(page.getByTestId("syscall-log")).toContainText("zx_vcpu_resume");
  await expect(page.getByTestId("syscall-log")).toContainText("port=0xf4");
  await page.getByRole("tab", { name: /VM exits/ }).click();
  await expect(page.getByTestId("exit-log")).toContainText("0xe9");
});

/**
 * A share link whose guest computes forever in 32-bit protected mode (the bundled compute guests
 * now finish in a second or two, before a test can pause them twice).
 */
function foreverLink(): string {
  const text = ["bits 32", "org 0x100000", "again: inc eax", "add ebx, eax", "rol ecx, 3", "xor ecx, ebx", "jmp again"].join("\n");
  const encoded = encodeRecipe(defaultRecipe({ kind: "source", name: "forever.asm", text }, { method: "flat", mode: "protected", load: 0x100000, entry: 0x100000 }));
  if (!encoded.ok) throw new Error(encoded.error.message);
  return `/${encoded.fragment}`;
}

test("Pause then Step change the shown registers", async ({ page }) => {
  // A compute-bound guest that never ends, so that it is still running when we pause.
  await page.goto(foreverLink());
  const state = page.getByTestId("machine-state");
  await expect(state).toHaveText("running");

  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(state).toHaveText("paused");
  const rip = page.getByTestId("reg-rip");
  // 32-bit code: the panel shows EIP, EAX... as 8 hex digits.
  await expect(rip).toContainText(/[0-9a-f]{8}/);
  await expect(page.getByTestId("reg-rax")).toContainText(/[0-9a-f]{8}/);
  const ripBefore = (await rip.textContent()) ?? "";
  const before = await registerText(page);

  await page.getByRole("button", { name: "Step", exact: true }).click();
  await expect(state).toHaveText("paused (step)");
  await expect(rip).not.toHaveText(ripBefore);
  await expect(rip).toHaveClass(/changed/);
  expect(await registerText(page)).not.toBe(before);

  // The kick was a real zx_vcpu_kick, and zx_vcpu_resume came back ZX_ERR_CANCELED.
  await page.getByRole("tab", { name: /Syscalls/ }).click();
  await expect(page.getByTestId("syscall-log")).toContainText("zx_vcpu_kick");
  await expect(page.getByTestId("syscall-log")).toContainText("ZX_ERR_CANCELED");

  // And it runs on again.
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(state).toHaveText("running");
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(state).toHaveText("paused");
});

test("keys typed in the console reach the guest through COM1", async ({ page }) => {
  await page.goto("/?guest=echo.elf");
  await expect(page.getByTestId("console-text")).toContainText("q quits");
  await expect(page.getByTestId("machine-state")).toHaveText("running");
  await page.locator(".terminal-host").click();
  const typed = expected("echo", "stdin") ?? "hello q";
  await page.keyboard.type(typed, { delay: 20 });
  const output = expected("echo");
  if (output) await expect.poll(() => consoleText(page)).toBe(output);
  else await expect(page.getByTestId("console-text")).toContainText("HELLO");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited, status 1 /);
});

test("Reset builds a fresh machine that runs the guest again", async ({ page }) => {
  await page.goto("/?guest=hello.elf");
  const state = page.getByTestId("machine-state");
  await expect(state).toHaveText(/^exited/);
  await page.getByRole("button", { name: "Reset", exact: true }).click();
  await expect(state).toHaveText("ready");
  await expect(page.getByTestId("console-text")).toHaveText("");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(state).toHaveText(/^exited/);
  await expect(page.getByTestId("console-text")).toContainText(expected("hello")?.split("\n")[0] ?? "Hello");
});

test("a worker that stops answering becomes a readable error with a restart", async ({ page }) => {
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  // Kill the worker behind the page's back (as an out-of-memory kill would): no error event, only
  // silence, which the watchdog's ping notices.
  await page.evaluate(() => (globalThis as unknown as { hvplay: { worker: Worker } }).hvplay.worker.terminate());
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("The hypervisor worker stopped", { timeout: 20_000 });
  await expect(dialog).toContainText("has not answered");
  await dialog.getByRole("button", { name: "Restart worker" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  await expect(page.getByTestId("console-text")).toContainText(expected("hello")?.split("\n")[0] ?? "Hello");
});

test("the memory view reads guest RAM through the shared buffer", async ({ page }) => {
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  const memory = page.getByTestId("memory");
  // hello.elf is loaded whole at 1 MiB (its one PT_LOAD segment starts at file offset 0): the ELF magic.
  await page.getByTestId("mem-address").fill("0x100000");
  await page.getByTestId("mem-address").press("Enter");
  await expect(memory).toContainText("00100000");
  await expect(memory).toContainText(/7f\s*45\s*4c\s*46/i);
  await page.getByTestId("mem-address").fill("0x7000");
  await page.getByTestId("mem-address").press("Enter");
  await expect(memory).toContainText("00007000");
});

test("the picker boots a gallery boot sector as a flat image in real mode", async ({ page }) => {
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  // journey-boot.bin is no Multiboot kernel: the page passes its boot method (src/ui/guests.ts).
  await page.locator("#guest-select").selectOption("journey-boot.bin");
  const output = expected("journey-boot");
  if (output) await expect.poll(() => consoleText(page)).toBe(output);
  else await expect(page.getByTestId("console-text")).toContainText("long mode");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited, status 1 /);
});
