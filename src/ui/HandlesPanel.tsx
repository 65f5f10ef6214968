/**
 * The process's handle table: the opaque (scrambled) handle value, the object's type, its koid and
 * the handle's rights, all by Zircon's names. Handles the process was given at start (the resources)
 * are listed with those the VMM created (guest, VMAR, VMO, VCPU, ...).
 */
import { useState } from "react";
import { hex32, shortName } from "./format";
import { useWorkbenchState } from "./hooks";
import { MemoryPanel } from "./MemoryPanel";

/** The bottom-right panel: the handle table, or a view of guest memory. */
export function HandlesPanel() {
  const [tab, setTab] = useState<"handles" | "memory">("handles");
  const count = useWorkbenchState((s) => s.handles.length);
  return (
    <section className="panel handles-panel" aria-labelledby="handles-title">
      <header className="panel-head">
        <h2 id="handles-title">{tab === "handles" ? "Handles" : "Memory"}</h2>
        <div className="tabs" role="tablist" aria-label="Process">
          <button type="button" role="tab" aria-selected={tab === "handles"} className="tab" onClick={() => setTab("handles")}>
            Handles <span className="count">{count}</span>
          </button>
          <button type="button" role="tab" aria-selected={tab === "memory"} className="tab" onClick={() => setTab("memory")}>
            Memory
          </button>
        </div>
        {tab === "handles" && <span className="muted">in the VMM process</span>}
      </header>
      {tab === "handles" ? <HandleTable /> : <MemoryPanel />}
    </section>
  );
}

function HandleTable() {
  const handles = useWorkbenchState((s) => s.handles);
  return (
    <div className="panel-body">
      <table className="data" data-testid="handles">
        <thead>
          <tr>
            <th scope="col">Handle</th>
            <th scope="col">Type</th>
            <th scope="col">Koid</th>
            <th scope="col">Rights</th>
          </tr>
        </thead>
        <tbody>
          {handles.map((h) => (
            <tr key={h.handle}>
              <td className="mono">{hex32(h.handle)}</td>
              <td>
                <span className={`badge type-${shortName(h.typeName, "ZX_OBJ_TYPE_").toLowerCase()}`} title={h.typeName}>
                  {h.typeName}
                </span>
              </td>
              <td className="mono">{h.koid.toString()}</td>
              <td className="rights" title={`0x${h.rights.toString(16)}`}>
                {h.rightsNames.map((r) => (
                  <span key={r} className="right">{shortName(r, "ZX_RIGHT_")}</span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
