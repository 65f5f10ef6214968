/**
 * The Chromium columns: headless Chromium (/usr/bin/chromium or $CHROMIUM_PATH, driven by
 * Playwright) against
 *  - ours: the real app — `vite build` into a private folder (so a parallel `npm run test:e2e` that
 *    rebuilds dist/ cannot change it under us), served by `vite preview` (cross-origin isolated, as
 *    the app needs), opened at /?guest=FILE; the page's own worker runs the guest and its store
 *    reports the worker's stats (instructions retired, exits, run time). A fresh browser context,
 *    hence a fresh worker, per run, navigated once the machine is quiet again (bench/quiet.ts).
 *  - v86: bench/v86-page.html on a small static server (bench/static-server.ts).
 * Times are the page's: the worker's run time for ours; kernel start → exit-device write for v86; and
 * for the boot workload, navigation start → the first console byte (ours: the console's text in the
 * DOM, observed by a MutationObserver installed before the app's scripts run); for the Linux boot,
 * navigation start (of /?guest=linux) → the shell prompt in that same console text.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { runProcess } from "./process";
import { waitForQuiet } from "./quiet";
import { failed, succeeded, type RunOutcome } from "./record";
import { startStaticServer, type StaticServer } from "./static-server";
import { measureUi, UI_VIEWPORT, type UiGuest, type UiReading } from "./ui";
import { LINUX_MILESTONES, LINUX_PAGE_GUEST, LINUX_PROMPT, type Workload } from "./workloads";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** The flags playwright.config.ts gives the e2e suite's Chromium. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** A free loopback port (the preview server then binds it with --strictPort). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return `the preview server exited with status ${child.exitCode}`;
    try {
      const r = await fetch(url);
      if (r.ok) return null;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return `no answer from ${url} within ${timeoutMs / 1000} s`;
}

export interface ChromiumSession {
  browser: Browser;
  /** The app under `vite preview`, or null (with the reason) when it could not be built or served. */
  appUrl: string | null;
  appError: string | null;
  /** The v86 page's server, or null when v86 is not available. */
  v86Url: string | null;
  close(): Promise<void>;
}

/**
 * Builds the app, starts `vite preview` and (when `v86Bios` is given) the v86 page's server, and
 * launches Chromium. Throws only if Chromium itself cannot start (the caller reports why).
 */
export async function openChromium(root: string, v86Bios: string | null, log: (line: string) => void): Promise<ChromiumSession> {
  const vite = join(root, "node_modules", "vite", "bin", "vite.js");
  const outDir = join(tmpdir(), `hvplay-bench-dist-${process.pid}`);
  let appUrl: string | null = null;
  let appError: string | null = null;
  let preview: ChildProcess | null = null;
  let v86Server: StaticServer | null = null;

  log("chromium: vite build (into a private folder)...");
  const build = await runProcess(process.execPath, [vite, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "error"], { cwd: root, timeoutMs: 300_000 });
  if (build.status !== 0) appError = `vite build failed (status ${build.status}): ${build.stderr.trim().slice(0, 300)}`;
  else {
    const port = await freePort();
    preview = spawn(process.execPath, [vite, "preview", "--outDir", outDir, "--port", String(port), "--strictPort", "--host", "127.0.0.1"], { cwd: root, stdio: "ignore" });
    const url = `http://127.0.0.1:${port}`;
    appError = await waitForHttp(url, 60_000, preview);
    if (!appError) appUrl = url;
  }

  if (v86Bios) {
    const v86Build = dirname(createRequire(join(root, "package.json")).resolve("v86"));
    v86Server = await startStaticServer({
      dirs: { "/v86/": v86Build, "/guests/": join(root, "public", "guests") },
      files: { "/": join(root, "bench", "v86-page.html"), "/bios/bios.bin": v86Bios },
    });
  }

  const stopServers = async () => {
    if (preview && preview.exitCode === null) preview.kill("SIGTERM");
    await v86Server?.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  } catch (error) {
    await stopServers();
    throw error;
  }
  return {
    browser,
    appUrl,
    appError,
    v86Url: v86Server?.url ?? null,
    close: async () => {
      await browser.close().catch(() => {});
      await stopServers();
    },
  };
}

/** What the page's store holds (src/ui/store.ts WorkbenchSnapshot, the fields we read). */
interface AppReading {
  kind: string;
  exitStatus: number | null;
  message: string | null;
  consoleText: string;
  instructions: number;
  runMillis: number;
  exits: number;
  isolated: boolean;
  silenceMs: number | null;
}

/** Installed before the app's scripts: notes when the console's text first becomes non-empty. */
const FIRST_BYTE_OBSERVER = `(() => {
  const observer = new MutationObserver(() => {
    const el = document.querySelector('[data-testid="console-text"]');
    if (el && el.textContent && el.textContent.length > 0 && window.__benchFirstByteMs === undefined) {
      window.__benchFirstByteMs = performance.now();
      window.__benchFirstText = el.textContent;
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();`;

/**
 * Installed before the app's scripts (the Linux boot): notes when the console's text first contains
 * each milestone and then the prompt, and the worker's stats (as the page's store holds them) at the
 * prompt, for MIPS. The text is read only at the console element, on each DOM change (batched per
 * task by the observer), so the page does little work while the kernel prints.
 */
function promptObserver(prompt: string, marks: readonly string[]): string {
  return `(() => {
  const prompt = ${JSON.stringify(prompt)}, marks = ${JSON.stringify(marks)};
  window.__benchMarks = {};
  const observer = new MutationObserver(() => {
    const el = document.querySelector('[data-testid="console-text"]');
    const text = el ? el.textContent || "" : "";
    if (text.length === 0) return;
    const now = performance.now();
    for (const m of marks) if (window.__benchMarks[m] === undefined && text.includes(m)) window.__benchMarks[m] = now;
    if (text.includes(prompt)) {
      const s = window.hvplay && window.hvplay.store ? window.hvplay.store.getSnapshot() : null;
      window.__benchPrompt = {
        ms: now,
        text,
        instructions: s && s.stats ? s.stats.instructionsRetired : null,
        runMillis: s && s.stats ? s.stats.runMillis : null,
      };
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();`;
}

/**
 * Installed before the app's scripts: the longest time the page went without news from the worker
 * while the machine was loading or running (the store's snapshot is replaced on every event batch,
 * and the worker pushes stats every 250 ms while it runs). A worker that starves its own event loop shows
 * here; it is the page's view of the issue's "the UI stays at 60 frames per second" target.
 */
const SILENCE_PROBE = `(() => {
  // "Busy": loading or running. A worker that never yields sends no batch at all until the guest
  // ends, so the page may never see "running": count from the first snapshot of the machine.
  const busy = (s) => s.machine.kind === "loading" || s.machine.kind === "ready" || s.machine.kind === "running";
  let lastSnapshot = null, lastChange = 0, wasBusy = false, longest = 0;
  const tick = () => {
    const s = window.hvplay && window.hvplay.store ? window.hvplay.store.getSnapshot() : null;
    const now = performance.now();
    if (s && s !== lastSnapshot) {
      if (wasBusy) longest = Math.max(longest, now - lastChange);
      lastSnapshot = s;
      lastChange = now;
      wasBusy = busy(s);
    }
    window.__benchLongestSilenceMs = longest;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

/**
 * A new context's page, at about:blank once the machine is quiet again: the window a context opens
 * starts Chromium's own UI pages, about a second of one core (bench/quiet.ts), which must not fall
 * inside the run. The navigation that follows is the run's (first byte, Linux prompt: timed from it).
 */
async function blankPageOnQuietMachine(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto("about:blank");
  await waitForQuiet();
  return page;
}

export async function runOursChromium(session: ChromiumSession, w: Workload, timeoutMs: number): Promise<RunOutcome> {
  if (!session.appUrl) return failed(session.appError ?? "the app is not served");
  const context = await session.browser.newContext();
  try {
    const page = await blankPageOnQuietMachine(context);
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    if (w.metric === "prompt") return await runLinuxChromium(session, page, pageErrors, timeoutMs);
    if (w.metric === "first-byte") {
      await page.addInitScript(FIRST_BYTE_OBSERVER);
      await page.goto(`${session.appUrl}/?guest=${w.file}`);
      const handle = await page.waitForFunction(() => {
        const g = globalThis as unknown as { __benchFirstByteMs?: number; __benchFirstText?: string };
        return g.__benchFirstByteMs === undefined ? null : { ms: g.__benchFirstByteMs, text: g.__benchFirstText ?? "" };
      }, null, { timeout: timeoutMs, polling: 50 }).catch(() => null);
      if (!handle) return failed(`no console byte within ${timeoutMs / 1000} s${pageErrors.length ? `: ${pageErrors[0]}` : ""}`);
      const { ms, text } = (await handle.jsonValue()) as { ms: number; text: string };
      return succeeded({ ms, output: text, status: null });
    }
    await page.addInitScript(SILENCE_PROBE);
    await page.goto(`${session.appUrl}/?guest=${w.file}`);
    const handle = await page.waitForFunction(() => {
      type Snapshot = {
        isolated: boolean;
        connection: { kind: string; message?: string };
        machine: { kind: string; exitStatus?: number; message?: string };
        consoleText: string;
        stats: { instructionsRetired: number; runMillis: number; exitsByKind: Record<string, number> } | null;
      };
      const bench = (globalThis as unknown as { hvplay?: { store: { getSnapshot(): Snapshot } } }).hvplay;
      const s = bench?.store.getSnapshot();
      // The page's watchdog declares a worker that stops answering dead (and ends it): no result then.
      if (s?.connection.kind === "dead") return { kind: "dead", message: s.connection.message ?? null } as const;
      if (!s || (s.machine.kind !== "exited" && s.machine.kind !== "error") || !s.stats) return null;
      return {
        kind: s.machine.kind,
        exitStatus: s.machine.exitStatus ?? null,
        message: s.machine.message ?? null,
        consoleText: s.consoleText,
        instructions: s.stats.instructionsRetired,
        runMillis: s.stats.runMillis,
        exits: Object.values(s.stats.exitsByKind).reduce((a, b) => a + b, 0),
        isolated: s.isolated,
        silenceMs: (globalThis as unknown as { __benchLongestSilenceMs?: number }).__benchLongestSilenceMs ?? null,
      };
    }, null, { timeout: timeoutMs, polling: 100 }).catch(() => null);
    if (!handle) return failed(`the guest did not finish within ${timeoutMs / 1000} s${pageErrors.length ? `: ${pageErrors[0]}` : ""}`);
    const r = (await handle.jsonValue()) as AppReading;
    if (r.kind === "dead") return failed(`the page declared the worker dead: ${r.message}`);
    if (r.kind === "error") return failed(`the machine stopped with an error: ${r.message}`);
    return succeeded({ ms: r.runMillis, output: r.consoleText, status: r.exitStatus, instructions: r.instructions, exits: r.exits, silenceMs: r.silenceMs ?? undefined });
  } finally {
    await context.close();
  }
}

/** One page load of the UI section (bench/ui.ts): a fresh context at UI_VIEWPORT, the guest booted from its link. */
export async function runUiChromium(session: ChromiumSession, guest: UiGuest, timeoutMs: number): Promise<UiReading | string> {
  if (!session.appUrl) return session.appError ?? "the app is not served";
  const context = await session.browser.newContext({ viewport: UI_VIEWPORT });
  try {
    const page = await blankPageOnQuietMachine(context);
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const reading = await measureUi(page, session.appUrl, guest, timeoutMs);
    if (typeof reading === "string") return pageErrors.length ? `${reading} (${pageErrors[0]})` : reading;
    return pageErrors.length ? `an error in the page: ${pageErrors[0]}` : reading;
  } finally {
    await context.close();
  }
}

/** window.__benchPrompt of promptObserver. */
interface PromptReading {
  ms: number;
  text: string;
  instructions: number | null;
  runMillis: number | null;
}

/** The Linux boot in the page: `/?guest=linux` (the worker fetches guests/linux/* from the server). */
async function runLinuxChromium(session: ChromiumSession, page: Page, pageErrors: string[], timeoutMs: number): Promise<RunOutcome> {
  await page.addInitScript(promptObserver(LINUX_PROMPT, LINUX_MILESTONES));
  await page.goto(`${session.appUrl}/?guest=${LINUX_PAGE_GUEST}`);
  type Probe = { __benchPrompt?: PromptReading; hvplay?: { store: { getSnapshot(): { connection: { kind: string; message?: string }; machine: { kind: string; message?: string }; errors: readonly string[] } } } };
  const handle = await page.waitForFunction(() => {
    const g = globalThis as unknown as Probe;
    if (g.__benchPrompt) return { prompt: g.__benchPrompt };
    // A machine that stopped, or a worker declared dead, will never show the prompt: say so now.
    const s = g.hvplay?.store.getSnapshot();
    if (s?.connection.kind === "dead") return { stopped: `the page declared the worker dead: ${s.connection.message ?? ""}` };
    if (s && (s.machine.kind === "exited" || s.machine.kind === "error")) return { stopped: `the machine stopped (${s.machine.kind}${s.machine.message ? `: ${s.machine.message}` : ""}) before the prompt` };
    // The server has no images (workers/linux-guest.ts linuxGuestMissing): the page boots nothing.
    const missing = s?.errors.find((e) => e.includes("Linux guest is not built"));
    if (missing) return { stopped: missing };
    return null;
  }, null, { timeout: timeoutMs, polling: 500 }).catch(() => null);
  const marks = (await page.evaluate(() => (globalThis as unknown as { __benchMarks?: Record<string, number> }).__benchMarks ?? {}).catch(() => ({}))) as Record<string, number>;
  if (!handle) {
    const tail = await page.getByTestId("console-text").textContent({ timeout: 5000 }).catch(() => null);
    const errors = await page.getByTestId("errors").textContent({ timeout: 1000 }).catch(() => null);
    return failed(`no shell prompt within ${timeoutMs / 1000} s${pageErrors.length ? `: ${pageErrors[0]}` : ""}; console ends ${JSON.stringify((tail ?? "").slice(-200))}${errors ? `; the page says ${errors.slice(0, 300)}` : ""}`);
  }
  const r = (await handle.jsonValue()) as { prompt: PromptReading } | { stopped: string };
  if ("stopped" in r) return failed(r.stopped);
  const p = r.prompt;
  return succeeded({
    ms: p.ms,
    output: p.text,
    status: null,
    instructions: p.instructions ?? undefined,
    runMs: p.runMillis ?? undefined,
    marks,
  });
}

/** window.benchResult of bench/v86-page.html. */
interface V86PageResult {
  startMs: number;
  kernelMs: number | null;
  firstByteMs: number | null;
  exitMs: number | null;
  value: number | null;
  output: string;
  error: string | null;
}

export async function runV86Chromium(session: ChromiumSession, file: string, metric: Workload["metric"], timeoutMs: number): Promise<RunOutcome> {
  if (!session.v86Url) return failed("v86 is not available");
  const context = await session.browser.newContext();
  try {
    const page = await blankPageOnQuietMachine(context);
    const until = metric === "first-byte" ? "&until=first-byte" : "";
    await page.goto(`${session.v86Url}/?guest=${encodeURIComponent(file)}${until}`);
    const handle = await page.waitForFunction(() => (globalThis as unknown as { benchResult?: unknown }).benchResult ?? null, null, { timeout: timeoutMs, polling: 50 }).catch(() => null);
    if (!handle) return failed(`v86 did not finish within ${timeoutMs / 1000} s`);
    const r = (await handle.jsonValue()) as V86PageResult;
    if (r.error) return failed(`v86 failed: ${r.error}`);
    if (metric === "first-byte") {
      if (r.firstByteMs === null) return failed("no console byte");
      return succeeded({ ms: r.firstByteMs, output: r.output, status: null });
    }
    if (r.exitMs === null || r.value === null) return failed("no exit-device write");
    if (r.kernelMs === null) return failed("the Multiboot kernel's start was not seen (v86's option ROM did not read port 0xF4)");
    return succeeded({ ms: r.exitMs - r.kernelMs, startupExcluded: true, output: r.output, status: ((r.value << 1) | 1) & 0xff });
  } finally {
    await context.close();
  }
}
