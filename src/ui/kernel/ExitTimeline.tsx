/**
 * The exit timeline: every packet or status zx_vcpu_resume returned to the VMM (its ExitRecords),
 * filterable by kind, with the exits/MIPS plot above. Rows render in a window around the viewport
 * (follow-tail.ts), so the store's 2000 rows cost a screenful; the list follows the tail while
 * scrolled to the bottom. Selecting a row (click, or Enter on its RIP) shows the instruction that
 * caused the exit in the code view.
 */
import { useMemo, useState } from "react";
import type { ExitRecord } from "../../../workers/api";
import { formatCount } from "../format";
import { useWorkbench, usePanelState } from "../hooks";
import { ExitPlot } from "./ExitPlot";
import { useLiveRows, useTailWindow } from "./follow-tail";
import { statusName } from "./names";
import "./kernel.css";

type Kind = ExitRecord["kind"];
const KINDS: readonly Kind[] = ["io", "mem", "bell", "vcpu", "status"];

function ripText(rip: bigint | null): string {
  return rip === null ? "—" : `0x${rip.toString(16)}`;
}

/** Counts per kind: the VMM's totals when stats have arrived, else what the kept rows hold. */
function useKindCounts(exits: readonly ExitRecord[]): Record<Kind, number> {
  const byKind = usePanelState((s) => s.stats?.exitsByKind ?? null);
  return useMemo(() => {
    const counts = { io: 0, mem: 0, bell: 0, vcpu: 0, status: 0 } as Record<Kind, number>;
    if (byKind) for (const k of KINDS) counts[k] = byKind[k] ?? 0;
    else for (const e of exits) counts[e.kind]++;
    return counts;
  }, [byKind, exits]);
}

export function ExitTimeline({ plot = true }: { plot?: boolean }) {
  const workbench = useWorkbench();
  const exits = useLiveRows((s) => s.exits);
  const [hidden, setHidden] = useState<ReadonlySet<Kind>>(() => new Set());
  const rows = useMemo(() => (hidden.size === 0 ? exits : exits.filter((e) => !hidden.has(e.kind))), [exits, hidden]);
  const counts = useKindCounts(exits);

  const { ref: scroller, onScroll, first, last, above, below } = useTailWindow<HTMLDivElement>(rows.length, rows);
  const flip = (k: Kind) => setHidden((h) => {
    const next = new Set(h);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    return next;
  });
  const focus = (e: ExitRecord) => {
    if (e.rip !== null) workbench.focusCode(e.rip);
  };

  return (
    <div className="kx-stack">
      {plot && <ExitPlot />}
      <div className="kx-toolbar" role="group" aria-label="Show exits of kind">
        {KINDS.map((k) => (
          <label key={k} className={`kx-chip${hidden.has(k) ? "" : " on"}`}>
            <input type="checkbox" checked={!hidden.has(k)} onChange={() => flip(k)} />
            <span className={`badge kind-${k}`}>{k}</span>
            <span className="mono">{formatCount(counts[k])}</span>
          </label>
        ))}
      </div>
      <div className="panel-body log kx-exits" ref={scroller} onScroll={onScroll} data-testid="exit-log" tabIndex={0} aria-label="VM exits">
        <table className="data log-table">
          <colgroup>
            <col className="c-seq" />
            <col className="c-kind" />
            <col />
            <col className="c-exit-status" />
            <col className="c-num" />
            <col className="c-rip" />
          </colgroup>
          <thead className="sr-only">
            <tr><th scope="col">Seq</th><th scope="col">Kind</th><th scope="col">Summary</th><th scope="col">Status</th><th scope="col">Instructions</th><th scope="col">RIP</th></tr>
          </thead>
          <tbody>
            {above > 0 && <tr aria-hidden="true" style={{ height: above }} />}
            {rows.slice(first, last).map((e, slot) => (
              <tr key={slot} className={e.rip !== null ? "kx-clickable" : undefined} onClick={() => focus(e)}>
                <td className="seq mono">{e.seq}</td>
                <td className="kind"><span className={`badge kind-${e.kind}`}>{e.kind}</span></td>
                <td className="mono">{e.summary}</td>
                <td className={`mono kx-st ${e.status === 0 ? "ok" : "err"}`}>{statusName(e.status)}</td>
                <td className="mono muted num">{formatCount(e.instructions)}</td>
                <td className="mono">
                  {e.rip !== null ? (
                    <button type="button" className="kx-link" aria-label={`Show the instruction at ${ripText(e.rip)} (exit ${e.seq})`}
                      onClick={(ev) => {
                        ev.stopPropagation();
                        focus(e);
                      }}>
                      {ripText(e.rip)}
                    </button>
                  ) : "—"}
                </td>
              </tr>
            ))}
            {below > 0 && <tr aria-hidden="true" style={{ height: below }} />}
          </tbody>
        </table>
      </div>
    </div>
  );
}
