/**
 * The page is cross-origin isolated (SharedArrayBuffer available) in all three ways it is served:
 * `vite preview` and the dev server send COOP/COEP themselves; a plain static host does not, and
 * the service worker (src/sw/sw.ts, built to sw.js) adds them after one reload.
 */
import { expect, test, type Page } from "@playwright/test";
import path from "node:path";
import { createServer } from "vite";
import { startStaticServer } from "./static-server";

const root = path.resolve(import.meta.dirname, "..");

async function isolation(page: Page) {
  return page.evaluate(() => ({
    crossOriginIsolated: globalThis.crossOriginIsolated,
    sab: typeof SharedArrayBuffer === "function",
    controlled: navigator.serviceWorker?.controller != null,
  }));
}

test("vite preview serves a cross-origin isolated page", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.headers()["cross-origin-opener-policy"]).toBe("same-origin");
  expect(response?.headers()["cross-origin-embedder-policy"]).toBe("require-corp");
  await expect(page).toHaveTitle("Hypervisor Playground");
  expect(await isolation(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: false });
});

test("the dev server serves a cross-origin isolated page", async ({ page }) => {
  const server = await createServer({
    root,
    configFile: path.join(root, "vite.config.ts"),
    logLevel: "error",
    server: { host: "127.0.0.1", port: 0, strictPort: false, open: false },
  });
  await server.listen();
  try {
    const url = server.resolvedUrls?.local[0];
    expect(url).toBeTruthy();
    const response = await page.goto(url!);
    expect(response?.headers()["cross-origin-embedder-policy"]).toBe("require-corp");
    await expect(page).toHaveTitle("Hypervisor Playground");
    expect(await isolation(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: false });
    // The worker, compiled on the fly by Vite, starts too.
    await expect(page.getByTestId("machine-state")).not.toHaveText("starting worker", { timeout: 60_000 });
  } finally {
    await server.close();
  }
});

test("a static host without the headers becomes isolated through the service worker", async ({ page }) => {
  const server = await startStaticServer(path.join(root, "dist"));
  try {
    const response = await page.goto(server.url);
    // The host really sends no isolation headers...
    expect(response?.headers()["cross-origin-opener-policy"]).toBeUndefined();
    expect(response?.headers()["cross-origin-embedder-policy"]).toBeUndefined();
    // ...and yet, after the service worker has taken over and the page has reloaded once, it is isolated.
    await expect
      .poll(async () => {
        try {
          return (await isolation(page)).crossOriginIsolated;
        } catch {
          return false; // the context went away in the reload
        }
      }, { timeout: 30_000 })
      .toBe(true);
    expect(await isolation(page)).toEqual({ crossOriginIsolated: true, sab: true, controlled: true });
    expect(server.requests).toContain("/sw.js");
    // The app works there: the worker boots the default guest.
    await expect(page.getByTestId("machine-state")).not.toHaveText(/starting worker|no guest/, { timeout: 30_000 });
  } finally {
    await server.close();
  }
});
