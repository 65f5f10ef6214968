/**
 * The embed layout (`?embed`), for blog posts: the console and a Run button, nothing else. The
 * guest (a `#r=` recipe's, or the default) is loaded and waits for Run; Run again boots it afresh
 * once it has finished. Errors (a bad link, a dead worker) are shown in place.
 */
import "./share-styles.css";
import { ConsolePanel } from "./ConsolePanel";
import { useWorkbench, useWorkbenchState } from "./hooks";
import { StopExplanation } from "./StopExplanation";
import { useShare } from "./share-context";
import { describeState } from "./Toolbar";

/** The full playground for this page: the same address without `embed`. */
export function playgroundHref(href: string): string {
  const url = new URL(href);
  url.searchParams.delete("embed");
  return url.toString();
}

export function EmbedApp() {
  const workbench = useWorkbench();
  const share = useShare();
  const machine = useWorkbenchState((s) => s.machine);
  const connection = useWorkbenchState((s) => s.connection);
  const errors = useWorkbenchState((s) => s.errors);
  const runnable = connection.kind === "connected" && (machine.kind === "ready" || machine.kind === "paused" || machine.kind === "exited" || machine.kind === "error");
  return (
    <div className="app embed">
      <div className="embed-bar" role="toolbar" aria-label="Guest controls">
        <button type="button" className="btn primary" disabled={!runnable || !share} onClick={() => void share?.run()}
          title={machine.kind === "exited" || machine.kind === "error" ? "Boot the guest again from the start and run it" : "Run the guest"}>
          <span aria-hidden="true">▶</span> Run
        </button>
        <span className={`state-pill state-${machine.kind}`} data-testid="machine-state" role="status">
          {connection.kind === "starting" ? "starting worker" : describeState(machine)}
        </span>
        <span className="spacer" />
        <a href={playgroundHref(location.href)} target="_blank" rel="noopener">Open in Hypervisor Playground ↗</a>
      </div>
      {errors.length > 0 && (
        <div className="notice error" role="alert" data-testid="errors">
          <ul>
            {errors.map((e, i) => <li key={i}>{e}</li>)}
          </ul>
          <button type="button" className="btn small" onClick={() => workbench.store.dismissErrors()}>Dismiss</button>
        </div>
      )}
      <StopExplanation />
      {connection.kind === "dead" && (
        <div className="embed-dead" role="alert">
          The hypervisor worker stopped: {connection.message}
          <button type="button" className="btn small" onClick={() => workbench.restart()}>Restart</button>
        </div>
      )}
      <ConsolePanel />
    </div>
  );
}
