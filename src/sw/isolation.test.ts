import { describe, expect, it } from "vitest";
import { ISOLATION_HEADERS, isAppShellNavigation, isolationHeadersFor, shouldHandle, withIsolationHeaders } from "./isolation";

const ORIGIN = "https://example.org";
const get = (url: string, over: Partial<{ method: string; mode: RequestMode; cache: RequestCache }> = {}) => ({
  url,
  method: "GET",
  mode: "cors" as RequestMode,
  cache: "default" as RequestCache,
  ...over,
});

describe("shouldHandle", () => {
  it("answers same-origin GET and HEAD", () => {
    expect(shouldHandle(get(`${ORIGIN}/assets/index.js`), ORIGIN)).toBe(true);
    expect(shouldHandle(get(`${ORIGIN}/guests/monitor.elf`, { method: "HEAD" }), ORIGIN)).toBe(true);
  });
  it("leaves cross-origin requests to the network: they must opt in themselves", () => {
    expect(shouldHandle(get("https://cdn.example.com/x.js"), ORIGIN)).toBe(false);
    expect(shouldHandle(get("http://example.org/x.js"), ORIGIN)).toBe(false);
  });
  it("leaves other methods and DevTools' only-if-cached requests alone", () => {
    expect(shouldHandle(get(`${ORIGIN}/api`, { method: "POST" }), ORIGIN)).toBe(false);
    expect(shouldHandle(get(`${ORIGIN}/x.js`, { cache: "only-if-cached", mode: "no-cors" }), ORIGIN)).toBe(false);
    expect(shouldHandle(get(`${ORIGIN}/x.js`, { cache: "only-if-cached", mode: "same-origin" }), ORIGIN)).toBe(true);
  });
});

describe("isAppShellNavigation", () => {
  const nav = (url: string) => ({ url, mode: "navigate" as RequestMode });
  it("serves the app shell for the base URL, whatever the query and fragment", () => {
    expect(isAppShellNavigation(nav(`${ORIGIN}/`), `${ORIGIN}/`)).toBe(true);
    expect(isAppShellNavigation(nav(`${ORIGIN}/?guest=hello.elf&embed`), `${ORIGIN}/`)).toBe(true);
    expect(isAppShellNavigation(nav(`${ORIGIN}/sub/index.html?x=1`), `${ORIGIN}/sub/`)).toBe(true);
  });
  it("not for other paths nor for sub-resources", () => {
    expect(isAppShellNavigation(nav(`${ORIGIN}/guests/monitor.elf`), `${ORIGIN}/`)).toBe(false);
    expect(isAppShellNavigation(nav(`${ORIGIN}/`), `${ORIGIN}/sub/`)).toBe(false);
    expect(isAppShellNavigation({ url: `${ORIGIN}/`, mode: "cors" }, `${ORIGIN}/`)).toBe(false);
  });
});

describe("withIsolationHeaders", () => {
  it("adds COOP, COEP and CORP and keeps status, other headers and body", async () => {
    const original = new Response("hello", {
      status: 201,
      statusText: "Created",
      headers: { "Content-Type": "text/plain", "Cross-Origin-Embedder-Policy": "unsafe-none" },
    });
    const response = withIsolationHeaders(original);
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) expect(response.headers.get(name)).toBe(value);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Created");
    expect(await response.text()).toBe("hello");
  });
  it("lets any site embed an ?embed document (CORP cross-origin), and nothing else", () => {
    expect(isolationHeadersFor("https://x.test/play/?embed#r=1.A")).toEqual({ ...ISOLATION_HEADERS, "Cross-Origin-Resource-Policy": "cross-origin" });
    expect(isolationHeadersFor("/?embed")["Cross-Origin-Resource-Policy"]).toBe("cross-origin");
    for (const url of ["https://x.test/play/", "/assets/index.js", "/?guest=hello.elf", "/#embed", "/embed"]) {
      expect(isolationHeadersFor(url)).toEqual(ISOLATION_HEADERS);
    }
    const embed = withIsolationHeaders(new Response("<!doctype html>", { headers: { "Cross-Origin-Resource-Policy": "same-origin" } }), "https://x.test/?embed");
    expect(embed.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(embed.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
  });
  it("keeps null-body statuses working", () => {
    expect(withIsolationHeaders(new Response(null, { status: 304 })).status).toBe(304);
  });
  it("passes opaque responses through (they cannot be rebuilt)", () => {
    const opaque = { status: 0, type: "opaque" } as Response;
    expect(withIsolationHeaders(opaque)).toBe(opaque);
  });
});
