/**
 * Every syscall the VMM made (name, arguments, status by name) and every packet or status
 * zx_vcpu_resume returned (the VMM's ExitRecord). The store keeps the newest LOG_CAPACITY of each;
 * the list renders the newest RENDERED_ROWS and follows the tail while scrolled to the bottom.
 */
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { formatCount } from "./format";
import { useWorkbenchState } from "./hooks";
import { LOG_CAPACITY } from "./store";

const RENDERED_ROWS = 400;

type Tab = "syscalls" | "exits";

function useFollowTail(dep: unknown) {
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [dep]);
  const onScroll = () => {
    const el = ref.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  return { ref, onScroll };
}

/** Playground extensions (ARCHITECTURE.md: "clearly named"): not Zircon syscalls. */
const isExtension = (name: string) => name.startsWith("hvplay_");

function SyscallList({ hideExtensions }: { hideExtensions: boolean }) {
  const all = useWorkbenchState((s) => s.syscalls);
  const rows = useMemo(() => (hideExtensions ? all.filter((e) => !isExtension(e.name)) : all), [all, hideExtensions]);
  const { ref, onScroll } = useFollowTail(rows);
  const shown = rows.length > RENDERED_ROWS ? rows.slice(rows.length - RENDERED_ROWS) : rows;
  return (
    <div className="panel-body log" ref={ref} onScroll={onScroll} data-testid="syscall-log">
      <table className="data log-table">
        <colgroup>
          <col className="c-seq" />
          <col />
          <col className="c-status" />
        </colgroup>
        <tbody>
          {shown.map((e) => (
            <tr key={e.seq} className={isExtension(e.name) ? "ext" : undefined}
              title={isExtension(e.name) ? "playground extension, not a Zircon syscall" : undefined}>
              <td className="seq mono">{e.seq}</td>
              <td className="mono">
                <span className="call">{e.name}</span>
                <span className="args">({e.args})</span>
                {e.detail && <span className="detail"> → {e.detail}</span>}
              </td>
              <td className={`mono status ${e.status === 0 ? "ok" : e.status === null ? "" : "err"}`}>{e.statusName ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExitList() {
  const rows = useWorkbenchState((s) => s.exits);
  const { ref, onScroll } = useFollowTail(rows);
  const shown = rows.length > RENDERED_ROWS ? rows.slice(rows.length - RENDERED_ROWS) : rows;
  return (
    <div className="panel-body log" ref={ref} onScroll={onScroll} data-testid="exit-log">
      <table className="data log-table">
        <colgroup>
          <col className="c-seq" />
          <col className="c-kind" />
          <col />
          <col className="c-num" />
        </colgroup>
        <tbody>
          {shown.map((e) => (
            <tr key={e.seq}>
              <td className="seq mono">{e.seq}</td>
              <td className="kind"><span className={`badge kind-${e.kind}`}>{e.kind}</span></td>
              <td className="mono">{e.summary}</td>
              <td className="mono muted num">{formatCount(e.instructions)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LogPanel() {
  const [tab, setTab] = useState<Tab>("syscalls");
  // The VMM reads the playground's arch-state extension after every exit (to stamp each exit with the
  // instruction count): hidden by default so the log reads as the VMM's Zircon calls.
  const [hideExtensions, setHideExtensions] = useState(true);
  const syscallTotal = useWorkbenchState((s) => s.syscallTotal);
  const exitTotal = useWorkbenchState((s) => s.exitTotal);
  return (
    <section className="panel log-panel" aria-labelledby="log-title">
      <header className="panel-head">
        <h2 id="log-title">Log</h2>
        <div className="tabs" role="tablist" aria-label="Log">
          <button type="button" role="tab" aria-selected={tab === "syscalls"} className="tab" onClick={() => setTab("syscalls")}>
            Syscalls <span className="count">{formatCount(syscallTotal)}</span>
          </button>
          <button type="button" role="tab" aria-selected={tab === "exits"} className="tab" onClick={() => setTab("exits")}>
            Exits <span className="count">{formatCount(exitTotal)}</span>
          </button>
        </div>
        {tab === "syscalls" && (
          <label className="log-filter">
            <input type="checkbox" checked={hideExtensions} onChange={(e) => setHideExtensions(e.target.checked)} />
            hide hvplay_* extensions
          </label>
        )}
        <span className="muted">newest {formatCount(LOG_CAPACITY)} kept</span>
      </header>
      {tab === "syscalls" ? <SyscallList hideExtensions={hideExtensions} /> : <ExitList />}
    </section>
  );
}
