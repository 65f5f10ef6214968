/**
 * The service worker (src/sw/sw.ts, built to `<base>sw.js`): cross-origin isolation on hosts that
 * cannot send COOP/COEP headers, and offline use / installability everywhere.
 *
 * The dev server and `vite preview` send the headers themselves (vite.config.ts), so there
 * `crossOriginIsolated` is already true; a production build still registers the worker (in the
 * background, after the page has loaded, without reloading) so the app works offline and can be
 * installed. `vite` dev never registers it (`import.meta.env.PROD`; the file is not even built there).
 *
 * On a plain static host the page registers the worker, which serves every same-origin response
 * with the headers, and reloads once so that the document itself comes through it. A session-storage
 * flag makes that reload happen at most once: if the page is still not isolated after it, we report
 * "unavailable" instead of reloading forever.
 */

/** What the page should do, decided from the facts only (kept pure so that it can be unit-tested). */
export type IsolationAction =
  /** Already isolated and nothing to register (dev, or no service workers): start the app. */
  | "none"
  /** Already isolated, production build: start the app and register the worker for offline use. */
  | "register"
  /** Not isolated, a production worker can help, no reload tried yet: register it, then reload once. */
  | "register-and-reload"
  /** Not isolated and we cannot fix it (dev, no service worker, insecure context, or the reload already happened). */
  | "give-up";

export interface IsolationFacts {
  crossOriginIsolated: boolean;
  /** `"serviceWorker" in navigator && isSecureContext`. */
  serviceWorkerAvailable: boolean;
  /** The flag set just before our one reload. */
  reloadAttempted: boolean;
  /** `import.meta.env.PROD`: sw.js exists only in a build. */
  production: boolean;
}

export function decideIsolationAction(facts: IsolationFacts): IsolationAction {
  const canRegister = facts.serviceWorkerAvailable && facts.production;
  if (facts.crossOriginIsolated) return canRegister ? "register" : "none";
  if (!canRegister || facts.reloadAttempted) return "give-up";
  return "register-and-reload";
}

/** The worker's URL and scope for the app's base URL (`import.meta.env.BASE_URL`: "/", "/sub/", "./"). */
export function serviceWorkerLocation(baseUrl: string, pageHref: string): { url: string; scope: string } {
  const base = new URL(baseUrl, pageHref);
  return { url: new URL("sw.js", base).href, scope: base.pathname };
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

function register(baseUrl: string): Promise<ServiceWorkerRegistration> {
  const { url, scope } = serviceWorkerLocation(baseUrl, location.href);
  // updateViaCache "none": the browser always checks sw.js itself against the server, so a new
  // build is noticed on the next visit whatever the host's caching headers say.
  return navigator.serviceWorker.register(url, { scope, updateViaCache: "none" });
}

/**
 * How long after the page's load event the worker is registered. Its install step downloads and
 * caches every asset (the editor's several megabytes too); at the load event that work competed
 * with the guest's boot and the first render for the machine's cores.
 */
const BACKGROUND_REGISTER_DELAY_MS = 3000;
/**
 * Then it waits until the page is quiet: an idle period of at least QUIET_IDLE_MS (Chromium gives
 * up to 50 ms when no frame is due), at most IDLE_REGISTER_TIMEOUT_MS. A guest printing flat out
 * keeps the page drawing at every frame: an install there (a sixth of a core for seconds, on a
 * 2-core machine whose other core runs the guest) took a quarter of the page's frames, and the
 * short idle ends of frames that draw come even then. A quiet page comes when the guest is paused,
 * waits for input, or computes without printing.
 *
 * And until the guest is not computing flat out (setBackgroundGate; looked at again every
 * GATE_RETRY_MS): a quiet page is not a quiet machine. The install is about a core-second of work,
 * which on a 2-core machine takes it from the guest: the bundled Linux reached its shell prompt in
 * 12.6 s with the install in the middle of its boot, 9.0 s without (headless Chromium, 1440×900).
 */
const QUIET_IDLE_MS = 40;
const IDLE_REGISTER_TIMEOUT_MS = 60_000;
const GATE_RETRY_MS = 1000;

/** Whether background work (the service worker's install) may start now; the app sets it (main.tsx). */
let backgroundGate: () => boolean = () => true;

/** Sets what registerInBackground asks before it starts the install (see QUIET_IDLE_MS). */
export function setBackgroundGate(gate: () => boolean): void {
  backgroundGate = gate;
}

/** Registers the worker a while after the page has loaded, once the page and the guest are quiet, so its precache download costs neither the boot nor frames nor the guest. */
function registerInBackground(baseUrl: string): void {
  const go = () => {
    register(baseUrl).catch((error: unknown) => {
      console.warn("Hypervisor Playground: could not register the service worker (no offline use)", error);
    });
  };
  const whenQuiet = (giveUpAt: number) => {
    requestIdleCallback((deadline) => {
      if (deadline.didTimeout || performance.now() >= giveUpAt) go();
      else if (!backgroundGate()) setTimeout(() => whenQuiet(giveUpAt), GATE_RETRY_MS);
      else if (deadline.timeRemaining() >= QUIET_IDLE_MS) go();
      else whenQuiet(giveUpAt);
    }, { timeout: Math.max(1, giveUpAt - performance.now()) });
  };
  const later = () => {
    setTimeout(() => {
      if (typeof requestIdleCallback === "function") whenQuiet(performance.now() + IDLE_REGISTER_TIMEOUT_MS);
      else go();
    }, BACKGROUND_REGISTER_DELAY_MS);
  };
  if (document.readyState === "complete") later();
  else addEventListener("load", later, { once: true });
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
    production: import.meta.env.PROD,
  });
  switch (action) {
    case "none":
      writeFlag(false);
      return "isolated";
    case "register":
      writeFlag(false);
      registerInBackground(baseUrl);
      return "isolated";
    case "give-up":
      writeFlag(false);
      return "unavailable";
    case "register-and-reload":
      break;
  }
  try {
    await register(baseUrl);
    // Resolves once the worker is active: its install step has precached the app. It does not
    // claim this page (see src/sw/sw.ts), but the reload below is a new navigation, which an
    // active worker controls (a hard reload would bypass it for that one load; then the flag
    // makes us give up instead of looping).
    await navigator.serviceWorker.ready;
    writeFlag(true);
    location.reload();
    return "reloading";
  } catch (error) {
    console.warn("Hypervisor Playground: could not register the isolation service worker", error);
    return "unavailable";
  }
}
