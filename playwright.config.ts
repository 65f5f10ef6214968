import { defineConfig, devices } from "@playwright/test";

/**
 * e2e suite: the production build (`vite build`, done by `npm run test:e2e` first) served by
 * `vite preview`, in the system Chromium (no browser download: /usr/bin/chromium or $CHROMIUM_PATH).
 * One worker: the machine has two cores and the emulator is CPU-bound.
 */
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

/** The preview server's port; PREVIEW_PORT in the environment moves it (two runs on one machine). */
export const PREVIEW_PORT = Number(process.env.PREVIEW_PORT) || 4173;

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  // screenshot.spec.ts is a tool, not a check: `npm run screenshot` runs it alone.
  testIgnore: process.env.UPDATE_SCREENSHOT ? [] : ["**/screenshot.spec.ts"],
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${PREVIEW_PORT}`,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"], viewport: { width: 1440, height: 900 }, launchOptions: chromiumLaunch },
    },
  ],
  webServer: {
    // 127.0.0.1 explicitly: "localhost" may resolve to ::1 only. Both count as secure contexts.
    command: `npx vite preview --port ${PREVIEW_PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PREVIEW_PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
