/** The playground's layout: toolbar on top, console and log on the left, registers and handles on the right. */
import { ConsolePanel } from "./ConsolePanel";
import { HandlesPanel } from "./HandlesPanel";
import { useWorkbench, useWorkbenchState } from "./hooks";
import { LogPanel } from "./LogPanel";
import { RegistersPanel } from "./RegistersPanel";
import { Toolbar } from "./Toolbar";

function WorkerDead() {
  const workbench = useWorkbench();
  const connection = useWorkbenchState((s) => s.connection);
  if (connection.kind !== "dead") return null;
  return (
    <div className="overlay" role="alertdialog" aria-labelledby="dead-title" aria-describedby="dead-message">
      <div className="overlay-card">
        <h2 id="dead-title">The hypervisor worker stopped</h2>
        <p id="dead-message">{connection.message}</p>
        <p className="muted">The guest's state is lost. A restart creates a new kernel and boots the default guest again.</p>
        <button type="button" className="btn primary" onClick={() => workbench.restart()}>
          Restart worker
        </button>
      </div>
    </div>
  );
}

function Notices() {
  const workbench = useWorkbench();
  const isolated = useWorkbenchState((s) => s.isolated);
  const errors = useWorkbenchState((s) => s.errors);
  return (
    <>
      {!isolated && (
        <div className="notice warn" role="status">
          This page is not cross-origin isolated, so SharedArrayBuffer (guest RAM) is unavailable. Serve it
          with COOP/COEP headers, or from a host where the bundled service worker can add them.
        </div>
      )}
      {errors.length > 0 && (
        <div className="notice error" role="alert" data-testid="errors">
          <ul>
            {errors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
          <button type="button" className="btn small" onClick={() => workbench.store.dismissErrors()}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

export function App() {
  return (
    <div className="app">
      <Toolbar />
      <Notices />
      <main className="grid">
        <ConsolePanel />
        <RegistersPanel />
        <LogPanel />
        <HandlesPanel />
      </main>
      <WorkerDead />
    </div>
  );
}
