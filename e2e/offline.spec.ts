/**
 * The built app is installable and works offline through its service worker (src/sw/sw.ts), and
 * stays cross-origin isolated while doing so:
 * - under `vite preview` (which sends COOP/COEP itself): once the worker controls the page, a reload
 *   with the network off still loads the app, isolated, and boots the default guest (the monitor);
 *   the manifest and its icons come from the precache;
 * - on a plain static host without the headers: the worker isolates the page after one reload; then
 *   with the server gone altogether the app (a query URL included) still loads isolated from the
 *   precache, so the precached responses carry the headers too.
 */
import { expect, test, type Page } from "@playwright/test";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStaticServer } from "./static-server";

const root = path.resolve(import.meta.dirname, "..");

async function consoleText(page: Page): Promise<string> {
  return ((await page.getByTestId("console-text").textContent()) ?? "").replace(/\r\n/g, "\n");
}

async function pageFacts(page: Page) {
  return page.evaluate(() => ({
    crossOriginIsolated: globalThis.crossOriginIsolated,
    sab: typeof SharedArrayBuffer === "function",
    controlled: navigator.serviceWorker.controller !== null,
  }));
}

/** Waits until the worker is active (install = precache done) and this page is controlled by it. */
async function waitForControl(page: Page): Promise<void> {
  // coi.ts registers after `load`; the worker is active once its install has precached the app
  // (some seconds on a busy machine). Polled rather than awaiting `ready`, so that a failed install
  // (a file missing from dist/) fails here, visibly, instead of timing out the test.
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          return registration?.active?.state ?? (registration?.installing ? "installing" : "none");
        }),
      { timeout: 60_000, message: "the service worker becomes active" },
    )
    .toBe("activated");
  // The worker does not claim pages it did not load (updates never swap a running session's
  // files), so the first controlled load is the next one.
  if (!(await pageFacts(page)).controlled) await page.reload();
  await expect.poll(async () => (await pageFacts(page)).controlled).toBe(true);
}

/** The monitor greets and prompts: the worker booted it from the (precached) guest image. */
async function expectMonitorPrompt(page: Page): Promise<void> {
  await expect.poll(() => consoleText(page), { timeout: 30_000 }).toContain("hvplay> ");
  await expect(page.locator("#guest-select")).toHaveValue("monitor.elf");
}

test("offline under vite preview: the app loads from the precache, isolated, and boots the monitor", async ({ page, context }) => {
  await page.goto("/");
  await waitForControl(page);
  // Chromium judges the app installable (manifest fields, icons, service worker): no errors but
  // "in-incognito", which only says that Playwright's contexts are off-the-record profiles.
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== "in-incognito")).toEqual([]);
  await cdp.detach();

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page).toHaveTitle("Hypervisor Playground");
    expect(await pageFacts(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: true });
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    await expectMonitorPrompt(page);

    // The manifest is linked, served (from the precache) and lists the icons, which load too.
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
      if (!link) return null;
      const response = await fetch(link.href);
      const json = (await response.json()) as {
        name: string;
        short_name: string;
        start_url: string;
        display: string;
        background_color: string;
        theme_color: string;
        icons: { src: string; sizes: string; type: string; purpose?: string }[];
      };
      const icons = await Promise.all(
        json.icons.map(async (icon) => {
          const r = await fetch(new URL(icon.src, link.href));
          return { ...icon, status: r.status, contentType: r.headers.get("content-type"), bytes: (await r.arrayBuffer()).byteLength };
        }),
      );
      return { status: response.status, ...json, icons };
    });
    expect(manifest).not.toBeNull();
    expect(manifest).toMatchObject({
      status: 200,
      name: "Hypervisor Playground",
      short_name: "HV Playground",
      start_url: ".",
      display: "standalone",
      background_color: "#0d1117",
      theme_color: "#5fb3ff",
    });
    const icons = manifest!.icons;
    expect(icons.map((i) => `${i.sizes} ${i.purpose ?? "any"}`).sort()).toEqual(["192x192 any", "512x512 any", "512x512 maskable"]);
    for (const icon of icons) {
      expect(icon.status).toBe(200);
      expect(icon.contentType).toBe("image/png");
      expect(icon.bytes).toBeGreaterThan(500);
    }
    // The lazy chunks are precached too: the editor (Monaco) and its worker, uPlot, xterm.
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      return urls;
    });
    for (const pattern of [/\/assets\/EditorPanel-[^/]+\.js/, /\/assets\/editor\.worker-[^/]+\.js/, /\/assets\/uPlot[^/]*\.js/, /\/assets\/xterm-[^/]+\.js/, /\/assets\/hypervisor\.worker-[^/]+\.js/, /\/guests\/monitor\.elf/, /\/index\.html/]) {
      expect(cached.some((url) => pattern.test(url)), String(pattern)).toBe(true);
    }
  } finally {
    await context.setOffline(false);
  }
});

test("a static host without headers: isolated through the worker, then offline from the precache with the headers", async ({ page }) => {
  // A private copy of the build: the worker's install downloads every file of it, and a `vite build`
  // run meanwhile (dist/ is shared) would otherwise make that fail half-way.
  const snapshot = await mkdtemp(path.join(tmpdir(), "hvplay-offline-"));
  await cp(path.join(root, "dist"), snapshot, { recursive: true, filter: (file) => !file.endsWith(".map") });
  const server = await startStaticServer(snapshot);
  let closed = false;
  try {
    const response = await page.goto(server.url);
    expect(response?.headers()["cross-origin-embedder-policy"]).toBeUndefined();
    // Register, reload once (coi.ts), and from then on the page is controlled and isolated.
    await expect
      .poll(async () => {
        try {
          return (await pageFacts(page)).crossOriginIsolated;
        } catch {
          return false; // the context went away in the reload
        }
      }, { timeout: 60_000 })
      .toBe(true);
    expect(await pageFacts(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: true });
    expect(server.requests).toContain("/sw.js");

    // The host goes away entirely.
    await server.close();
    closed = true;
    await page.reload();
    expect(await pageFacts(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: true });
    await expectMonitorPrompt(page);

    // Any app URL (state in the query) gets the precached app shell; the guest comes from the precache.
    await page.goto(`${server.url}?guest=hello.elf`);
    expect(await pageFacts(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: true });
    await expect(page.getByTestId("console-text")).toContainText("Hello", { timeout: 30_000 });
  } finally {
    if (!closed) await server.close();
    await rm(snapshot, { recursive: true, force: true });
  }
});
