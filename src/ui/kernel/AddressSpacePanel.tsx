/**
 * The guest's physical address space: its mappings (zx_vmar_map on the guest's VMAR) and its traps
 * (zx_guest_set_trap), drawn on a compressed axis (address-map.ts) so that a one-page trap at
 * 0xFEC00000 shows beside 128 MiB of RAM, gaps drawn short with their real size written in. I/O
 * traps live in the port space and get a strip of their own. The same data follows as plain tables.
 * Refreshed when the machine stops or changes, after every syscall (the handle table is pushed after
 * each one), and with Refresh. Clicking a mapping shows its first byte in the memory view. "Your
 * traps" (UserTraps.tsx) adds MEM and BELL traps to the VMM's guest and lists them.
 */
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { AddressSpaceView, MappingView, TrapView } from "../../../workers/api";
import { useWorkbench, usePanelState } from "../hooks";
import { addrHex, formatSize, layoutAxis, type AxisLayout } from "./address-map";
import { handleLabel } from "./common";
import { handleHex } from "./result";
import { UserTraps } from "./UserTraps";
import { ZX_OBJ_TYPE_GUEST } from "./zx-constants";
import "./kernel.css";

const WIDTH = 420;
const ADDR_W = 92;
const MAP_X = ADDR_W + 4, MAP_W = 200;
const TRAP_X = MAP_X + MAP_W + 6, TRAP_W = WIDTH - TRAP_X - 2;

/** workbench.addressSpace, with the guest handle to describe when the worker takes one (see the note in useAddressSpace). */
type AddressSpaceCall = (guest?: number) => Promise<AddressSpaceView | null>;

function useAddressSpace(guest: number | null): { view: AddressSpaceView | null; loaded: boolean; refresh(): void } {
  const workbench = useWorkbench();
  const machine = usePanelState((s) => s.machine);
  const generation = usePanelState((s) => s.machineGeneration);
  const handles = usePanelState((s) => s.handles);
  const [view, setView] = useState<AddressSpaceView | null>(null);
  const [loaded, setLoaded] = useState(false);
  const request = useRef(0);
  const refresh = useCallback(() => {
    const n = ++request.current;
    // A worker that describes only the VMM's guest ignores the argument; the caller compares koids.
    const call = workbench.addressSpace.bind(workbench) as AddressSpaceCall;
    void call(guest ?? undefined).then((v) => {
      // Answers can cross; only the newest request's answer is shown.
      if (n !== request.current) return;
      setView(v);
      setLoaded(true);
    });
  }, [workbench, guest]);
  // The map changes only through syscalls (the worker pushes the handle table after each one) and
  // with a new machine, so no polling while the guest runs; a state change (a stop) refreshes too.
  useEffect(() => {
    refresh();
  }, [refresh, machine, generation, handles]);
  return { view, loaded, refresh };
}

const trapLabel = (t: TrapView) => `${t.kind.toUpperCase()} key ${t.key}`;

function mappingLabel(m: MappingView): string {
  return `VMO koid ${m.vmoKoid}${m.vmoName ? ` "${m.vmoName}"` : ""} ${m.perms || "---"}`;
}

/** The vertical map of guest-physical memory: addresses, mappings lane, traps lane. */
function MemoryMap({ view, onMapping }: { view: AddressSpaceView; onMapping(m: MappingView): void }) {
  const traps = view.traps.filter((t) => t.kind !== "io");
  const axis: AxisLayout = layoutAxis([
    ...view.mappings.map((m) => ({ start: m.addr, size: m.size })),
    ...traps.map((t) => ({ start: t.addr, size: t.len })),
  ]);
  if (axis.intervals.length === 0) return <p className="kx-hint">No mappings or memory traps.</p>;
  const y = (a: number) => axis.at(a) ?? 0;
  const key = (e: KeyboardEvent, m: MappingView) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onMapping(m);
    }
  };
  return (
    <svg className="kx-map" viewBox={`0 0 ${WIDTH} ${axis.total + 14}`} role="group"
      aria-label="Guest-physical address space (compressed scale)" data-testid="address-map">
      <g transform="translate(0, 12)">
        <text x={MAP_X} y={-3} className="kx-map-head">mappings</text>
        <text x={TRAP_X} y={-3} className="kx-map-head">traps</text>
        {axis.intervals.map((iv) => (
          <g key={iv.start}>
            <text x={ADDR_W - 4} y={iv.offset + 10} className="kx-map-addr" textAnchor="end">{addrHex(iv.start)}</text>
            {!iv.used && (
              <>
                <line x1={MAP_X} x2={WIDTH - 2} y1={iv.offset + iv.length / 2} y2={iv.offset + iv.length / 2} className="kx-map-gap" />
                <text x={MAP_X + MAP_W / 2} y={iv.offset + iv.length / 2 - 2} className="kx-map-gaptext" textAnchor="middle">
                  gap {formatSize(iv.end - iv.start)}
                </text>
              </>
            )}
          </g>
        ))}
        <text x={ADDR_W - 4} y={axis.total + 1} className="kx-map-addr" textAnchor="end">
          {addrHex(axis.intervals[axis.intervals.length - 1].end)}
        </text>
        {view.mappings.map((m) => {
          const top = y(m.addr), h = y(m.addr + m.size) - top;
          return (
            <g key={`m${m.addr}`} className="kx-map-mapping" role="button" tabIndex={0}
              aria-label={`Mapping at ${addrHex(m.addr)}, ${formatSize(m.size)}, ${mappingLabel(m)}: show in the memory view`}
              onClick={() => onMapping(m)} onKeyDown={(e) => key(e, m)}>
              <title>{`${addrHex(m.addr)}–${addrHex(m.addr + m.size - 1)} (${formatSize(m.size)}), ${mappingLabel(m)}, VMO offset ${addrHex(m.vmoOffset, 1)}`}</title>
              <rect x={MAP_X} y={top + 1} width={MAP_W} height={Math.max(2, h - 2)} rx={3} />
              <text x={MAP_X + 6} y={top + 13}>{mappingLabel(m)}</text>
              {h >= 34 && <text x={MAP_X + 6} y={top + 26} className="kx-map-sub">{formatSize(m.size)}</text>}
            </g>
          );
        })}
        {traps.map((t) => {
          const top = y(t.addr), h = y(t.addr + t.len) - top;
          return (
            <g key={`t${t.kind}${t.addr}`} className={`kx-map-trap kind-${t.kind}`}>
              <title>{`${t.kind.toUpperCase()} trap ${addrHex(t.addr)}–${addrHex(t.addr + t.len - 1)} (${formatSize(t.len)}), key ${t.key}${t.portKoid !== null ? `, port koid ${t.portKoid}` : ""}`}</title>
              <rect x={TRAP_X} y={top + 1} width={TRAP_W} height={Math.max(2, h - 2)} rx={3} />
              <text x={TRAP_X + 5} y={top + 13}>{trapLabel(t)}</text>
            </g>
          );
        })}
      </g>
    </svg>
  );
}

/** I/O traps: port ranges, in port order, as a wrapped list (the port space has its own numbering). */
function PortList({ traps }: { traps: readonly TrapView[] }) {
  if (traps.length === 0) return null;
  return (
    <ul className="kx-ports" aria-label="I/O port traps" data-testid="port-map">
      {traps.map((t) => (
        <li key={t.addr} className="kx-port" title={`key ${t.key}${t.portKoid !== null ? `, port koid ${t.portKoid}` : ", no port"}`}>
          <span className="mono">{t.len === 1 ? addrHex(t.addr, 4) : `${addrHex(t.addr, 4)}–${addrHex(t.addr + t.len - 1, 4)}`}</span>
          <span className="mono muted">key {t.key.toString()}</span>
        </li>
      ))}
    </ul>
  );
}

/** The address-space view: map, port strip, tables (data-testid="address-space"). */
export function AddressSpaceMap() {
  const workbench = useWorkbench();
  const guests = usePanelState((s) => s.handles).filter((h) => h.type === ZX_OBJ_TYPE_GUEST);
  const [guest, setGuest] = useState<number | null>(null);
  const pickerId = useId();
  const picked = guests.find((h) => h.handle === guest) ?? null;
  const { view, loaded, refresh } = useAddressSpace(picked ? picked.handle : null);
  // Asked for another guest but given a different one: this worker only describes the VMM's.
  const mismatch = picked !== null && view !== null && view.guestKoid !== picked.koid;
  const show = (m: MappingView) => workbench.focusMemory(BigInt(m.addr), "physical");
  const ioTraps = view?.traps.filter((t) => t.kind === "io").sort((a, b) => a.addr - b.addr) ?? [];
  const memTraps = view?.traps.filter((t) => t.kind !== "io").sort((a, b) => a.addr - b.addr) ?? [];
  return (
    <div className="panel-body kx-aspace" data-testid="address-space">
      <div className="kx-toolbar">
        <label className="kx-check" htmlFor={pickerId}>Guest</label>
        <select id={pickerId} className="select" aria-label="Guest to describe" value={picked ? handleHex(picked.handle) : ""} onChange={(e) => setGuest(e.target.value === "" ? null : parseInt(e.target.value, 16))}>
          <option value="">the VMM's guest</option>
          {guests.map((h) => <option key={h.handle} value={handleHex(h.handle)}>{handleLabel(h)}</option>)}
        </select>
        <span className="muted">{view ? `guest koid ${view.guestKoid}` : loaded ? "no machine" : "reading…"}</span>
        <button type="button" className="btn small" onClick={refresh}>Refresh</button>
      </div>
      {mismatch && <p className="kx-note">This worker describes only the VMM's guest (koid {view.guestKoid.toString()}), shown below.</p>}
      {view && (
        <>
          <p className="kx-hint">
            Compressed scale: each range's height grows with the logarithm of its size; gaps are drawn short. Select a
            mapping to show it in the memory view.
          </p>
          <MemoryMap view={view} onMapping={show} />
          {ioTraps.length > 0 && <h3 className="kx-subhead">I/O port traps</h3>}
          <PortList traps={ioTraps} />
          <h3 className="kx-subhead">Mappings</h3>
          <table className="data kx-table" aria-label="Guest-physical mappings">
            <thead>
              <tr><th scope="col">Address</th><th scope="col">Size</th><th scope="col">VMO</th><th scope="col">VMO offset</th><th scope="col">Perms</th></tr>
            </thead>
            <tbody>
              {view.mappings.map((m) => (
                <tr key={m.addr}>
                  <td className="mono">
                    <button type="button" className="kx-link" onClick={() => show(m)} aria-label={`Show ${addrHex(m.addr)} in the memory view`}>
                      {addrHex(m.addr)}
                    </button>
                  </td>
                  <td className="mono">{formatSize(m.size)}</td>
                  <td className="mono">koid {m.vmoKoid.toString()}{m.vmoName ? ` "${m.vmoName}"` : ""} ({formatSize(m.vmoSize)})</td>
                  <td className="mono">{addrHex(m.vmoOffset, 1)}</td>
                  <td className="mono">{m.perms || "---"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {/* The user's traps live on the VMM's guest (a guest made through the forms has its own calls). */}
          {picked === null && !mismatch && <UserTraps guestTraps={view.traps} />}
          <h3 className="kx-subhead">Traps</h3>
          <table className="data kx-table" aria-label="Guest traps">
            <thead>
              <tr><th scope="col">Kind</th><th scope="col">Address</th><th scope="col">Length</th><th scope="col">Key</th><th scope="col">Port koid</th></tr>
            </thead>
            <tbody>
              {[...memTraps, ...ioTraps].map((t) => (
                <tr key={`${t.kind}${t.addr}`}>
                  <td><span className={`badge kind-${t.kind}`}>{t.kind}</span></td>
                  <td className="mono">{t.kind === "io" ? addrHex(t.addr, 4) : addrHex(t.addr)}</td>
                  <td className="mono">{t.kind === "io" ? `${t.len} port${t.len === 1 ? "" : "s"}` : formatSize(t.len)}</td>
                  <td className="mono">{t.key.toString()}</td>
                  <td className="mono">{t.portKoid?.toString() ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
