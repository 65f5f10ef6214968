/**
 * Not a check: refreshes docs/screenshot.png for the README (`npm run screenshot`, which sets
 * UPDATE_SCREENSHOT=1; playwright.config.ts leaves this file out of the test run otherwise).
 */
import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";

test("screenshot of the playground with the default guest, the monitor, answering help", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await expect(page.getByTestId("console-text")).toContainText("hvplay> ");
  await page.locator(".terminal-host").click();
  await page.keyboard.type("help\r", { delay: 20 });
  await expect(page.getByTestId("console-text")).toContainText("commands:");
  // Let xterm paint its last frame.
  await page.waitForTimeout(300);
  const out = path.resolve(import.meta.dirname, "..", "docs", "screenshot.png");
  mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
});
