/**
 * A live hex view of guest memory, read straight from the worker's SharedArrayBuffer (no copies):
 * guest-physical addresses, or virtual (linear) ones translated page by page through the guest's
 * page tables with the current CR3 (unmapped pages show "??"). Rows are virtualised: a window of
 * WINDOW_ROWS rows sits in a scroll container and moves when the scroll nears its edges, so any
 * address up to 2^64 can be shown. While the guest runs the view refreshes about ten times a second.
 *
 * Bytes that changed since the machine last stopped are highlighted (against a copy of the rows
 * near the view taken at each stop). Click a byte (or move with the arrow keys) and type two hex
 * digits to write it (Workbench.writeMemory at its physical address). Below, the page walk of the
 * address in the box.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { type PageWalkResult, ramReader, walkPage } from "../../x86/page-walk";
import { useWorkbench, usePanelState } from "../hooks";
import { Translator, pagingControl } from "./guest-view";
import {
  BYTES_PER_ROW, UNREADABLE, type RowSnapshot, addressRegisters, asciiColumn, changedBytes, formatRowAddress, hexCells,
  parseAddressExpr, readRow, snapshotRows, typeHexDigit,
} from "./hexview";
import { PageWalkView } from "./PageWalkView";
import { useGuestRam, useStopped } from "./useGuestRam";
import "./debugger.css";

type Space = "physical" | "virtual";

const ROW_HEIGHT = 20;
/** Rows in the scrollable window, and how close to its edge the window moves. */
const WINDOW_ROWS = 2048;
const EDGE_ROWS = 256;
/** Rows around the view copied at each stop, for the changed-bytes highlight. */
const SNAPSHOT_MARGIN = 64;
const ROW = BigInt(BYTES_PER_ROW);

function hex(v: bigint): string {
  return "0x" + v.toString(16);
}

export function MemoryPanel() {
  const workbench = useWorkbench();
  const registers = usePanelState((s) => s.registers);
  const memoryFocus = usePanelState((s) => s.memoryFocus);
  const generation = usePanelState((s) => s.machineGeneration);
  const stopped = useStopped();
  const ram = useGuestRam();
  const detail = registers?.detail ?? null;

  const [text, setText] = useState("0x100000");
  const [address, setAddress] = useState(0x100000n);
  const [error, setError] = useState<string | null>(null);
  const [space, setSpace] = useState<Space>("physical");
  const [windowStart, setWindowStart] = useState(0n); // first row (row index) of the window
  const [firstRow, setFirstRow] = useState(0); // first visible row within the window
  const [viewRows, setViewRows] = useState(16);
  const [cursor, setCursor] = useState<bigint | null>(null);
  const [pending, setPending] = useState("");
  const [tick, setTick] = useState(0);
  // While the guest runs the rows are read again at each of its stats (four times a second), in the
  // same render as the other live views (store.ts LiveViews): a refresh on a timer of its own was a
  // frame of its own, and each frame that changes anything costs the page a frame's work.
  const live = usePanelState((s) => (s.machine.kind === "running" ? s.stats : null));
  const scroller = useRef<HTMLDivElement>(null);
  const pendingScroll = useRef<number | null>(null);

  // ---- what an address reads as in the current space ---------------------------------------------
  const translator = useMemo(
    () => (ram ? new Translator(ram, space === "virtual" && detail ? pagingControl(detail) : null) : null),
    // A fresh translator (page cache) per render tick: the guest may change its page tables.
    [ram, space, detail, tick, registers, live],
  );
  const byteAt = useCallback((a: bigint) => (translator ? translator.byte(a) : null), [translator]);
  const limit = space === "physical" ? BigInt(ram?.length ?? 0) : detail?.bits === 64 || (detail && (detail.efer & 0x400n) !== 0n) ? 1n << 64n : 1n << 32n;
  const totalRows = (limit + ROW - 1n) / ROW;
  const windowRows = totalRows < BigInt(WINDOW_ROWS) ? Number(totalRows) : WINDOW_ROWS;

  // ---- navigation ---------------------------------------------------------------------------------
  const goTo = useCallback((target: bigint, max: bigint) => {
    const rows = (max + ROW - 1n) / ROW;
    const row = target / ROW;
    const half = BigInt(WINDOW_ROWS / 2);
    let start = row > half ? row - half : 0n;
    if (rows > BigInt(WINDOW_ROWS) && start + BigInt(WINDOW_ROWS) > rows) start = rows - BigInt(WINDOW_ROWS);
    if (rows <= BigInt(WINDOW_ROWS)) start = 0n;
    setWindowStart(start);
    // Put the row a few lines from the top once the window has rendered.
    pendingScroll.current = Math.max(0, Number(row - start) - 2) * ROW_HEIGHT;
  }, []);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const parsed = parseAddressExpr(text, addressRegisters(registers));
    if (parsed.error !== null) {
      setError(parsed.error);
      return;
    }
    setError(null);
    setAddress(parsed.value);
    goTo(parsed.value, limit);
  };

  // Another panel asked to show an address.
  useEffect(() => {
    if (!memoryFocus) return;
    setSpace(memoryFocus.space);
    setText(hex(memoryFocus.address));
    setAddress(memoryFocus.address);
    setError(null);
    const max = memoryFocus.space === "physical" ? BigInt(ram?.length ?? 0) : 1n << 64n;
    goTo(memoryFocus.address, max > 0n ? max : 1n << 64n);
    // Only a new focus request moves the view.
  }, [memoryFocus]);

  // First show: the address in the box.
  useEffect(() => {
    if (ram) goTo(address, limit);
  }, [ram]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pendingScroll.current !== null) {
      el.scrollTop = pendingScroll.current;
      pendingScroll.current = null;
      setFirstRow(Math.floor(el.scrollTop / ROW_HEIGHT));
    }
  });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewRows(Math.max(1, Math.ceil(el.clientHeight / ROW_HEIGHT) + 1));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const first = Math.floor(el.scrollTop / ROW_HEIGHT);
    // Near an edge of the window with more memory beyond: move the window, keep the same rows in view.
    if (first < EDGE_ROWS && windowStart > 0n) {
      const shift = windowStart < BigInt(WINDOW_ROWS / 2) ? Number(windowStart) : WINDOW_ROWS / 2;
      setWindowStart(windowStart - BigInt(shift));
      pendingScroll.current = el.scrollTop + shift * ROW_HEIGHT;
    } else if (first + viewRows > windowRows - EDGE_ROWS && windowStart + BigInt(windowRows) < totalRows) {
      const room = totalRows - (windowStart + BigInt(windowRows));
      const shift = room < BigInt(WINDOW_ROWS / 2) ? Number(room) : WINDOW_ROWS / 2;
      setWindowStart(windowStart + BigInt(shift));
      pendingScroll.current = el.scrollTop - shift * ROW_HEIGHT;
    }
    setFirstRow(first);
  };

  // ---- changed-bytes snapshots: one copy of the rows near the view per stop ----------------------------
  // Taken during render (a read of the live view into a ref, once per stop), so the render that shows
  // a stop already compares against the copy taken at the stop before it.
  const snapshots = useRef<{ key: string; atLastStop: RowSnapshot | null; before: RowSnapshot | null }>({ key: "", atLastStop: null, before: null });
  const machineKey = `${generation}:${space}`;
  if (!snapshots.current.key.startsWith(`${machineKey}:`)) snapshots.current = { key: `${machineKey}:`, atLastStop: null, before: null };
  // A stop is a new instruction count; scrolling or re-rendering does not take a copy.
  const stopKey = `${machineKey}:${registers?.instructions ?? ""}`;
  if (stopped && translator && snapshots.current.key !== stopKey) {
    const firstVisible = windowStart + BigInt(firstRow);
    const from = firstVisible > BigInt(SNAPSHOT_MARGIN) ? firstVisible - BigInt(SNAPSHOT_MARGIN) : 0n;
    snapshots.current = {
      key: stopKey,
      before: snapshots.current.atLastStop,
      atLastStop: snapshotRows(byteAt, from * ROW, viewRows + 2 * SNAPSHOT_MARGIN),
    };
  }
  // While running, compare with the copy taken at the last stop; once stopped, with the one before it.
  const reference = stopped ? snapshots.current.before : snapshots.current.atLastStop;

  // ---- editing -------------------------------------------------------------------------------------
  const physicalOf = (a: bigint): bigint | null => (translator ? translator.physical(a) : null);
  const writeByte = async (a: bigint, value: number) => {
    const phys = physicalOf(a);
    if (phys === null || !ram || phys >= BigInt(ram.length)) {
      setError(`${hex(a)} is not mapped to guest RAM: nothing written`);
      return;
    }
    setError(null);
    await workbench.writeMemory(Number(phys), Uint8Array.of(value));
    setTick((t) => t + 1);
  };

  const moveCursor = (to: bigint) => {
    if (to < 0n || to >= limit) return;
    setCursor(to);
    setPending("");
    const el = scroller.current;
    if (!el) return;
    const row = to / ROW;
    if (row < windowStart || row >= windowStart + BigInt(windowRows)) {
      goTo(to, limit);
      return;
    }
    const y = Number(row - windowStart) * ROW_HEIGHT;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = y + ROW_HEIGHT - el.clientHeight;
  };

  const onGridKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (cursor === null) return;
    const moves: Record<string, bigint> = { ArrowLeft: -1n, ArrowRight: 1n, ArrowUp: -ROW, ArrowDown: ROW };
    if (e.key in moves) {
      e.preventDefault();
      moveCursor(cursor + moves[e.key]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (pending) setPending("");
      else setCursor(null);
    } else if (/^[0-9a-fA-F]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      if (byteAt(cursor) === null) {
        setError(`${hex(cursor)} cannot be written: it is not mapped`);
        return;
      }
      const typed = typeHexDigit(pending, e.key);
      if (typed.byte === null) {
        setPending(typed.pending);
        return;
      }
      setPending("");
      void writeByte(cursor, typed.byte);
      moveCursor(cursor + 1n);
    }
  };

  // ---- page walk of the address in the box ---------------------------------------------------------
  const walk: PageWalkResult | null = useMemo(
    () => (ram && detail ? walkPage(ramReader(ram), pagingControl(detail), address) : null),
    [ram, detail, address, tick, live],
  );

  // ---- rows ----------------------------------------------------------------------------------------
  const overscan = 4;
  const renderFrom = Math.max(0, firstRow - overscan);
  const renderTo = Math.min(windowRows, firstRow + viewRows + overscan);
  const rows: bigint[] = [];
  for (let r = renderFrom; r < renderTo; r++) rows.push((windowStart + BigInt(r)) * ROW);
  const cellId = (a: bigint) => `mem-${space}-${a.toString(16)}`;

  return (
    <section className="panel memory-panel dbg-fill" aria-labelledby="mem-title">
      <header className="panel-head">
        <h2 id="mem-title">Memory</h2>
        <span className="muted">
          {ram ? `${(ram.length / 1048576).toFixed(0)} MiB, ${ram.buffer instanceof SharedArrayBuffer ? "shared" : "copied"} view${stopped ? "" : " · live"}` : "no RAM"}
        </span>
      </header>
      <form className="dbg-mem-bar" onSubmit={submit} role="search" aria-label="Memory address">
        <label htmlFor="mem-addr" className="muted">Address</label>
        <input id="mem-addr" type="text" value={text} spellCheck={false} data-testid="mem-address"
          aria-invalid={error !== null} aria-describedby={error ? "mem-error" : undefined}
          title="hex (0x optional), 0n123 for decimal, a register (rsp, rip, cr3...) and + / -"
          onChange={(e) => setText(e.target.value)} />
        <button type="submit" className="btn small">Go</button>
        <span className="dbg-space" role="radiogroup" aria-label="Address space">
          {(["physical", "virtual"] as const).map((s) => (
            <label key={s} title={s === "virtual" ? "Linear addresses, translated through the guest's page tables (CR3)" : "Guest-physical addresses"}>
              <input type="radio" name="mem-space" value={s} checked={space === s} disabled={s === "virtual" && !detail}
                onChange={() => {
                  setSpace(s);
                  setCursor(null);
                  goTo(address, s === "physical" ? BigInt(ram?.length ?? 0) : 1n << 64n);
                }} />
              {s}
            </label>
          ))}
        </span>
        {error && <span id="mem-error" className="dbg-error" role="alert">{error}</span>}
      </form>
      <div ref={scroller} className="dbg-hex-scroll" onScroll={onScroll} tabIndex={0} role="grid" data-testid="memory"
        aria-label={`Guest memory (${space} addresses); arrows move, two hex digits write a byte`}
        aria-activedescendant={cursor !== null ? cellId(cursor) : undefined} aria-rowcount={-1}
        onKeyDown={onGridKey}>
        <div style={{ height: windowRows * ROW_HEIGHT }} aria-hidden="true" />
        <div className="dbg-hex-rows" style={{ top: renderFrom * ROW_HEIGHT }} role="rowgroup">
          {ram && rows.map((rowAddress) => {
            const values = readRow(byteAt, rowAddress);
            const changed = changedBytes(values, reference?.get(rowAddress));
            const cells = hexCells(values);
            return (
              <div key={rowAddress.toString()} className="dbg-hex-row" role="row">
                <span className="addr" role="rowheader">{formatRowAddress(rowAddress)}</span>
                <span className="dbg-hex-bytes">
                  {cells.map((cell, i) => {
                    const a = rowAddress + BigInt(i);
                    const selected = cursor === a;
                    const unreadable = values[i] === UNREADABLE;
                    const cls = `dbg-byte${i === 8 ? " gap" : ""}${unreadable ? " unreadable" : ""}${changed[i] ? " changed" : ""}${selected && pending ? " pending" : ""}`;
                    return (
                      <span key={i} id={cellId(a)} role="gridcell" className={cls} aria-selected={selected}
                        data-address={a.toString(16)}
                        onMouseDown={(e) => {
                          e.preventDefault();
                          scroller.current?.focus();
                          setCursor(a);
                          setPending("");
                        }}>
                        {selected && pending ? `${pending}_` : cell}
                      </span>
                    );
                  })}
                </span>
                <span className="ascii" aria-hidden="true">{asciiColumn(values)}</span>
              </div>
            );
          })}
        </div>
      </div>
      <details className="dbg-walk">
        <summary>Page walk of {hex(address)} (as a linear address)</summary>
        {walk ? <PageWalkView walk={walk} /> : <p className="result muted">Needs the playground extension's control registers (pause the guest).</p>}
      </details>
    </section>
  );
}
