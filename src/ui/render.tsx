/**
 * The React half of the page entry (main.tsx): loaded after the workbench has started the
 * hypervisor worker, so the worker boots the guest while React and the panels are still being
 * fetched and evaluated on the page's thread.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { EmbedApp } from "./EmbedApp";
import { WorkbenchContext } from "./hooks";
import { watchFirstOutput } from "./layout/Deferred";
import { ShareContext } from "./share-context";
import type { ShareController } from "./share-controller";
import type { Workbench } from "./workbench";

export function renderApp(root: HTMLElement, workbench: Workbench, share: ShareController, embed: boolean): void {
  watchFirstOutput(workbench.store);
  createRoot(root).render(
    <StrictMode>
      <WorkbenchContext value={workbench}>
        <ShareContext value={share}>{embed ? <EmbedApp /> : <App />}</ShareContext>
      </WorkbenchContext>
    </StrictMode>,
  );
}
