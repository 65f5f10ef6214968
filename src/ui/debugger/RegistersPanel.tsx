/**
 * The VCPU's registers. First what Zircon gives user space — zx_vcpu_read_state(ZX_VCPU_STATE): the
 * general registers and RFLAGS, each editable through zx_vcpu_write_state while the VCPU is stopped —
 * then, clearly marked, what only the playground's extension reads (RIP, control, segment and
 * descriptor-table registers). Values that changed at the last stop are highlighted.
 *
 * Rows carry data-testid="reg-<name>" (rax, rip, cr0, seg-cs, ...) for tests.
 */
import { useState } from "react";
import type { ArchDetail, GeneralRegisters, SegmentName } from "../../../workers/api";
import { SEGMENT_NAMES } from "../../../workers/api";
import { useWorkbench, usePanelState } from "../hooks";
import {
  CR0_BITS, CR4_BITS, EFER_BITS, RFLAGS_BITS, bitSet, decodeAccessRights, describeMode, iopl, toggleBit, withIopl, type NamedBit,
} from "./bits";
import { EditableValue } from "./EditableValue";
import { formatCount } from "../format";
import { hexWidth, mergeAtWidth, nameAtWidth, viewWidth, visibleGprs, type GeneralName } from "./values";
import "./debugger.css";

type Write = (changes: Partial<GeneralRegisters>) => void;

function GeneralRow({ name, value, width, changed, editable, write }: {
  name: GeneralName; value: bigint; width: 32 | 64; changed: boolean; editable: boolean; write: Write;
}) {
  const shown = nameAtWidth(name, width);
  return (
    <div role="row" data-testid={`reg-${name}`} className={`dbg-reg${changed ? " changed" : ""}`}>
      <span role="rowheader" className="dbg-name">{shown}</span>
      <span role="cell">
        <EditableValue label={shown.toUpperCase()} value={width === 64 ? value : value & 0xffff_ffffn} width={width}
          disabled={!editable} disabledReason="Pause the guest to edit registers" testId={`reg-${name}-value`}
          onCommit={(typed) => write({ [name]: mergeAtWidth(value, typed, width) })} />
      </span>
    </div>
  );
}

function FlagsRow({ rflags, changed, editable, write }: { rflags: bigint; changed: boolean; editable: boolean; write: Write }) {
  return (
    <div role="row" data-testid="reg-rflags" className={`dbg-reg wide${changed ? " changed" : ""}`}>
      <span role="rowheader" className="dbg-name">rflags</span>
      <span role="cell">
        <EditableValue label="RFLAGS" value={rflags} width={32} disabled={!editable}
          disabledReason="Pause the guest to edit registers" testId="reg-rflags-value"
          onCommit={(typed) => write({ rflags: mergeAtWidth(rflags, typed, 32) | 2n })} />
      </span>
      <div className="dbg-flags" role="cell"><div role="group" aria-label="RFLAGS bits" className="dbg-bitnames">
        {RFLAGS_BITS.map((f) => (
          <button key={f.name} type="button" className="dbg-flag" aria-pressed={bitSet(rflags, f.bit)} disabled={!editable}
            title={`${f.name} (bit ${f.bit}): ${f.title}${editable ? " — click to toggle" : ""}`}
            onClick={() => write({ rflags: toggleBit(rflags, f.bit) })}>
            {f.name}
          </button>
        ))}
        <label className="dbg-flag" title="I/O privilege level (bits 13:12)">
          IOPL{" "}
          <select aria-label="IOPL" value={iopl(rflags)} disabled={!editable}
            onChange={(e) => write({ rflags: withIopl(rflags, Number(e.target.value)) })}>
            {[0, 1, 2, 3].map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
      </div></div>
    </div>
  );
}

function BitNames({ value, bits, label }: { value: bigint; bits: readonly NamedBit[]; label: string }) {
  return (
    <span className="dbg-bitnames" role="list" aria-label={`${label} bits`}>
      {bits.map((b) => {
        const on = bitSet(value, b.bit);
        return (
          <span key={b.name} role="listitem" className={`dbg-bit${on ? " on" : ""}`} title={`${b.name} (bit ${b.bit}): ${b.title}`}
            aria-label={`${b.name} ${on ? "set" : "clear"}`}>
            {b.name}
          </span>
        );
      })}
    </span>
  );
}

function ReadOnlyRow({ name, value, bits, changed, width = 64, id = name }: {
  name: string; value: bigint; bits?: readonly NamedBit[]; changed: boolean; width?: 32 | 64; id?: string;
}) {
  return (
    <div role="row" data-testid={`reg-${id}`} className={`dbg-reg${bits ? " wide" : ""}${changed ? " changed" : ""}`}>
      <span role="rowheader" className="dbg-name">{name}</span>
      <span role="cell" className="dbg-value">{hexWidth(value, width)}</span>
      {bits && <span role="cell" className="dbg-decoded"><BitNames value={value} bits={bits} label={name.toUpperCase()} /></span>}
    </div>
  );
}

function SegmentTable({ detail, changed }: { detail: ArchDetail; changed: ReadonlySet<string> }) {
  const long = detail.mode === "long64" || detail.mode === "compat16" || detail.mode === "compat32";
  return (
    <table className="dbg-table" aria-label="Segment registers with their hidden parts">
      <thead>
        <tr>
          <th scope="col">seg</th><th scope="col">selector</th><th scope="col">base</th><th scope="col">limit</th>
          <th scope="col">access rights</th><th scope="col" title="descriptor privilege level">DPL</th>
          <th scope="col" title="present, code/data (S), 64-bit (L), default size (D/B), 4 KiB granularity (G)">flags</th>
        </tr>
      </thead>
      <tbody>
        {SEGMENT_NAMES.map((name: SegmentName) => {
          const seg = detail.segments[name];
          const ar = decodeAccessRights(seg.accessRights, long);
          const flags = [ar.present && "P", ar.codeData && "S", ar.long && "L", ar.defaultBig && "D/B", ar.granularity && "G", ar.avl && "AVL"].filter(Boolean);
          return (
            <tr key={name} data-testid={`reg-seg-${name}`} className={changed.has(name) ? "changed" : undefined}>
              <th scope="row">{name}</th>
              <td>{seg.selector.toString(16).padStart(4, "0")}</td>
              <td>{hexWidth(seg.base, seg.base >> 32n ? 64 : 32)}</td>
              <td>{(seg.limit >>> 0).toString(16).padStart(8, "0")}</td>
              <td className="type" title={`access rights 0x${seg.accessRights.toString(16)} (VMCS format), type ${ar.type}`}>
                {ar.unusable ? "unusable" : ar.typeText}
              </td>
              <td>{ar.unusable ? "" : ar.dpl}</td>
              <td>{ar.unusable ? "" : flags.join(" ")}</td>
            </tr>
          );
        })}
        {(["gdtr", "idtr"] as const).map((name) => (
          <tr key={name} data-testid={`reg-${name}`} className={changed.has(name) ? "changed" : undefined}>
            <th scope="row">{name}</th>
            <td />
            <td>{hexWidth(detail[name].base, detail[name].base >> 32n ? 64 : 32)}</td>
            <td>{detail[name].limit.toString(16).padStart(4, "0")}</td>
            <td className="type">{name === "gdtr" ? "global descriptor table" : "interrupt descriptor table"}</td>
            <td /><td />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ArchSection({ detail, changed }: { detail: ArchDetail; changed: ReadonlySet<string> }) {
  const ripWidth = detail.bits === 64 ? 64 : 32;
  return (
    <section className="dbg-section" aria-labelledby="dbg-arch-title">
      <h3 id="dbg-arch-title">
        Architectural state{" "}
        <span className="badge ext">playground extension (hvplay_vcpu_read_arch_state) — Zircon does not expose these</span>
      </h3>
      <span className="dbg-ext-note">Read-only: Zircon's zx_vcpu_write_state sets only the general registers.</span>
      <div className="dbg-regs" role="table" aria-label="Control registers (playground extension)">
        <ReadOnlyRow id="rip" name={nameAtWidth("rip", ripWidth)} value={detail.rip} width={ripWidth} changed={changed.has("rip")} />
        <ReadOnlyRow name="cr2" value={detail.cr2} changed={changed.has("cr2")} />
        <ReadOnlyRow name="cr3" value={detail.cr3} changed={changed.has("cr3")} />
        <ReadOnlyRow name="cr0" value={detail.cr0} width={32} bits={CR0_BITS} changed={changed.has("cr0")} />
        <ReadOnlyRow name="cr4" value={detail.cr4} width={32} bits={CR4_BITS} changed={changed.has("cr4")} />
        <ReadOnlyRow name="efer" value={detail.efer} width={32} bits={EFER_BITS} changed={changed.has("efer")} />
      </div>
      <SegmentTable detail={detail} changed={changed} />
    </section>
  );
}

/** Without the full detail, the extension's flattened values (segments by selector, tables by base). */
function FlatArchSection({ arch, changed }: { arch: Record<string, bigint>; changed: ReadonlySet<string> }) {
  return (
    <section className="dbg-section" aria-labelledby="dbg-arch-title">
      <h3 id="dbg-arch-title">
        Architectural state{" "}
        <span className="badge ext">playground extension (hvplay_vcpu_read_arch_state) — Zircon does not expose these</span>
      </h3>
      <div className="dbg-regs" role="table" aria-label="Architectural state (playground extension)">
        {Object.entries(arch).filter(([name]) => name !== "rflags").map(([name, value]) => (
          <ReadOnlyRow key={name} name={name} value={value} changed={changed.has(name)} />
        ))}
      </div>
    </section>
  );
}

export function RegistersPanel() {
  const workbench = useWorkbench();
  const registers = usePanelState((s) => s.registers);
  const changed = usePanelState((s) => s.changedRegisters);
  const machine = usePanelState((s) => s.machine);
  const [all64, setAll64] = useState(false);
  const running = machine.kind === "running";
  const editable = machine.kind === "paused" || machine.kind === "ready";
  const general = registers?.general ?? null;
  const detail = registers?.detail ?? null;
  const width = viewWidth(detail?.bits ?? null, all64);
  const write: Write = (changes) => void workbench.writeRegisters(changes);
  const head = running
    ? "running — Pause to read"
    : registers
      ? `${detail ? `${describeMode(detail.mode)} · ` : ""}${formatCount(registers.instructions)} instructions retired`
      : "not read yet";
  return (
    <section className={`panel registers-panel dbg-fill${running ? " stale" : ""}`} aria-labelledby="regs-title">
      <header className="panel-head">
        <h2 id="regs-title">Registers</h2>
        <span className="muted" data-testid="regs-summary">{head}</span>
      </header>
      <div className="panel-body">
        <section className="dbg-section" aria-labelledby="dbg-gpr-title">
          <h3 id="dbg-gpr-title">zx_vcpu_read_state(ZX_VCPU_STATE)</h3>
          {detail && detail.bits !== 64 && (
            <div className="dbg-row-tools">
              <label>
                <input type="checkbox" checked={all64} onChange={(e) => setAll64(e.target.checked)} />
                all 64 bits (r8–r15 too)
              </label>
            </div>
          )}
          {general ? (
            <>
              <div className="dbg-regs" role="table" aria-label="General registers (zx_vcpu_state_t)">
                {visibleGprs(width).map((name) => (
                  <GeneralRow key={name} name={name} value={general[name]} width={width} changed={changed.has(name)} editable={editable} write={write} />
                ))}
              </div>
              <div role="table" aria-label="Flags">
                <FlagsRow rflags={general.rflags} changed={changed.has("rflags")} editable={editable} write={write} />
              </div>
            </>
          ) : (
            <p className="muted">{running ? "The VCPU is running." : "No registers yet."}</p>
          )}
        </section>
        {detail ? <ArchSection detail={detail} changed={changed} /> : registers?.arch && <FlatArchSection arch={registers.arch} changed={changed} />}
      </div>
    </section>
  );
}
