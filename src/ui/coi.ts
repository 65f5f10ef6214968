/**
 * Making the page cross-origin isolated on hosts that cannot send COOP/COEP headers.
 *
 * The dev server and `vite preview` send the headers themselves (vite.config.ts), so there
 * `crossOriginIsolated` is already true and nothing here runs. On a plain static host the page
 * registers public/coi-serviceworker.js, which re-serves same-origin responses with the headers, and
 * reloads once so that the document itself comes through the service worker. A session-storage flag
 * makes that reload happen at most once: if the page is still not isolated after it, we report
 * "unavailable" instead of reloading forever.
 */

/** What the page should do, decided from the facts only (kept pure so that it can be unit-tested). */
export type IsolationAction =
  /** Already isolated: forget any pending-reload flag and start the app. */
  | "none"
  /** Not isolated, a service worker can help, no reload tried yet: register it, then reload once. */
  | "register-and-reload"
  /** Not isolated and we cannot fix it (no service worker, insecure context, or the reload already happened). */
  | "give-up";

export interface IsolationFacts {
  crossOriginIsolated: boolean;
  /** `"serviceWorker" in navigator && isSecureContext`. */
  serviceWorkerAvailable: boolean;
  /** The flag set just before our one reload. */
  reloadAttempted: boolean;
}

export function decideIsolationAction(facts: IsolationFacts): IsolationAction {
  if (facts.crossOriginIsolated) return "none";
  if (!facts.serviceWorkerAvailable || facts.reloadAttempted) return "give-up";
  return "register-and-reload";
}

export type IsolationOutcome = "isolated" | "reloading" | "unavailable";

const RELOAD_FLAG = "hvplay:coi-reload-attempted";

function readFlag(): boolean {
  try {
    return sessionStorage.getItem(RELOAD_FLAG) === "1";
  } catch {
    return false;
  }
}

function writeFlag(on: boolean): void {
  try {
    if (on) sessionStorage.setItem(RELOAD_FLAG, "1");
    else sessionStorage.removeItem(RELOAD_FLAG);
  } catch {
    // Storage disabled: the reload guard is then best effort (we still reload only from this call).
  }
}

/**
 * Ensures the page is cross-origin isolated. Resolves to "reloading" when a reload has been started
 * (the caller should then not render), "isolated" when the app can start, "unavailable" when it
 * cannot be isolated (the app starts anyway and shows why SharedArrayBuffer is missing).
 */
export async function ensureCrossOriginIsolated(baseUrl: string): Promise<IsolationOutcome> {
  const action = decideIsolationAction({
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    serviceWorkerAvailable: "serviceWorker" in navigator && globalThis.isSecureContext === true,
    reloadAttempted: readFlag(),
  });
  if (action === "none") {
    writeFlag(false);
    return "isolated";
  }
  if (action === "give-up") {
    writeFlag(false);
    return "unavailable";
  }
  try {
    const container = navigator.serviceWorker;
    await container.register(new URL("coi-serviceworker.js", new URL(baseUrl, location.href)).href, {
      scope: new URL(baseUrl, location.href).pathname,
    });
    await container.ready;
    // The worker calls clients.claim() on activation; wait (briefly) until it controls this page.
    // Even if it does not (a hard reload bypasses service workers for that one load), an ordinary
    // reload is fetched through the now-active worker.
    if (!container.controller) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        container.addEventListener("controllerchange", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
    writeFlag(true);
    location.reload();
    return "reloading";
  } catch (error) {
    console.warn("Hypervisor Playground: could not register the isolation service worker", error);
    return "unavailable";
  }
}
