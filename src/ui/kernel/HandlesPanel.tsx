/**
 * The process's handle table (the opaque, scrambled handle value, the object's type, its koid and
 * the handle's rights, by Zircon's names), with zx_handle_close and zx_handle_duplicate on each row.
 * Closing one of the VMM's own handles (its guest, VCPU, port, RAM VMO) breaks the running VMM: that
 * is allowed (this is a playground), after a confirmation that says so.
 */
import { useState } from "react";
import type { HandleRow } from "../../../workers/api";
import { shortName } from "../format";
import { usePanelState } from "../hooks";
import { Outcome, pageHandles, useSyscall } from "./common";
import { rightsInMask, rightsMask } from "./names";
import { handleHex } from "./result";
import { ZX_OBJ_TYPE_RESOURCE } from "./zx-constants";
import "./kernel.css";

type Pending = { kind: "close" | "duplicate"; handle: number } | null;

/** The handle table with Close and Duplicate (data-testid="handles"). */
export function HandleTable() {
  const handles = usePanelState((s) => s.handles);
  const [pending, setPending] = useState<Pending>(null);
  const sys = useSyscall();
  const toggle = (kind: "close" | "duplicate", handle: number) =>
    setPending((p) => (p?.kind === kind && p.handle === handle ? null : { kind, handle }));
  return (
    <div className="panel-body kx-handles">
      <p className="kx-caption muted">
        Handles of the VMM process. Close and Duplicate make zx_handle_close and zx_handle_duplicate on the process's
        main thread; handles marked "VMM" are the running VMM's own.
      </p>
      <Outcome record={sys.last} />
      <table className="data" data-testid="handles">
        <thead>
          <tr>
            <th scope="col">Handle</th>
            <th scope="col">Type</th>
            <th scope="col">Koid</th>
            <th scope="col">Rights</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {handles.map((h) => (
            <HandleRows
              key={h.handle}
              h={h}
              pending={pending?.handle === h.handle ? pending.kind : null}
              onToggle={(kind) => toggle(kind, h.handle)}
              onDone={() => setPending(null)}
              call={sys.call}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HandleRows({ h, pending, onToggle, onDone, call }: {
  h: HandleRow;
  pending: "close" | "duplicate" | null;
  onToggle(kind: "close" | "duplicate"): void;
  onDone(): void;
  call: ReturnType<typeof useSyscall>["call"];
}) {
  const hex = handleHex(h.handle);
  const type = shortName(h.typeName, "ZX_OBJ_TYPE_");
  const vmmOwned = !pageHandles.has(h.handle) && h.type !== ZX_OBJ_TYPE_RESOURCE;
  return (
    <>
      <tr data-handle={hex}>
        <td className="mono">{hex}</td>
        <td>
          {/* The prefix is there for search and screen readers (and tests); the eye reads the short name. */}
          <span className={`badge type-${type.toLowerCase()}`} title={h.typeName}>
            {type !== h.typeName && <span className="sr-only">ZX_OBJ_TYPE_</span>}{type}
          </span>
          {vmmOwned && <span className="kx-owner" title="created by the running VMM">VMM</span>}
        </td>
        <td className="mono">{h.koid.toString()}</td>
        <td className="rights" title={`0x${h.rights.toString(16)}`}>
          {h.rightsNames.map((r) => (
            <span key={r} className="right">{shortName(r, "ZX_RIGHT_")}</span>
          ))}
        </td>
        <td className="kx-actions">
          <button type="button" className="btn small" aria-expanded={pending === "close"} aria-label={`Close handle ${hex}`} onClick={() => onToggle("close")}>
            Close
          </button>
          <button type="button" className="btn small" aria-expanded={pending === "duplicate"} aria-label={`Duplicate handle ${hex}`} onClick={() => onToggle("duplicate")}>
            Duplicate
          </button>
        </td>
      </tr>
      {pending === "close" && (
        <tr className="kx-inline">
          <td colSpan={5}>
            <ConfirmClose h={h} vmmOwned={vmmOwned} onCancel={onDone} onClose={async () => {
              onDone();
              await call("zx_handle_close", [h.handle]);
            }} />
          </td>
        </tr>
      )}
      {pending === "duplicate" && (
        <tr className="kx-inline">
          <td colSpan={5}>
            <DuplicateForm h={h} onCancel={onDone} onDuplicate={async (rights) => {
              onDone();
              await call("zx_handle_duplicate", [h.handle, rights]);
            }} />
          </td>
        </tr>
      )}
    </>
  );
}

function ConfirmClose({ h, vmmOwned, onClose, onCancel }: { h: HandleRow; vmmOwned: boolean; onClose(): void; onCancel(): void }) {
  const hex = handleHex(h.handle);
  return (
    <div className="kx-confirm" role="group" aria-label={`Confirm closing ${hex}`}>
      <p>
        zx_handle_close({hex}) removes the handle from the process; the object goes away with its last handle.
        {vmmOwned && (
          <strong className="kx-warn">
            {" "}This is one of the running VMM's own handles ({h.typeName}): the VMM's next call on it fails with
            ZX_ERR_BAD_HANDLE and the machine stops working until Reset or a new guest.
          </strong>
        )}
      </p>
      <button type="button" className="btn small danger" onClick={onClose}>Close {hex}</button>
      <button type="button" className="btn small" onClick={onCancel}>Cancel</button>
    </div>
  );
}

function DuplicateForm({ h, onDuplicate, onCancel }: { h: HandleRow; onDuplicate(rights: number): void; onCancel(): void }) {
  const available = rightsInMask(h.rights);
  const [chosen, setChosen] = useState<ReadonlySet<number>>(() => new Set(available.map((r) => r.bit)));
  const mask = rightsMask(chosen);
  const flip = (bit: number) => setChosen((c) => {
    const next = new Set(c);
    if (next.has(bit)) next.delete(bit);
    else next.add(bit);
    return next;
  });
  return (
    <form
      className="kx-confirm"
      aria-label={`Duplicate ${handleHex(h.handle)}`}
      onSubmit={(e) => {
        e.preventDefault();
        onDuplicate(mask);
      }}
    >
      <fieldset className="kx-rights">
        <legend>Rights of the new handle (a subset of this handle's; zx_handle_duplicate needs ZX_RIGHT_DUPLICATE)</legend>
        {available.map(({ bit, name }) => (
          <label key={bit} className="kx-check">
            <input type="checkbox" checked={chosen.has(bit)} onChange={() => flip(bit)} />
            {shortName(name, "ZX_RIGHT_")}
          </label>
        ))}
      </fieldset>
      <span className="mono muted">rights = 0x{mask.toString(16)}</span>{" "}
      <button type="submit" className="btn small primary">zx_handle_duplicate</button>
      <button type="button" className="btn small" onClick={onCancel}>Cancel</button>
    </form>
  );
}
