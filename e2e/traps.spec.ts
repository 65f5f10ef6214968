/**
 * User traps in Chromium: a MEM trap added in the Address space panel is set on the guest (after a
 * Reset, the guest's reads of that page exit under the trap's key and read all ones), Share carries
 * it (a version 2 link), and the link opened in a new page boots the same guest with the trap set and
 * the same exits. The console's Save writes that link above the console text.
 *
 * The guest is a boot sector written into the editor through its test hook (`window.hvplayEditor`).
 */
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";

// Monaco is a 3 MB chunk: on a busy two-core machine the first load alone can take a while.
test.describe.configure({ timeout: 180_000 });

/** Reads the page at 0xD0000 three times: "B" for RAM's zero, "A" for all ones (the trap). */
const SOURCE = `; reads a page that a trap can hide
bits 16
org 0x7c00
    mov ax, 0xd000
    mov ds, ax
    mov cx, 3
again:
    mov al, [0]
    add al, 'B'
    out 0xe9, al
    loop again
    mov al, 0
    out 0xf4, al
    hlt
`;

const TRAP_EXIT = /MMIO load 1 bytes? at 0xd0000 \(no VMM device: trap key 153\)/;

async function consoleText(page: Page): Promise<string> {
  return ((await page.getByTestId("console-text").textContent()) ?? "").replace(/\r\n/g, "\n");
}

test.beforeEach(async ({ context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
});

test("a MEM trap added in the Address space panel: exits under its key, in the share link, the same in a new page; Save heads the console with the link", async ({ page, context }) => {
  await page.goto("/");
  const state = page.getByTestId("machine-state");
  // Let the default guest finish booting first, so that our load is not overtaken by it.
  await expect(state).toHaveText("running", { timeout: 120_000 });
  await page.getByRole("tab", { name: "Editor" }).click();
  await page.waitForFunction(() => window.hvplayEditor !== undefined, null, { timeout: 120_000 });
  await page.evaluate((text) => window.hvplayEditor!.setValue(text, "trap.asm"), SOURCE);
  expect(await page.evaluate(() => window.hvplayEditor!.assembleAndRun())).toBe(true);
  await expect(state).toHaveText(/^exited, status 1 /);
  await expect.poll(() => consoleText(page)).toBe("BBB");

  // Add the trap on the page the guest reads.
  await page.getByRole("tab", { name: "Address space" }).click();
  const traps = page.getByTestId("user-traps");
  const form = traps.getByRole("form", { name: "Add trap" });
  await form.getByLabel("Kind").selectOption("mem");
  await form.getByLabel("Address").fill("0xd0000");
  await form.getByLabel("Size").fill("0x1000");
  await form.getByLabel("Key").fill("153");
  await form.getByRole("button", { name: "Add trap" }).click();
  const mine = traps.getByRole("table", { name: "Your traps" });
  await expect(mine.locator("tbody tr")).toHaveCount(1);
  await expect(mine.locator("tbody tr")).toContainText("0x000d0000");
  await expect(mine.locator("tbody tr")).toContainText("set");
  await expect(page.getByRole("table", { name: "Guest traps" }).locator("tr", { hasText: "0x000d0000" })).toContainText("153");

  // A fresh machine from the same guest gets the trap again; its reads now exit under key 153.
  await page.getByRole("button", { name: "Reset", exact: true }).click();
  await expect(state).toHaveText("ready");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(state).toHaveText(/^exited, status 1 /);
  await expect.poll(() => consoleText(page)).toBe("AAA");
  await page.getByRole("tab", { name: /VM exits/ }).click();
  const exitLog = page.getByTestId("exit-log");
  await expect(exitLog.locator("tr", { hasText: TRAP_EXIT })).toHaveCount(3);

  // Share carries the trap: a version 2 link.
  await page.getByRole("button", { name: "Share" }).click();
  await expect(page.getByRole("dialog", { name: "Share link" }).getByRole("status")).toHaveText("Link copied to the clipboard.");
  const link = await page.getByTestId("share-link").inputValue();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#r=2\.[A-Za-z0-9_-]+$/);
  await page.keyboard.press("Escape");

  // The link in a new page: the same guest, the trap set on it, the same output and exits.
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId("machine-state")).toHaveText(/^exited, status 1 /, { timeout: 120_000 });
  await expect.poll(() => consoleText(other)).toBe("AAA");
  await expect(other.getByTestId("errors")).toHaveCount(0);
  await other.getByRole("tab", { name: "Address space" }).click();
  const otherTraps = other.getByTestId("user-traps").getByRole("table", { name: "Your traps" });
  await expect(otherTraps.locator("tbody tr")).toHaveCount(1);
  await expect(otherTraps.locator("tbody tr")).toContainText("0x000d0000");
  await expect(otherTraps.locator("tbody tr")).toContainText("set");
  await other.getByRole("tab", { name: /VM exits/ }).click();
  await expect(other.getByTestId("exit-log").locator("tr", { hasText: TRAP_EXIT })).toHaveCount(3);

  // Save: the link that reproduces the guest, then the console as plain text.
  const [download] = await Promise.all([other.waitForEvent("download"), other.getByRole("button", { name: "Save the console to a file" }).click()]);
  expect(download.suggestedFilename()).toBe("trap-console.txt");
  const saved = readFileSync((await download.path())!, "utf8");
  const lines = saved.split("\n");
  expect(lines[0]).toMatch(/^# Hypervisor Playground console of trap\.asm, saved \d{4}-/);
  expect(lines[2]).toMatch(/^# http:\/\/127\.0\.0\.1:\d+\/#r=2\.[A-Za-z0-9_-]+$/);
  expect(saved.endsWith("# ----\nAAA\n")).toBe(true);

  // Removed: gone from the list (and the next link), but still on this guest until a new machine.
  await other.getByRole("tab", { name: "Address space" }).click();
  await other.getByRole("button", { name: /^Remove trap MEM 0x000d0000/ }).click();
  await expect(otherTraps).toHaveCount(0);
  await expect(other.getByTestId("removed-traps")).toContainText("still set on this guest until the next load or reset");
});
