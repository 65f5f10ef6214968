/**
 * The debugger's views in Chromium: with the monitor (the default guest) paused, Step moves RIP and
 * highlights it, a register edit sticks, a byte written in the memory view is what the guest's own
 * `md` command then reads; on the paging demo, the memory view's virtual space and page walk show
 * the guest's 32-bit page tables.
 */
import { expect, test, type Page } from "@playwright/test";

async function consoleText(page: Page): Promise<string> {
  return ((await page.getByTestId("console-text").textContent()) ?? "").replace(/\r\n/g, "\n");
}

/** Boots the monitor, waits for its prompt and pauses it. */
async function pausedMonitor(page: Page): Promise<void> {
  await page.goto("/");
  await expect.poll(() => consoleText(page), { timeout: 60_000 }).toContain("hvplay> ");
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("machine-state")).toHaveText(/^paused/);
}

const ripText = (page: Page) => page.getByTestId("reg-rip").locator(".dbg-value").textContent();

test("Step moves RIP, highlights it, and the code view follows", async ({ page }) => {
  await pausedMonitor(page);
  const before = await ripText(page);
  expect(before).toMatch(/^[0-9a-f]{8}$/);
  await page.getByRole("button", { name: "Step", exact: true }).click();
  await expect.poll(() => ripText(page)).not.toBe(before);
  await expect(page.getByTestId("reg-rip")).toHaveClass(/changed/);
  const after = (await ripText(page))!;
  // The code view marks the instruction at RIP.
  const current = page.getByTestId("code-view").locator('tr[aria-current="true"]');
  await expect(current).toHaveCount(1);
  await expect(current).toHaveAttribute("data-address", after);
  // The gutter sets and clears a breakpoint there.
  const gutter = current.getByRole("button", { name: `Breakpoint at ${after}` });
  await gutter.click();
  await expect(gutter).toHaveAttribute("aria-pressed", "true");
  await expect(current).toHaveAttribute("data-breakpoint", "true");
  await gutter.click();
  await expect(gutter).toHaveAttribute("aria-pressed", "false");
  await page.screenshot({ path: test.info().outputPath("step.png") });
});

test("a register edit sticks; bad input shows why and writes nothing", async ({ page }) => {
  await pausedMonitor(page);
  const rbx = page.getByTestId("reg-rbx-value");
  await rbx.click();
  const input = page.getByTestId("reg-rbx-value-input");
  await input.fill("xyz");
  await input.press("Enter");
  await expect(page.getByRole("alert").filter({ hasText: "not a hex number" })).toBeVisible();
  await input.press("Escape");
  await rbx.click();
  await page.getByTestId("reg-rbx-value-input").fill("0x1234abcd");
  await page.getByTestId("reg-rbx-value-input").press("Enter");
  await expect(page.getByTestId("reg-rbx-value")).toHaveText(/1234abcd$/);
  await expect(page.getByTestId("reg-rbx")).toHaveClass(/changed/);
  // Toggling a flag writes RFLAGS.
  const cf = page.getByTestId("reg-rflags").getByRole("button", { name: "CF", exact: true });
  const pressed = await cf.getAttribute("aria-pressed");
  await cf.click();
  await expect(cf).toHaveAttribute("aria-pressed", pressed === "true" ? "false" : "true");
});

test("a byte written in the memory view is what the guest reads", async ({ page }) => {
  await pausedMonitor(page);
  const address = page.getByTestId("mem-address");
  await address.fill("200000");
  await address.press("Enter");
  const memory = page.getByTestId("memory");
  await memory.locator('[data-address="200000"]').click();
  await page.keyboard.type("4869");
  await expect(memory.locator('[data-address="200000"]')).toHaveText("48");
  await expect(memory.locator('[data-address="200001"]')).toHaveText("69");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("machine-state")).toHaveText(/^running/);
  await page.locator(".terminal-host").click();
  await page.keyboard.type("md 200000 2", { delay: 20 });
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("console-text")).toContainText("00200000  48 69");
});

test("the paging demo: virtual addresses through the page tables, and the page walk", async ({ page }) => {
  await page.goto("/?guest=paging-demo.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/);
  const address = page.getByTestId("mem-address");
  await address.fill("40000000");
  await page.getByRole("radio", { name: "virtual" }).check();
  await address.press("Enter");
  const memory = page.getByTestId("memory");
  // 0x40000000 and 0x40001000 are one frame (0x105000); 0x4000003c holds 0x600d600d.
  await expect(memory.locator('[data-address="4000003c"]')).toHaveText("0d");
  await expect(memory.locator('[data-address="4000003f"]')).toHaveText("60");
  await address.fill("40001030");
  await address.press("Enter");
  await expect(memory.locator('[data-address="4000103c"]')).toHaveText("0d");
  // Unmapped: the demo table maps 4 pages.
  await address.fill("40004000");
  await address.press("Enter");
  await expect(memory.locator('[data-address="40004000"]')).toHaveText("??");
  await address.fill("40000000");
  await address.press("Enter");
  await page.getByText(/^Page walk of 0x40000000/).click();
  const walk = page.getByTestId("page-walk");
  await expect(walk.locator("tbody tr")).toHaveCount(2);
  await expect(walk.locator("tbody tr").nth(0)).toContainText("PDE");
  await expect(walk.locator("tbody tr").nth(0)).toContainText("256");
  await expect(walk.locator("tbody tr").nth(1)).toContainText("PTE");
  await expect(page.getByText("physical 0x105000 in a 4 KiB page")).toBeVisible();
  // The same bytes at the physical address.
  await page.getByRole("radio", { name: "physical" }).check();
  await address.fill("10503c");
  await address.press("Enter");
  await expect(memory.locator('[data-address="10503c"]')).toHaveText("0d");
  await page.screenshot({ path: test.info().outputPath("paging.png") });
});
