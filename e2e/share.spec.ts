/**
 * Share links in Chromium: Share copies a link that boots the same guest with the same console
 * output in a new page (a bundled guest by name, an opened image by its bytes, with the 2 KB
 * warning); `?embed` shows only the console and a Run button; a corrupt or future link is a
 * readable error and the default guest still boots.
 *
 * Expected console output is the one recorded for the CLI and QEMU in guests/expected/.
 */
import { expect, test, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

function expected(name: string, ext = "txt"): string | null {
  const file = path.join(root, "guests", "expected", `${name}.${ext}`);
  return existsSync(file) ? readFileSync(file, "utf8").replace(/\r\n/g, "\n") : null;
}

async function consoleText(page: Page): Promise<string> {
  return ((await page.getByTestId("console-text").textContent()) ?? "").replace(/\r\n/g, "\n");
}

/** The monitor's greeting up to its first prompt, as QEMU printed it. */
function monitorGreeting(): string {
  const transcript = expected("monitor");
  return transcript ? transcript.slice(0, transcript.indexOf("hvplay> ") + "hvplay> ".length) : "hvplay> ";
}

/** Clicks Share and returns the link the page copied (and shows). */
async function share(page: Page): Promise<string> {
  await page.getByRole("button", { name: "Share" }).click();
  const dialog = page.getByRole("dialog", { name: "Share link" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("status")).toHaveText("Link copied to the clipboard.");
  const shown = await page.getByTestId("share-link").inputValue();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(shown);
  expect(copied).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#r=1\.[A-Za-z0-9_-]+$/);
  return copied;
}

test.beforeEach(async ({ context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
});

test("Share copies a link that boots the same guest, printing the same, in a new page", async ({ page, context }) => {
  await page.goto("/?guest=hello.elf");
  const state = page.getByTestId("machine-state");
  await expect(state).toHaveText(/^exited/);
  const output = await consoleText(page);
  expect(output).toBe(expected("hello") ?? output);

  const link = await share(page);
  // A bundled guest travels by name: a short link, no warning.
  expect(link.length).toBeLessThan(200);
  await expect(page.getByTestId("share-warning")).toHaveCount(0);
  await expect(page.getByTestId("share-embed")).toHaveValue(/^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed#r=1\./);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Share link" })).toBeHidden();

  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId("machine-state")).toHaveText(await state.textContent() ?? "");
  await expect.poll(() => consoleText(other)).toBe(output);
  await expect(other.locator("#guest-select")).toHaveValue("hello.elf");
  await expect(other.getByTestId("errors")).toHaveCount(0);
});

test("an opened image travels in the link, with the warning past 2 KB", async ({ page, context }) => {
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  // A gallery guest under another name: not a bundled guest, so its 4 KB go into the link.
  await page.locator('input[type="file"]').setInputFiles({
    name: "my-paging-demo.elf",
    mimeType: "application/octet-stream",
    buffer: readFileSync(path.join(root, "public", "guests", "paging-demo.elf")),
  });
  const state = page.getByTestId("machine-state");
  const status = expected("paging-demo", "status")?.trim() ?? "1";
  // hello also ended "exited, status 1": wait for paging-demo's own output before trusting the state.
  const want = expected("paging-demo");
  if (want) await expect.poll(() => consoleText(page)).toBe(want);
  else await expect(page.getByTestId("console-text")).toContainText("page faults taken");
  await expect(state).toHaveText(new RegExp(`^exited, status ${status} `));
  const output = await consoleText(page);

  const link = await share(page);
  expect(link.length).toBeGreaterThan(2048);
  await expect(page.getByTestId("share-warning")).toContainText("over 2,048 (2 KB)");

  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId("machine-state")).toHaveText(new RegExp(`^exited, status ${status} `));
  await expect.poll(() => consoleText(other)).toBe(output);
  await expect(other.getByTestId("errors")).toHaveCount(0);
});

test("embed mode shows only the console and a Run button, and runs the link's guest", async ({ page }) => {
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  await share(page);
  const embedSnippet = await page.getByTestId("share-embed").inputValue();
  const embedLink = /src="([^"]+)"/.exec(embedSnippet)![1].replace(/&amp;/g, "&");

  const embed = await page.context().newPage();
  await embed.goto(embedLink);
  const state = embed.getByTestId("machine-state");
  // Loaded and waiting for Run, with nothing of the workbench around it.
  await expect(state).toHaveText("ready");
  await expect(embed.getByRole("button", { name: "Run" })).toBeEnabled();
  await expect(embed.locator("#guest-select")).toHaveCount(0);
  await expect(embed.getByRole("button", { name: "Pause" })).toHaveCount(0);
  await expect(embed.getByRole("button", { name: "Share" })).toHaveCount(0);
  await expect(embed.locator(".registers-panel")).toHaveCount(0);
  await expect(embed.getByTestId("console-text")).toHaveText("");

  await embed.getByRole("button", { name: "Run" }).click();
  await expect(state).toHaveText(/^exited, status 1 /);
  const hello = expected("hello");
  if (hello) await expect.poll(() => consoleText(embed)).toBe(hello);
  // Run again boots it afresh: the same output once more, not appended.
  await embed.getByRole("button", { name: "Run" }).click();
  await expect(state).toHaveText(/^exited, status 1 /);
  if (hello) await expect.poll(() => consoleText(embed)).toBe(hello);
  await expect(embed.getByRole("link", { name: /Open in Hypervisor Playground/ })).toHaveAttribute("href", /^http:\/\/127\.0\.0\.1:\d+\/#r=1\./);
});

test("embed mode without a link runs the default guest on Run", async ({ page }) => {
  await page.goto("/?embed");
  await expect(page.getByTestId("machine-state")).toHaveText("ready");
  await page.getByRole("button", { name: "Run" }).click();
  await expect.poll(() => consoleText(page)).toBe(monitorGreeting());
});

for (const [what, hash, reason, thenPick] of [
  ["a corrupt link", "#r=1.eNqrVipTsjLUUUovTS0uUbKqVsrOzEtRslJKKs1LyUlNUdJRSsvMSQUKZKTm5OTrpeakKdXWAgDAbhE0", /Could not open the share link: this link is damaged/, true],
  ["a link from a newer playground", "#r=5.eNqrVipTsjLUUUovTS0uUbKqVsrOzEtRslJKKs1LyUlNUdJRSsvMSQUKZKTm5OTrpeakKdXWAgDAbhE1", /this link was made by a newer playground \(version 5\); this one reads up to 3/, false],
  ["a truncated link", "#r=1.eNqrVipTsjLUUUovTS0uUbKqVsrOzEtRslJK", /Could not open the share link: this link is damaged/, false],
] as const) {
  test(`${what} shows a readable error and the default guest still boots`, async ({ page }) => {
    await page.goto(`/${hash}`);
    await expect(page.getByTestId("errors")).toContainText(reason);
    await expect(page.getByTestId("errors")).toContainText("The playground carries on without it.");
    await expect.poll(() => consoleText(page)).toBe(monitorGreeting());
    await expect(page.getByTestId("machine-state")).toHaveText("running");
    await expect(page.locator("#guest-select")).toHaveValue("monitor.elf");
    if (thenPick) {
      // And it stays usable: the picker boots another guest.
      await page.locator("#guest-select").selectOption("hello.elf");
      await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
    }
  });
}
