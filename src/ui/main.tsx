/**
 * Page entry: make sure the page is cross-origin isolated (coi.ts), start the workbench (which
 * starts the hypervisor worker and boots the default guest), render the panels.
 */
import "@xterm/xterm/css/xterm.css";
import "./styles.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ensureCrossOriginIsolated } from "./coi";
import { applyTheme, initialTheme } from "./theme";
import { WorkbenchContext } from "./hooks";
import { Workbench } from "./workbench";
// Share links: `#r=` recipes, `?embed` (src/share, src/ui/share-*).
import { EmbedApp } from "./EmbedApp";
import { ShareContext } from "./share-context";
import { trackWorkers } from "./share-controller";
import { readPageRequest } from "./share-link";
import { createShareController, initialGuestFor, openLinks } from "./share-setup";

async function main(): Promise<void> {
  const outcome = await ensureCrossOriginIsolated(import.meta.env.BASE_URL);
  if (outcome === "reloading") return;
  const request = readPageRequest(location.search, location.hash);
  const workers = trackWorkers();
  const workbench = new Workbench({
    isolated: globalThis.crossOriginIsolated === true,
    initialGuest: initialGuestFor(request, location.search),
    createWorker: workers.factory,
  });
  const theme = initialTheme();
  applyTheme(theme, false);
  workbench.store.update({ theme });
  workbench.start();
  const share = createShareController(workbench, workers);
  openLinks(share, request);
  // Exposed for debugging from the devtools console (and e2e diagnostics); not an API.
  (globalThis as { hvplay?: Workbench }).hvplay = workbench;
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <WorkbenchContext value={workbench}>
        <ShareContext value={share}>{request.embed ? <EmbedApp /> : <App />}</ShareContext>
      </WorkbenchContext>
    </StrictMode>,
  );
}

void main();
