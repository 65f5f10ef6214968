/**
 * Small pieces the kernel views share: a handle picker over the process's handle table, a labelled
 * number field that validates as you type, the outcome of a call (status by name, out-parameters),
 * and `useSyscall`, which makes one zx_* call through the workbench and keeps its outcome.
 */
import { useCallback, useId, useState, type ReactNode } from "react";
import type { HandleRow } from "../../../workers/api";
import { useWorkbench, usePanelState } from "../hooks";
import { shortName } from "../format";
import type { Parsed } from "./parse";
import { describeResult, handleHex, type CallOutcome } from "./result";
import { ZX_ERR_BAD_STATE, ZX_OK } from "./zx-constants";

/** Handles created from the page (forms, Duplicate), so the views can tell them from the VMM's own. */
export const pageHandles = new Set<number>();

/** What the page says when a VCPU call is refused because the caller is not the VCPU's thread. */
export const VCPU_THREAD_NOTE =
  "VCPU calls are restricted to the thread that created the VCPU. Calls from this page run on the VMM " +
  "process's main thread; the VMM created its VCPU on a thread of its own, so reading or writing that " +
  "VCPU's state from here returns ZX_ERR_BAD_STATE. A VCPU created with the zx_vcpu_create form belongs " +
  "to the main thread, so its state can be read and written here (one VCPU per thread).";

export interface CallRecord {
  /** The call as made, e.g. "zx_vmo_create(0x1000, 0)". */
  call: string;
  outcome: CallOutcome;
}

function formatArg(a: unknown): string {
  if (typeof a === "bigint") return `0x${a.toString(16)}`;
  if (a instanceof Uint8Array) return `<${a.length} bytes>`;
  if (typeof a === "number") return a >= 0x10000 || a < 0 ? `0x${(a >>> 0).toString(16)}` : String(a);
  return String(a);
}

/** Makes zx_* calls, remembering the last one's outcome; new handles among the out-parameters are noted in `pageHandles`. */
export function useSyscall() {
  const workbench = useWorkbench();
  const [last, setLast] = useState<CallRecord | null>(null);
  const [pending, setPending] = useState(false);
  const call = useCallback(async (name: string, args: unknown[]): Promise<CallOutcome> => {
    setPending(true);
    try {
      const outcome = describeResult(await workbench.syscall(name, args));
      if (outcome.status === ZX_OK) {
        for (const [key, value] of Object.entries(outcome.values)) {
          if (typeof value === "number" && value !== 0 && /^(out|guest_handle|vmar_handle|child_vmar)$/.test(key)) pageHandles.add(value);
        }
      }
      setLast({ call: `${name}(${args.map(formatArg).join(", ")})`, outcome });
      return outcome;
    } finally {
      setPending(false);
    }
  }, [workbench]);
  return { call, last, pending, clear: () => setLast(null) };
}

/** The outcome of a call: status by name (coloured), out-parameters, and a note for a refused VCPU call. */
export function Outcome({ record, vcpuCall = false }: { record: CallRecord | null; vcpuCall?: boolean }) {
  if (!record) return null;
  const { outcome } = record;
  return (
    <div className="kx-outcome" role="status" data-testid="call-outcome">
      <div className="mono kx-outcome-call">{record.call}</div>
      {outcome.error !== null ? (
        <div className="kx-status err">{outcome.error}</div>
      ) : (
        <>
          {outcome.statusName !== null && (
            <div>
              <span className={`mono kx-status ${outcome.status === ZX_OK ? "ok" : "err"}`} data-testid="call-status">{outcome.statusName}</span>
            </div>
          )}
          {outcome.outs.length > 0 && (
            <dl className="kx-outs mono">
              {outcome.outs.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd data-testid={`out-${k}`}>{v}</dd>
                </div>
              ))}
            </dl>
          )}
          {vcpuCall && outcome.status === ZX_ERR_BAD_STATE && <p className="kx-note">{VCPU_THREAD_NOTE}</p>}
        </>
      )}
    </div>
  );
}

/** One option's text for a handle: "0x3a1b2c07 GUEST koid 1030". */
export function handleLabel(h: HandleRow): string {
  return `${handleHex(h.handle)} ${shortName(h.typeName, "ZX_OBJ_TYPE_")} koid ${h.koid}`;
}

export interface HandlePick {
  /** The chosen handle (0: ZX_HANDLE_INVALID when allowed), or null when there is none of the types. */
  value: number | null;
  set(handle: number | null): void;
  /** Handles of the wanted types, in table order. */
  matching: readonly HandleRow[];
  /** Whether ZX_HANDLE_INVALID is a choice, and what it means ("no port"). */
  none?: string;
}

/**
 * A choice among the process's handles of some object types (ZX_OBJ_TYPE_* values; empty: all).
 * Until the user picks one, and whenever the picked handle is gone, it is the default: the newest
 * matching handle (the table lists handles in creation order), the oldest with `prefer: "first"`,
 * or ZX_HANDLE_INVALID with `prefer: "none"` (when `none` allows it).
 */
export function useHandlePick(types: readonly number[], options: { none?: string; prefer?: "newest" | "first" | "none" } = {}): HandlePick {
  const { none, prefer = "newest" } = options;
  const handles = usePanelState((s) => s.handles);
  const [chosen, set] = useState<number | null>(null);
  const matching = handles.filter((h) => types.length === 0 || types.includes(h.type));
  const valid = chosen !== null && ((chosen === 0 && none !== undefined) || matching.some((h) => h.handle === chosen));
  const fallback = prefer === "none" && none !== undefined ? 0
    : (prefer === "first" ? matching[0] : matching.at(-1))?.handle ?? (none !== undefined ? 0 : null);
  return { value: valid ? chosen : fallback, set, matching, none };
}

/** A select over a HandlePick. Option values are 8-digit hex, so a test can pick the handle a form printed. */
export function HandleSelect({ label, pick }: { label: string; pick: HandlePick }) {
  const id = useId();
  return (
    <div className="kx-field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="select"
        value={pick.value === null ? "" : handleHex(pick.value)}
        onChange={(e) => pick.set(e.target.value === "" ? null : parseInt(e.target.value, 16))}
      >
        {pick.value === null && <option value="">no such handle</option>}
        {pick.none !== undefined && <option value={handleHex(0)}>ZX_HANDLE_INVALID ({pick.none})</option>}
        {pick.matching.map((h) => (
          <option key={h.handle} value={handleHex(h.handle)}>{handleLabel(h)}</option>
        ))}
      </select>
    </div>
  );
}

/** A text field whose value is parsed on every change; shows the parse error under it. */
export function NumberField<T>({ label, value, onChange, parse, hint, wide }: {
  label: string;
  value: string;
  onChange(text: string): void;
  parse(text: string): Parsed<T>;
  hint?: ReactNode;
  wide?: boolean;
}) {
  const id = useId();
  const parsed = parse(value);
  return (
    <div className={`kx-field${wide ? " wide" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="kx-input mono"
        value={value}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={!parsed.ok}
        aria-describedby={`${id}-msg`}
        onChange={(e) => onChange(e.target.value)}
      />
      <span id={`${id}-msg`} className={parsed.ok ? "kx-hint" : "kx-hint err"}>{parsed.ok ? hint : parsed.error}</span>
    </div>
  );
}

/** Every parse result ok? Then the values, else null (the submit button stays disabled). */
export function allOk<T extends unknown[]>(...results: { [K in keyof T]: Parsed<T[K]> }): T | null {
  const values: unknown[] = [];
  for (const r of results) {
    if (!r.ok) return null;
    values.push(r.value);
  }
  return values as T;
}
