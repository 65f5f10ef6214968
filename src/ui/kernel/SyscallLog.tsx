/**
 * Every syscall the VMM made, and those made from the page (name, arguments, status by name, out-
 * parameters). The store keeps the newest LOG_CAPACITY; the list renders a window of them around its
 * viewport and follows the tail while scrolled to the bottom (follow-tail.ts). Playground extensions
 * (hvplay_*, not Zircon calls) are hidden by default: the VMM reads its arch-state extension after
 * every exit.
 */
import { useMemo, useState } from "react";
import { formatCount } from "../format";
import { LOG_CAPACITY } from "../store";
import { useLiveRows, useTailWindow } from "./follow-tail";
import "./kernel.css";

/** Playground extensions (ARCHITECTURE.md: "clearly named"): not Zircon syscalls. */
const isExtension = (name: string) => name.startsWith("hvplay_");

/** The syscall log with its "hide hvplay_* extensions" toggle (data-testid="syscall-log"). */
export function SyscallLog() {
  const [hideExtensions, setHideExtensions] = useState(true);
  const all = useLiveRows((s) => s.syscalls);
  const rows = useMemo(() => (hideExtensions ? all.filter((e) => !isExtension(e.name)) : all), [all, hideExtensions]);
  const { ref, onScroll, first, last, above, below } = useTailWindow<HTMLDivElement>(rows.length, rows);
  return (
    <div className="kx-stack">
      <div className="kx-toolbar">
        <label className="log-filter">
          <input type="checkbox" checked={hideExtensions} onChange={(e) => setHideExtensions(e.target.checked)} />
          hide hvplay_* extensions
        </label>
        <span className="muted">newest {formatCount(LOG_CAPACITY)} kept</span>
      </div>
      <div className="panel-body log kx-syscalls" ref={ref} onScroll={onScroll} data-testid="syscall-log" tabIndex={0} aria-label="Syscall log">
        <table className="data log-table">
          <colgroup>
            <col className="c-seq" />
            <col />
            <col className="c-status" />
          </colgroup>
          <tbody>
            {above > 0 && <tr aria-hidden="true" style={{ height: above }} />}
            {rows.slice(first, last).map((e, slot) => (
              <tr key={slot} className={isExtension(e.name) ? "ext" : undefined}
                title={isExtension(e.name) ? "playground extension, not a Zircon syscall" : `thread ${e.thread}`}>
                <td className="seq mono">{e.seq}</td>
                <td className="mono">
                  <span className="call">{e.name}</span>
                  <span className="args">({e.args})</span>
                  {e.detail && <span className="detail"> → {e.detail}</span>}
                </td>
                <td className={`mono kx-st ${e.status === 0 ? "ok" : e.status === null ? "" : "err"}`}>{e.statusName ?? ""}</td>
              </tr>
            ))}
            {below > 0 && <tr aria-hidden="true" style={{ height: below }} />}
          </tbody>
        </table>
      </div>
    </div>
  );
}
