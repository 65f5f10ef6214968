import { describe, expect, it } from "vitest";
import { decideIsolationAction } from "./coi";

describe("decideIsolationAction", () => {
  it("does nothing when the server already isolates the page (vite dev / preview)", () => {
    expect(decideIsolationAction({ crossOriginIsolated: true, serviceWorkerAvailable: true, reloadAttempted: false })).toBe("none");
    expect(decideIsolationAction({ crossOriginIsolated: true, serviceWorkerAvailable: true, reloadAttempted: true })).toBe("none");
  });
  it("registers the service worker and reloads once on a plain static host", () => {
    expect(decideIsolationAction({ crossOriginIsolated: false, serviceWorkerAvailable: true, reloadAttempted: false })).toBe("register-and-reload");
  });
  it("never reloads twice: still not isolated after the reload means give up", () => {
    expect(decideIsolationAction({ crossOriginIsolated: false, serviceWorkerAvailable: true, reloadAttempted: true })).toBe("give-up");
  });
  it("gives up without service workers (insecure context, disabled)", () => {
    expect(decideIsolationAction({ crossOriginIsolated: false, serviceWorkerAvailable: false, reloadAttempted: false })).toBe("give-up");
  });
});
