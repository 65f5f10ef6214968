/**
 * The hypervisor worker's built script starts with V8's explicit compile hint (vite.config.ts,
 * worker.rollupOptions.output.postBanner), so Chromium compiles its functions as it loads it rather
 * than inside the guest's first milliseconds; Monaco's workers do not. The hint must be the file's
 * first line, and the source map must follow the shifted lines.
 */
import { expect, test } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const assets = path.resolve(import.meta.dirname, "..", "dist", "assets");
const HINT = "//# allFunctionsCalledOnLoad";

function script(pattern: RegExp): string {
  const name = readdirSync(assets).find((f) => pattern.test(f));
  if (!name) throw new Error(`no ${pattern} in ${assets} (run vite build first)`);
  return path.join(assets, name);
}

test("the hypervisor worker's script begins with the compile hint, and its source map skips that line", () => {
  const file = script(/^hypervisor\.worker-[\w-]+\.js$/);
  const lines = readFileSync(file, "utf8").split("\n");
  expect(lines[0]).toBe(HINT);
  expect(lines.slice(1).some((l) => l.includes(HINT))).toBe(false);
  // The map has a line for each line above the sourceMappingURL comment: none for the hint, and its
  // first segment on a line of code (not on the hint, nor on a license comment's).
  expect(lines.at(-1)).toMatch(/^\/\/# sourceMappingURL=/);
  const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { mappings: string };
  const mapped = map.mappings.split(";");
  expect(mapped.length).toBe(lines.length - 1);
  expect(mapped[0]).toBe("");
  const first = mapped.findIndex((m) => m !== "");
  expect(lines[first]).toMatch(/^(const|let|var|function|class)\b/);
});

test("Monaco's editor worker is left as it was", () => {
  const first = readFileSync(script(/^editor\.worker-[\w-]+\.js$/), "utf8").split("\n")[0];
  expect(first).not.toBe(HINT);
});

test("the page's worker really is that script, and the default guest boots with it", async ({ page }) => {
  const workers: string[] = [];
  page.on("worker", (w) => workers.push(w.url()));
  await page.goto("/");
  await expect(page.getByTestId("console-text")).not.toBeEmpty();
  expect(workers.some((u) => /\/assets\/hypervisor\.worker-[\w-]+\.js$/.test(u))).toBe(true);
});

test("the worker is named after the guest it boots first, and fetches it once, as it starts", async ({ page }) => {
  const fetched: string[] = [];
  page.context().on("request", (r) => {
    const url = new URL(r.url());
    if (/\/guests\/[^/]+\.(elf|bin)$/.test(url.pathname)) fetched.push(url.pathname);
  });
  const worker = page.waitForEvent("worker", (w) => /\/hypervisor\.worker-[\w-]+\.js$/.test(w.url()));
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("console-text")).toContainText("Hello from a Zircon guest!");
  expect(await (await worker).evaluate(() => (self as unknown as { name: string }).name)).toBe("hypervisor: hello.elf");
  // Prefetched by the worker and taken by bootGuest: one request, and none for the default guest.
  expect(fetched).toEqual(["/guests/hello.elf"]);
});

test("booting the Linux guest first, the worker is named after it and asks for its kernel and initrd once each, as it starts", async ({ page }) => {
  // The server's answers do not matter here (404s: the page then says how to build the guest).
  const fetched: string[] = [];
  await page.context().route(/\/guests\/linux\//, (route) => {
    fetched.push(new URL(route.request().url()).pathname);
    return route.fulfill({ status: 404, contentType: "text/plain", body: "not found" });
  });
  const worker = page.waitForEvent("worker", (w) => /\/hypervisor\.worker-[\w-]+\.js$/.test(w.url()));
  await page.goto("/?guest=linux");
  await expect(page.getByTestId("errors")).toContainText("The Linux guest is not built on this server");
  expect(await (await worker).evaluate(() => (self as unknown as { name: string }).name)).toBe("hypervisor: linux");
  // The vmlinux and the initrd from the worker's early fetch, taken by bootGuest; then the bzImage,
  // which it asks for only when there is no vmlinux.
  expect(fetched.sort()).toEqual(["/guests/linux/bzImage", "/guests/linux/initramfs.cpio", "/guests/linux/vmlinux"]);
});
