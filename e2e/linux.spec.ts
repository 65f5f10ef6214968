/**
 * Linux in the page (issue 8): the toolbar's "Linux — an unmodified 6.1 kernel and a busybox shell"
 * boots the images `npm run guests:linux` built into guests/linux/ (served beside the built app by
 * vite.config.ts, never precached) in the page's worker, the kernel's messages appear in the console
 * as they come, and the shell answers what is typed in the console (Ctrl-C included).
 *
 * The boot is tens of millions of guest instructions (hundreds with the stock kernel). Its timeout is
 * HVPLAY_LINUX_E2E_TIMEOUT_S (default 600). Where the images are absent the test fails, naming the
 * command that builds them, so a missing image never passes silently; HVPLAY_SKIP_LINUX=1 skips it
 * instead (as src/vmm/linux-boot.test.ts does). The other tests need no images and are quick: what the
 * page says when the images are absent (the server's answer replaced by a 404), and what it says of a
 * kernel file that is garbage.
 */
import { expect, test, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { encodeRecipe } from "../src/share/codec";
import { defaultRecipe } from "../src/share/recipe";

const root = path.resolve(import.meta.dirname, "..");
const dir = path.join(root, "guests", "linux");
const present = existsSync(path.join(dir, "initramfs.cpio")) && (existsSync(path.join(dir, "vmlinux")) || existsSync(path.join(dir, "bzImage")));
const skipLinux = process.env.HVPLAY_SKIP_LINUX === "1";
const TIMEOUT_S = Number(process.env.HVPLAY_LINUX_E2E_TIMEOUT_S) || 600;
const BUILD = "npm install && npm run guests:linux";
/** The shell's prompt (scripts/build-linux-guest.mjs sets PS1="hvplay:\w# "). */
const PROMPT = "hvplay:/# ";

async function consoleText(page: Page): Promise<string> {
  return ((await page.getByTestId("console-text").textContent()) ?? "").replace(/\r\n/g, "\n");
}

/** The page with its first guest (the monitor) running: the worker is up and the picker enabled. */
async function openPlayground(page: Page): Promise<void> {
  await page.goto("/");
  await expect(page.getByTestId("machine-state")).toHaveText("running", { timeout: 60_000 });
  await expect(page.locator("#guest-select")).toBeEnabled();
}

/** Seconds since `start`, to one decimal. */
const since = (start: number) => Math.round((Date.now() - start) / 100) / 10;

test.describe("the bundled Linux guest", () => {
  test("boots to the busybox shell, which answers uname -a and Ctrl-C typed in the console", async ({ page }) => {
    if (skipLinux) console.warn("SKIPPED: the Linux boot in Chromium (HVPLAY_SKIP_LINUX=1)");
    test.skip(skipLinux, "HVPLAY_SKIP_LINUX=1");
    if (!present) throw new Error(`the Linux guest images are missing from ${dir}: build them with \`${BUILD}\` (apt-based; set HVPLAY_SKIP_LINUX=1 to skip this test)`);
    test.setTimeout((TIMEOUT_S + 120) * 1000);
    await openPlayground(page);
    const start = Date.now();
    const marks: Record<string, number> = {};
    await page.locator("#guest-select").selectOption("linux");
    await expect(page.locator("#guest-select")).toHaveValue("linux");
    // The kernel's first message, while it boots on: the console shows its output as it comes.
    await expect(page.getByTestId("console-text")).toContainText("Linux version 6.", { timeout: TIMEOUT_S * 1000 });
    marks["Linux version"] = since(start);
    await expect(page.getByTestId("machine-state")).toHaveText("running");
    await expect.poll(() => consoleText(page), { timeout: TIMEOUT_S * 1000, intervals: [1000] }).toContain(PROMPT);
    marks.prompt = since(start);
    await page.locator(".terminal-host").click();
    await page.keyboard.type("uname -a", { delay: 30 });
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("console-text")).toContainText(/Linux \S+ 6\.\S+ .* x86_64 GNU\/Linux/, { timeout: 120_000 });
    marks["uname reply"] = since(start);
    // Ctrl-C (byte 0x03 through the UART) interrupts a foreground command and gives a new prompt.
    await page.keyboard.type("sleep 1000", { delay: 30 });
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await consoleText(page)).endsWith("sleep 1000\n"), { timeout: 60_000 }).toBe(true);
    await page.keyboard.press("Control+C");
    await expect.poll(async () => {
      const text = await consoleText(page);
      return text.slice(text.lastIndexOf("sleep 1000")).includes(PROMPT);
    }, { timeout: 120_000 }).toBe(true);
    marks["Ctrl-C"] = since(start);
    const stats = (await page.getByTestId("stats").textContent()) ?? "";
    console.log(`linux boot in Chromium (wall seconds from choosing it): ${JSON.stringify(marks)}; ${stats}`);
  });

  test("where the images are absent, the page says how to build them and that it downloads nothing", async ({ page }) => {
    // Whatever this machine has, the server answers 404 for them here.
    await page.context().route(/\/guests\/linux\//, (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "not found" }));
    await openPlayground(page);
    await page.locator("#guest-select").selectOption("linux");
    const errors = page.getByTestId("errors");
    await expect(errors).toContainText("The Linux guest is not built on this server");
    await expect(errors).toContainText(BUILD);
    await expect(errors).toContainText("downloads nothing");
    await expect(errors).toContainText("guests/linux/initramfs.cpio");
    await expect(page.getByTestId("machine-state")).toHaveText("no guest");
    // The playground goes on: another guest boots.
    await page.locator("#guest-select").selectOption("hello.elf");
    await expect(page.getByTestId("machine-state")).toHaveText(/^exited, status 1 /);
  });

  test("a share link naming the Linux guest, opened where the images are absent, says how to build them; the default guest runs", async ({ page }) => {
    await page.context().route(/\/guests\/linux\//, (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "not found" }));
    const link = encodeRecipe(defaultRecipe({ kind: "bundled-linux" }));
    if (!link.ok) throw new Error(link.error.message);
    // Named, not carried: a short version 3 link.
    expect(link.fragment).toMatch(/^#r=3\./);
    await page.goto(`/${link.fragment}`);
    const errors = page.getByTestId("errors");
    await expect(errors).toContainText("The Linux guest is not built on this server");
    await expect(errors).toContainText(BUILD);
    await expect(page.locator("#guest-select")).toHaveValue("monitor.elf", { timeout: 60_000 });
    await expect(page.getByTestId("machine-state")).toHaveText("running");
    // Said once, not once for the page's boot and again for the link's.
    expect((await errors.locator("li").allTextContents()).filter((e) => e.includes("not built"))).toHaveLength(1);
  });

  test("its files are served beside the app, cross-origin isolated, and kept out of the service worker's precache", async ({ request }) => {
    // A file that is not there is a 404 (not the single-page fallback's index.html), with the headers.
    const missing = await request.get("guests/linux/no-such-file");
    expect(missing.status()).toBe(404);
    expect(missing.headers()["cross-origin-embedder-policy"]).toBe("require-corp");
    expect(await missing.text()).toContain(BUILD);
    expect((await request.get("guests/linux/..%2F..%2Fpackage.json")).status()).toBe(404);
    if (present) {
      const initrd = await request.head("guests/linux/initramfs.cpio");
      expect(initrd.status()).toBe(200);
      expect(initrd.headers()["content-type"]).toBe("application/octet-stream");
      expect(initrd.headers()["cross-origin-resource-policy"]).toBe("same-origin");
      // The kernel and the initramfs go out gzipped (vmlinux.gz, initramfs.cpio.gz: written by the
      // build script) to a client that takes gzip, and as they are to one that does not; the
      // unpacked bytes are the file's either way (the guest gets the uncompressed initramfs).
      for (const [file, ratio] of [["vmlinux", 3], ["initramfs.cpio", 1.5]] as const) {
        expect(existsSync(path.join(dir, `${file}.gz`)), `guests/linux/${file}.gz is missing: run ${BUILD}`).toBe(true);
        const packed = await request.head(`guests/linux/${file}`, { headers: { "accept-encoding": "gzip, deflate" } });
        const plain = await request.head(`guests/linux/${file}`, { headers: { "accept-encoding": "identity" } });
        expect(packed.headers()["content-encoding"]).toBe("gzip");
        expect(plain.headers()["content-encoding"]).toBeUndefined();
        expect(Number(packed.headers()["content-length"])).toBeLessThan(Number(plain.headers()["content-length"]) / ratio);
        const unpacked = await (await request.get(`guests/linux/${file}`, { headers: { "accept-encoding": "gzip" } })).body();
        expect(unpacked.length).toBe(Number(plain.headers()["content-length"]));
        expect(unpacked.equals(readFileSync(path.join(dir, file)))).toBe(true);
      }
    }
    // The service worker's precache manifest (injected into sw.js at build time) names public/guests
    // files, and nothing of guests/linux/.
    const sw = await (await request.get("sw.js")).text();
    expect(sw).toContain("guests/hello.elf");
    expect(sw).not.toContain("guests/linux");
  });

  test("a kernel file that is garbage gets a readable error, opened alone or with an initrd", async ({ page }) => {
    await openPlayground(page);
    const input = page.getByTestId("open-image");
    // A bzImage's signatures (0xAA55 at 0x1FE, "HdrS" at 0x202) and nothing else: the Linux loader
    // says what is wrong with it.
    const fake = Buffer.alloc(0x1000);
    fake.writeUInt16LE(0xaa55, 0x1fe);
    fake.write("HdrS", 0x202, "latin1");
    await input.setInputFiles([{ name: "bzImage", mimeType: "application/octet-stream", buffer: fake }]);
    const errors = page.getByTestId("errors");
    await expect(errors).toContainText("bzImage: boot protocol 0.00 is too old: the 64-bit entry needs 2.12 or later");
    await page.getByRole("button", { name: "Dismiss" }).click();
    // Two files of which neither is a kernel: said before anything is loaded.
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) & 0xff));
    await input.setInputFiles([
      { name: "vmlinuz", mimeType: "application/octet-stream", buffer: noise },
      { name: "initrd.img", mimeType: "application/octet-stream", buffer: Buffer.from("070701") },
    ]);
    await expect(errors).toContainText("Open image: neither vmlinuz nor initrd.img is a Linux kernel");
    await page.getByRole("button", { name: "Dismiss" }).click();
    // Dropped on the page instead of picked: the same path.
    const dataTransfer = await page.evaluateHandle((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], "kernel.img"));
      dt.items.add(new File([new Uint8Array(bytes)], "initrd.img"));
      return dt;
    }, [...noise]);
    await page.locator(".app").dispatchEvent("drop", { dataTransfer });
    await expect(errors).toContainText("Open image: neither kernel.img nor initrd.img is a Linux kernel");
  });
});
