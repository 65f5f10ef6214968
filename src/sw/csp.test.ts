/**
 * The Content-Security-Policy (csp.ts): which response gets which policy, what each policy allows,
 * that the copy in vite.config.ts (sent by `vite preview`, written into index.html) says the same,
 * and that the service worker's helper adds it without disturbing the response. That the policies
 * are enough for the app, and enforced, is e2e/csp.spec.ts's job (in Chromium).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as viteConfig from "../../vite.config";
import { contentSecurityPolicyFor, EMBED_POLICY, HYPERVISOR_WORKER_POLICY, META_POLICY, PAGE_POLICY, withContentSecurityPolicy } from "./csp";

const ORIGIN = "https://example.org";
const WORKER = "/assets/hypervisor.worker-JZ7eJqO2.js";

/** A policy as directive name → source list (throws on a repeated directive: browsers ignore the second). */
function parse(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    if (directives.has(name)) throw new Error(`${name} twice in ${policy}`);
    directives.set(name, sources);
  }
  return directives;
}

// Path segments and queries such as an app URL, an asset, a guest or a share link might have.
const segment = fc.oneof(
  fc.constantFrom("assets", "guests", "sub", "index.html", "hypervisor.worker-JZ7eJqO2.js", "editor.worker-CX7Cj20z.js", "hypervisor.worker.ts", "hypervisor.worker-x.js.map", "monitor.elf"),
  fc.stringMatching(/^[\w.-]{1,12}$/),
);
const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom("?embed", "?guest=hello.elf&embed", "?embed=0", "?guest=echo.elf", "?x=embed", "?embedded"),
  fc.stringMatching(/^\?[\w=&.-]{0,16}$/),
);
const anyUrl = fc.tuple(fc.array(segment, { maxLength: 4 }), fc.boolean(), query).map(([parts, slash, q]) => `/${parts.join("/")}${slash && parts.length > 0 ? "/" : ""}${q}`);
// The worker's real place under some base, with look-alikes: a random URL rarely lands on it.
const workerLike = fc
  .tuple(fc.constantFrom("", "/sub", "/a/b"), fc.constantFrom("assets", "guests", "asset"), fc.constantFrom("hypervisor.worker-", "hypervisor.worker.", "editor.worker-", "hypervisor-worker-"), fc.stringMatching(/^[\w-]{0,10}$/), fc.constantFrom(".js", ".js.map", ".mjs"), query)
  .map(([base, dir, name, hash, ext, q]) => `${base}/${dir}/${name}${hash}${ext}${q}`);
const appUrl = fc.oneof(anyUrl, workerLike);

describe("contentSecurityPolicyFor", () => {
  it("gives the hypervisor worker's script the worker policy, ?embed documents the embed policy, all else the page policy", () => {
    expect(contentSecurityPolicyFor(`${ORIGIN}${WORKER}`)).toBe(HYPERVISOR_WORKER_POLICY);
    expect(contentSecurityPolicyFor(`/sub${WORKER}?v=1`)).toBe(HYPERVISOR_WORKER_POLICY);
    expect(contentSecurityPolicyFor(`${ORIGIN}/`)).toBe(PAGE_POLICY);
    expect(contentSecurityPolicyFor(`${ORIGIN}/?guest=hello.elf#r=1.abc`)).toBe(PAGE_POLICY);
    expect(contentSecurityPolicyFor(`${ORIGIN}/?embed#r=1.abc`)).toBe(EMBED_POLICY);
    expect(contentSecurityPolicyFor("/index.html?guest=echo.elf&embed")).toBe(EMBED_POLICY);
    // Monaco's editor worker has no eval in it: the page policy.
    expect(contentSecurityPolicyFor("/assets/editor.worker-CX7Cj20z.js")).toBe(PAGE_POLICY);
    // Only the built worker in assets/, not its source map, not a look-alike elsewhere.
    expect(contentSecurityPolicyFor(`${WORKER}.map`)).toBe(PAGE_POLICY);
    expect(contentSecurityPolicyFor("/guests/hypervisor.worker-JZ7eJqO2.js")).toBe(PAGE_POLICY);
    expect(contentSecurityPolicyFor("/assets/hypervisor.worker.js")).toBe(PAGE_POLICY);
  });

  it("allows eval only for the hypervisor worker and lifts frame-ancestors only for ?embed (seeded URLs)", () => {
    fc.assert(
      fc.property(appUrl, (url) => {
        const policy = contentSecurityPolicyFor(url);
        const { pathname, searchParams } = new URL(url, ORIGIN);
        const worker = /^\/(?:.*\/)?assets\/hypervisor\.worker-[\w-]+\.js$/.test(pathname);
        expect(policy.includes("'unsafe-eval'")).toBe(worker);
        expect(policy.includes("frame-ancestors 'none'")).toBe(!worker && !searchParams.has("embed"));
        expect([PAGE_POLICY, EMBED_POLICY, HYPERVISOR_WORKER_POLICY]).toContain(policy);
      }),
      { seed: 7107, numRuns: 500 },
    );
  });
});

describe("the policies", () => {
  it("the page: scripts, workers, fonts and fetches from our origin only; no eval; no framing but ?embed", () => {
    const page = parse(PAGE_POLICY);
    expect(page.get("default-src")).toEqual(["'none'"]);
    for (const name of ["script-src", "font-src", "connect-src", "worker-src", "manifest-src"]) expect(page.get(name), name).toEqual(["'self'"]);
    // Inline <style> (xterm, Monaco) and style="" (Monaco's view lines); data: images (Monaco's squiggles).
    expect(page.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(page.get("img-src")).toEqual(["'self'", "data:"]);
    expect(page.get("base-uri")).toEqual(["'none'"]);
    expect(page.get("form-action")).toEqual(["'none'"]);
    expect(page.get("frame-ancestors")).toEqual(["'none'"]);
    // Nothing from another origin, and no wildcard, anywhere.
    for (const [name, sources] of page) for (const source of sources) expect(source, `${name} ${source}`).toMatch(/^('self'|'none'|'unsafe-inline'|data:)$/);
  });

  it("the embed policy is the page's without frame-ancestors; the <meta> one is the embed's (a <meta> cannot say frame-ancestors)", () => {
    const page = parse(PAGE_POLICY);
    page.delete("frame-ancestors");
    expect(parse(EMBED_POLICY)).toEqual(page);
    expect(META_POLICY).toBe(EMBED_POLICY);
    // Directives a <meta> policy ignores (with a console error): none in it.
    for (const name of ["frame-ancestors", "sandbox", "report-uri"]) expect(parse(META_POLICY).has(name)).toBe(false);
  });

  it("the hypervisor worker: eval for the JIT, its own origin for imports and guest images, nothing else", () => {
    expect(parse(HYPERVISOR_WORKER_POLICY)).toEqual(
      new Map([
        ["default-src", ["'none'"]],
        ["script-src", ["'self'", "'unsafe-eval'"]],
        ["connect-src", ["'self'"]],
      ]),
    );
  });
});

describe("vite.config.ts says the same (vite preview's headers, index.html's <meta>)", () => {
  it("the same policy strings", () => {
    expect(viteConfig.PAGE_POLICY).toBe(PAGE_POLICY);
    expect(viteConfig.EMBED_POLICY).toBe(EMBED_POLICY);
    expect(viteConfig.HYPERVISOR_WORKER_POLICY).toBe(HYPERVISOR_WORKER_POLICY);
  });
  it("the same choice for every URL (seeded)", () => {
    fc.assert(
      fc.property(appUrl, (url) => {
        expect(viteConfig.contentSecurityPolicyFor(url)).toBe(contentSecurityPolicyFor(url));
      }),
      { seed: 7108, numRuns: 500 },
    );
  });
});

describe("withContentSecurityPolicy", () => {
  it("adds the policy for the URL and keeps status, other headers and body", async () => {
    const original = new Response("hello", {
      status: 201,
      statusText: "Created",
      headers: { "Content-Type": "text/plain", "Cross-Origin-Embedder-Policy": "require-corp", "Content-Security-Policy": "default-src *" },
    });
    const response = withContentSecurityPolicy(original, `${ORIGIN}/?guest=hello.elf`);
    expect(response.headers.get("content-security-policy")).toBe(PAGE_POLICY);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Created");
    expect(await response.text()).toBe("hello");
    expect(withContentSecurityPolicy(new Response("x"), `${ORIGIN}${WORKER}`).headers.get("content-security-policy")).toBe(HYPERVISOR_WORKER_POLICY);
    expect(withContentSecurityPolicy(new Response("x"), `${ORIGIN}/?embed`).headers.get("content-security-policy")).toBe(EMBED_POLICY);
  });
  it("keeps null-body statuses working", () => {
    expect(withContentSecurityPolicy(new Response(null, { status: 304 }), `${ORIGIN}/`).status).toBe(304);
  });
  it("passes opaque responses through (they cannot be rebuilt)", () => {
    const opaque = { status: 0, type: "opaque" } as Response;
    expect(withContentSecurityPolicy(opaque, `${ORIGIN}/`)).toBe(opaque);
  });
});
