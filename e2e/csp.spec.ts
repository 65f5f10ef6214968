/**
 * The Content-Security-Policy (src/sw/csp.ts) in Chromium, on both ways the built app is served:
 * - `vite preview` sends it as headers (vite.config.ts): the page policy on the document, the
 *   hypervisor worker's own policy on its script; the built index.html also carries the page policy
 *   as a <meta>;
 * - a static host that sends no headers at all: the service worker (src/sw/sw.ts) adds the same.
 * `vite` dev sends no policy (React refresh needs inline scripts), so it is not tested here.
 *
 * What is checked: every part of the app (console, guest run, editor with Monaco and its worker, the
 * exits plot, theme switch, Save, Share, a form) works and raises no violation; the hypervisor
 * worker may compile code (its JIT is on: bench-int runs several times faster than where the worker
 * gets the page's policy) while the document and Monaco's worker may not; inline scripts and other origins are refused; `?embed` can be framed by
 * another site and the full playground cannot.
 *
 * DevTools' own evaluation is exempt from CSP, so the probes run their code from a setTimeout
 * callback (which is not) or inject a <script> element, and the violations are read from
 * `securitypolicyviolation` events, whose `originalPolicy` says which policy refused.
 */
import { expect, test, type Page, type Worker } from "@playwright/test";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { EMBED_POLICY, HYPERVISOR_WORKER_POLICY, META_POLICY, PAGE_POLICY } from "../src/sw/csp";
import { startStaticServer } from "./static-server";

// bench-int, Monaco's 3 MB chunk and a service worker install, on a busy two-core machine.
test.describe.configure({ timeout: 180_000 });

const root = path.resolve(import.meta.dirname, "..");

interface Violation {
  directive: string;
  blocked: string;
  policy: string;
  source: string;
}

/** Records the document's `securitypolicyviolation` events (on every load of `page`) and CSP console errors. */
async function recordViolations(page: Page): Promise<{ console: string[] }> {
  await page.addInitScript(() => {
    const list: unknown[] = [];
    Object.defineProperty(window, "cspViolations", { value: list });
    document.addEventListener("securitypolicyviolation", (e) => {
      list.push({ directive: e.effectiveDirective, blocked: e.blockedURI, policy: e.originalPolicy, source: `${e.sourceFile}:${e.lineNumber}` });
    });
  });
  const messages: string[] = [];
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) messages.push(m.text());
  });
  return { console: messages };
}

function violations(page: Page): Promise<Violation[]> {
  return page.evaluate(() => (window as unknown as { cspViolations?: Violation[] }).cspViolations ?? []);
}

/** A page or a worker: somewhere to run a probe. */
interface Realm {
  evaluate<R>(probe: () => Promise<R>): Promise<R>;
}

/**
 * Whether code in the page or a worker may compile a string (the JIT's `new Function`): "42" if it
 * may, "EvalError" if not. Run from a timer so that it is the realm's own code, not DevTools'.
 */
function compileProbe(target: Realm): Promise<string> {
  return target.evaluate(
    () =>
      new Promise<string>((resolve) => {
        setTimeout(() => {
          try {
            resolve(String(new Function("return 6 * 7")()));
          } catch (error) {
            resolve(error instanceof EvalError ? "EvalError" : String(error));
          }
        }, 0);
      }),
  );
}

/** The directive a worker's policy names when it fetches from another origin ("none" if nothing refuses it). */
function workerCrossOriginFetch(worker: Worker): Promise<string> {
  return worker.evaluate(
    () =>
      new Promise<string>((resolve) => {
        self.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective), { once: true });
        fetch("http://example.invalid/x").catch(() => setTimeout(() => resolve("none"), 500));
      }),
  );
}

/** Injects an inline <script> into the document; whether it ran. */
function inlineScriptRuns(page: Page): Promise<boolean> {
  return page.evaluate(
    () =>
      new Promise<boolean>((resolve) => {
        const flag = window as unknown as { inlineScriptRan?: boolean };
        const script = document.createElement("script");
        script.textContent = "window.inlineScriptRan = true";
        document.head.append(script);
        setTimeout(() => resolve(flag.inlineScriptRan === true), 200);
      }),
  );
}

function hypervisorWorker(page: Page): Promise<Worker> {
  const existing = page.workers().find((w) => w.url().includes("/assets/hypervisor.worker-"));
  if (existing) return Promise.resolve(existing);
  return page.waitForEvent("worker", { predicate: (w) => w.url().includes("/assets/hypervisor.worker-"), timeout: 60_000 });
}

type Stats = { instructionsRetired: number; runMillis: number; exited: boolean };

function stats(page: Page): Promise<Stats | null> {
  return page.evaluate(() => {
    type Snapshot = { stats: { instructionsRetired: number; runMillis: number } | null; machine: { kind: string } };
    const s = (window as unknown as { hvplay: { store: { getSnapshot(): Snapshot } } }).hvplay.store.getSnapshot();
    return s.stats ? { instructionsRetired: s.stats.instructionsRetired, runMillis: s.stats.runMillis, exited: s.machine.kind === "exited" } : null;
  });
}

/**
 * The guest's speed over a window of about two seconds once it has warmed up (the JIT compiles a
 * block after it has run a few times), in millions of instructions per second of run time; or,
 * when the guest ends before the window does (the JIT runs bench-int's 1.06 × 10⁹ instructions in
 * about a second), over its whole run.
 */
async function measureMips(page: Page): Promise<number> {
  await expect.poll(async () => {
    const s = await stats(page);
    return s !== null && (s.exited || s.instructionsRetired > 20_000_000);
  }, { timeout: 120_000 }).toBe(true);
  const before = (await stats(page))!;
  let after = before;
  for (const end = Date.now() + 2000; !after.exited && Date.now() < end; ) {
    await page.waitForTimeout(100);
    after = (await stats(page))!;
  }
  if (after.exited) return after.instructionsRetired / after.runMillis / 1000;
  expect(after.runMillis).toBeGreaterThan(before.runMillis);
  return (after.instructionsRetired - before.instructionsRetired) / (after.runMillis - before.runMillis) / 1000;
}

/**
 * A host that serves what `target` serves, but with the page policy on every response, the
 * hypervisor worker's script included: a host configured with one policy for everything.
 */
async function startOnePolicyHost(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void (async () => {
      const upstream = await fetch(new URL(request.url ?? "/", target));
      const headers: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        // fetch() has decoded the body: its length and encoding no longer apply.
        if (!["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"].includes(name)) headers[name] = value;
      });
      headers["content-security-policy"] = PAGE_POLICY;
      response.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
    })().catch(() => response.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The document refuses an inline script and eval, under each of `policies` (a violation event from each). */
async function expectDocumentLockedDown(page: Page, policies: string[]): Promise<void> {
  const before = (await violations(page)).length;
  expect(await inlineScriptRuns(page)).toBe(false);
  expect(await compileProbe(page)).toBe("EvalError");
  const fresh = (await violations(page)).slice(before);
  const by = (directive: string) => [...new Set(fresh.filter((v) => v.directive === directive).map((v) => v.policy))].sort();
  expect(by("script-src-elem")).toEqual([...policies].sort());
  expect(by("script-src")).toEqual([...policies].sort());
}

test("vite preview: the policies as headers, and every part of the app works under them", async ({ page, context }) => {
  const recorded = await recordViolations(page);
  const workerSeen = hypervisorWorker(page);
  const response = await page.goto("/?guest=bench-int.elf");
  expect(response?.headers()["content-security-policy"]).toBe(PAGE_POLICY);
  expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content")).toBe(META_POLICY);

  // The hypervisor worker's script comes with its own policy, which lets it compile and keeps it
  // on our origin.
  const worker = await workerSeen;
  const workerResponse = await page.request.get(worker.url());
  expect(workerResponse.headers()["content-security-policy"]).toBe(HYPERVISOR_WORKER_POLICY);
  expect(await compileProbe(worker)).toBe("42");
  expect(await workerCrossOriginFetch(worker)).toBe("connect-src");

  // bench-int finishes (speed: the next test).
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/, { timeout: 120_000 });

  // The exits plot (uPlot).
  await page.getByRole("tab", { name: /^VM exits/ }).click();
  await expect(page.getByTestId("exit-plot").locator("canvas").first()).toBeVisible();

  // The editor: Monaco (its injected styles, codicon font, style attributes), an error squiggle
  // (a data: image), and Ctrl+Enter boots the program.
  await page.getByRole("tab", { name: "Editor", exact: true }).click();
  await page.waitForFunction(() => (window as unknown as { hvplayEditor?: unknown }).hvplayEditor !== undefined, null, { timeout: 120_000 });
  await expect(page.getByTestId("editor-status")).toHaveText("assembled 512 bytes");
  type EditorHook = { getValue(): string; setValue(text: string): void };
  const original = await page.evaluate(() => (window as unknown as { hvplayEditor: EditorHook }).hvplayEditor.getValue());
  await page.locator(".editor-host .view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("frobnicate eax");
  await expect(page.getByTestId("editor-status")).toHaveText("1 error");
  await expect(page.locator(".editor-host .squiggly-error")).toHaveCount(1);
  await page.evaluate((text) => (window as unknown as { hvplayEditor: EditorHook }).hvplayEditor.setValue(text), original);
  await expect(page.getByTestId("editor-status")).toHaveText("assembled 512 bytes");
  await page.getByRole("button", { name: "Assemble & run" }).click();
  await expect(page.getByTestId("console-text")).toContainText("Hello from real mode!");

  // Monaco's editor worker (which the app starts only when Monaco asks for it): it loads under
  // the page policy and may not compile.
  const editorWorkerSeen = page.waitForEvent("worker", { predicate: (w) => w.url().includes("/assets/editor.worker-") });
  await page.evaluate(() => (self as unknown as { MonacoEnvironment: { getWorker(id: string, label: string): unknown } }).MonacoEnvironment.getWorker("csp-test", "editorWorkerService"));
  const editorWorker = await editorWorkerSeen;
  expect((await page.request.get(editorWorker.url())).headers()["content-security-policy"]).toBe(PAGE_POLICY);
  expect(await compileProbe(editorWorker)).toBe("EvalError");

  // Light theme (Monaco's theme styles are rebuilt), a form (form-action 'none' must not matter:
  // the app's forms never submit), Save (a blob: download), Share.
  await page.getByRole("button", { name: /^Switch to the (light|dark) theme$/ }).click();
  await page.getByRole("search", { name: "Memory address" }).getByRole("button", { name: "Go" }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Save the console to a file" }).click();
  expect((await download).suggestedFilename()).toMatch(/\.txt$/);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.getByRole("button", { name: "Share" }).click();
  await expect(page.getByTestId("share-link")).toHaveValue(/#r=1\./);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("errors")).toHaveCount(0);

  expect(await violations(page)).toEqual([]);
  expect(recorded.console).toEqual([]);
});

test("the JIT is on under the served policies: bench-int runs several times faster than where the worker gets the page policy", async ({ browser, page, baseURL }) => {
  // As served: the worker's own policy allows eval.
  const workerSeen = hypervisorWorker(page);
  await page.goto("/?guest=bench-int.elf");
  expect(await compileProbe(await workerSeen)).toBe("42");
  const jit = await measureMips(page);
  await page.close();

  // The same build where the worker's script comes with the page policy: `new Function` throws in
  // the worker, and the JIT turns itself off (src/x86/jit.ts). The document's policy is the same
  // in both, so this is also the proof that the worker takes its policy from its own script.
  const host = await startOnePolicyHost(baseURL!);
  const other = await browser.newPage();
  try {
    const otherWorker = hypervisorWorker(other);
    await other.goto(`${host.url}?guest=bench-int.elf`);
    expect(await compileProbe(await otherWorker)).toBe("EvalError");
    const interpreter = await measureMips(other);
    test.info().annotations.push({ type: "bench-int MIPS", description: `JIT ${jit.toFixed(0)}, interpreter ${interpreter.toFixed(0)}` });
    // Over ten times here (JIT 600-2,000 MIPS, interpreter 20-50, depending on the machine's load);
    // the two runs share the load, so their ratio holds where a fixed number of MIPS would not.
    expect(jit, `JIT ${jit.toFixed(0)} MIPS vs interpreter ${interpreter.toFixed(0)} MIPS`).toBeGreaterThan(3 * interpreter);
  } finally {
    await other.close();
    await host.close();
  }
});

test("vite preview: the document refuses inline scripts, eval and other origins, under its header and its <meta>", async ({ page }) => {
  await recordViolations(page);
  await page.goto("/");
  await expect(page.getByTestId("machine-state")).not.toHaveText(/starting worker|no guest/, { timeout: 60_000 });
  expect(await violations(page)).toEqual([]);
  await expectDocumentLockedDown(page, [PAGE_POLICY, META_POLICY]);
  // Another origin: refused before any request is made.
  const refused = await page.evaluate(() =>
    fetch("http://example.invalid/x").then(
      () => "fetched",
      () => "failed",
    ),
  );
  expect(refused).toBe("failed");
  expect((await violations(page)).filter((v) => v.directive === "connect-src").map((v) => v.blocked)).toContain("http://example.invalid/x");
});

test("?embed may be framed by another site; the full playground may not", async ({ page, baseURL }) => {
  // A blog on another origin ("localhost" is not 127.0.0.1, which the app is served from).
  const blog = createServer((request, response) => {
    const src = new URL(request.url ?? "/", "http://x").searchParams.get("src") ?? "";
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><title>blog</title><iframe src="${src}" width="720" height="420" title="Hypervisor Playground"></iframe>`);
  });
  await new Promise<void>((resolve) => blog.listen(0, "127.0.0.1", resolve));
  const blogUrl = (src: string) => `http://localhost:${(blog.address() as AddressInfo).port}/?src=${encodeURIComponent(src)}`;
  try {
    await page.goto(blogUrl(`${baseURL}/?embed`));
    await expect(page.frameLocator("iframe").getByRole("button", { name: "Run" })).toBeVisible({ timeout: 60_000 });
    await expect(page.frameLocator("iframe").getByTestId("machine-state")).toHaveText("ready", { timeout: 60_000 });

    const refusal = page.waitForEvent("console", { predicate: (m) => /frame-ancestors/.test(m.text()) });
    await page.goto(blogUrl(`${baseURL}/`));
    expect((await refusal).text()).toContain("frame-ancestors 'none'");
    await expect(page.frameLocator("iframe").getByTestId("machine-state")).toHaveCount(0);
  } finally {
    blog.closeAllConnections();
    await new Promise<void>((resolve) => blog.close(() => resolve()));
  }
});

test("a cross-origin isolated blog may frame ?embed, and the embed is isolated too", async ({ page, baseURL }) => {
  // The blog sends COOP + COEP require-corp itself: a frame it embeds must send CORP cross-origin
  // (the embed does; the full playground's same-origin would be refused), and the iframe's
  // allow="cross-origin-isolated" (the Share dialog's snippet has it) passes isolation on.
  const blog = createServer((request, response) => {
    const src = new URL(request.url ?? "/", "http://x").searchParams.get("src") ?? "";
    response.writeHead(200, {
      "Content-Type": "text/html; charset=utf-8",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    });
    response.end(`<!doctype html><title>isolated blog</title><iframe src="${src}" width="720" height="420" allow="cross-origin-isolated" title="Hypervisor Playground"></iframe>`);
  });
  await new Promise<void>((resolve) => blog.listen(0, "127.0.0.1", resolve));
  const blogUrl = (src: string) => `http://localhost:${(blog.address() as AddressInfo).port}/?src=${encodeURIComponent(src)}`;
  try {
    await page.goto(blogUrl(`${baseURL}/?embed`));
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const frame = page.frameLocator("iframe");
    await expect(frame.getByTestId("machine-state")).toHaveText("ready", { timeout: 60_000 });
    const inner = page.frames().find((f) => f !== page.mainFrame());
    expect(await inner!.evaluate(() => crossOriginIsolated)).toBe(true);
    await frame.getByRole("button", { name: "Run" }).click();
    await expect(frame.getByTestId("console-text")).toContainText("hvplay> ", { timeout: 60_000 });
  } finally {
    blog.closeAllConnections();
    await new Promise<void>((resolve) => blog.close(() => resolve()));
  }
});

test("a static host without headers: the service worker adds the same policies, and they hold", async ({ page }) => {
  // A private copy of the build (a `vite build` meanwhile would pull files from under the worker's install).
  const snapshot = await mkdtemp(path.join(tmpdir(), "hvplay-csp-"));
  await cp(path.join(root, "dist"), snapshot, { recursive: true, filter: (file) => !file.endsWith(".map") });
  const server = await startStaticServer(snapshot);
  try {
    await recordViolations(page);
    const response = await page.goto(server.url);
    // The host sends no policy: before the service worker, only the <meta> one holds.
    expect(response?.headers()["content-security-policy"]).toBeUndefined();
    // Registered, reloaded once (src/ui/coi.ts): now controlled, and isolated.
    await expect
      .poll(async () => {
        try {
          return await page.evaluate(() => globalThis.crossOriginIsolated && navigator.serviceWorker.controller !== null);
        } catch {
          return false; // the context went away in the reload
        }
      }, { timeout: 60_000 })
      .toBe(true);
    const worker = await hypervisorWorker(page);
    await expect(page.getByTestId("machine-state")).not.toHaveText(/starting worker|no guest/, { timeout: 60_000 });

    // What the service worker answers, from the precache or the network, carries the policy for its URL.
    const urls = await page.evaluate(async () => {
      const cached: string[] = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) cached.push(new URL(request.url).pathname);
      return cached;
    });
    const editorWorkerPath = urls.find((u) => /\/assets\/editor\.worker-[\w-]+\.js$/.test(u));
    expect(editorWorkerPath).toBeDefined();
    const served = await page.evaluate(async (paths) => {
      const result: Record<string, string | null> = {};
      for (const p of paths) result[p] = (await fetch(p)).headers.get("content-security-policy");
      return result;
    }, ["/", "/index.html", "/?embed", "/?guest=hello.elf", new URL(worker.url()).pathname, editorWorkerPath!, "/guests/monitor.elf"]);
    expect(served).toEqual({
      "/": PAGE_POLICY,
      "/index.html": PAGE_POLICY,
      "/?embed": EMBED_POLICY,
      "/?guest=hello.elf": PAGE_POLICY,
      [new URL(worker.url()).pathname]: HYPERVISOR_WORKER_POLICY,
      [editorWorkerPath!]: PAGE_POLICY,
      "/guests/monitor.elf": PAGE_POLICY,
    });

    // And they hold: the document (loaded through the service worker) is refused under the
    // header's policy as well as the <meta>'s; the worker compiles and is kept on our origin,
    // which only the policy the service worker gave its script can do.
    expect(await violations(page)).toEqual([]);
    await expectDocumentLockedDown(page, [PAGE_POLICY, META_POLICY]);
    expect(await compileProbe(worker)).toBe("42");
    expect(await workerCrossOriginFetch(worker)).toBe("connect-src");
  } finally {
    await server.close();
    await rm(snapshot, { recursive: true, force: true });
  }
});
