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
import { initialGuest } from "./guests";
import { WorkbenchContext } from "./hooks";
import { Workbench } from "./workbench";

async function main(): Promise<void> {
  const outcome = await ensureCrossOriginIsolated(import.meta.env.BASE_URL);
  if (outcome === "reloading") return;
  const workbench = new Workbench({
    isolated: globalThis.crossOriginIsolated === true,
    initialGuest: initialGuest(location.search),
  });
  workbench.start();
  // Exposed for debugging from the devtools console (and e2e diagnostics); not an API.
  (globalThis as { hvplay?: Workbench }).hvplay = workbench;
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <WorkbenchContext value={workbench}>
        <App />
      </WorkbenchContext>
    </StrictMode>,
  );
}

void main();
