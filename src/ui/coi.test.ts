import { describe, expect, it } from "vitest";
import { decideIsolationAction, serviceWorkerLocation, type IsolationFacts } from "./coi";

const facts = (over: Partial<IsolationFacts>): IsolationFacts => ({
  crossOriginIsolated: false,
  serviceWorkerAvailable: true,
  reloadAttempted: false,
  production: true,
  ...over,
});

describe("decideIsolationAction", () => {
  it("registers the worker for offline use, without reloading, when the server already isolates a production build (vite preview)", () => {
    expect(decideIsolationAction(facts({ crossOriginIsolated: true }))).toBe("register");
    expect(decideIsolationAction(facts({ crossOriginIsolated: true, reloadAttempted: true }))).toBe("register");
  });
  it("never registers under the dev server (no sw.js there)", () => {
    expect(decideIsolationAction(facts({ crossOriginIsolated: true, production: false }))).toBe("none");
    expect(decideIsolationAction(facts({ crossOriginIsolated: false, production: false }))).toBe("give-up");
  });
  it("starts the app without a worker where service workers are unavailable but the page is isolated", () => {
    expect(decideIsolationAction(facts({ crossOriginIsolated: true, serviceWorkerAvailable: false }))).toBe("none");
  });
  it("registers the service worker and reloads once on a plain static host", () => {
    expect(decideIsolationAction(facts({}))).toBe("register-and-reload");
  });
  it("never reloads twice: still not isolated after the reload means give up", () => {
    expect(decideIsolationAction(facts({ reloadAttempted: true }))).toBe("give-up");
  });
  it("gives up without service workers (insecure context, disabled)", () => {
    expect(decideIsolationAction(facts({ serviceWorkerAvailable: false }))).toBe("give-up");
  });
});

describe("serviceWorkerLocation", () => {
  it("puts sw.js at the base URL, scoped to it", () => {
    expect(serviceWorkerLocation("/", "https://example.org/?guest=hello.elf#r=x")).toEqual({
      url: "https://example.org/sw.js",
      scope: "/",
    });
  });
  it("follows a sub-path base", () => {
    expect(serviceWorkerLocation("/playground/", "https://example.org/playground/?embed")).toEqual({
      url: "https://example.org/playground/sw.js",
      scope: "/playground/",
    });
  });
  it("resolves a relative base against the page", () => {
    expect(serviceWorkerLocation("./", "https://user.github.io/hvplay/index.html")).toEqual({
      url: "https://user.github.io/hvplay/sw.js",
      scope: "/hvplay/",
    });
  });
});
