/**
 * A hex view of guest-physical memory, read straight from the worker's SharedArrayBuffer: the view
 * is fetched once per machine (getRam shares the buffer, it does not copy it), and every repaint
 * reads the current bytes with no round trip to the worker. While the guest runs the view refreshes
 * a few times a second.
 */
import { useEffect, useState } from "react";
import { hexDump, parseAddress } from "./format";
import { useWorkbench, useWorkbenchState } from "./hooks";

const ROWS = 16;
const REFRESH_MS = 250;

export function MemoryPanel() {
  const workbench = useWorkbench();
  const generation = useWorkbenchState((s) => s.machineGeneration);
  const machine = useWorkbenchState((s) => s.machine);
  // Re-read after each stop: the registers snapshot changes then.
  const registers = useWorkbenchState((s) => s.registers);
  const [ram, setRam] = useState<Uint8Array | null>(null);
  const [text, setText] = useState("0x100000");
  const [, setTick] = useState(0);
  const address = parseAddress(text);

  useEffect(() => {
    let live = true;
    setRam(null);
    void workbench.getRam().then((view) => {
      if (live) setRam(view);
    });
    return () => {
      live = false;
    };
  }, [workbench, generation]);

  useEffect(() => {
    if (machine.kind !== "running") return;
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, [machine.kind]);

  const rows = ram && address !== null ? hexDump(ram, address, ROWS) : [];
  return (
    <div className="panel-body memory" data-testid="memory" data-registers={registers ? registers.instructions : ""}>
      <div className="memory-bar">
        <label htmlFor="mem-addr" className="muted">Guest-physical address</label>
        <input id="mem-addr" className="addr-input mono" value={text} spellCheck={false}
          aria-invalid={address === null} onChange={(e) => setText(e.target.value)} />
        <span className="muted">
          {ram ? `${(ram.length / 1048576).toFixed(0)} MiB, ${ram.buffer instanceof SharedArrayBuffer ? "shared" : "copied"} view` : "no RAM"}
        </span>
      </div>
      <table className="dump mono" aria-label="Guest memory">
        <tbody>
          {rows.map((row) => (
            <tr key={row.address}>
              <th scope="row">{row.address.toString(16).padStart(8, "0")}</th>
              <td>{row.bytes.map((b, i) => (i === 8 ? " " : "") + (b || "  ")).join(" ")}</td>
              <td className="ascii">{row.ascii}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
