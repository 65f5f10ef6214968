/**
 * The VCPU's registers: the general registers of zx_vcpu_state_t (zx_vcpu_read_state), then RIP and
 * the control/segment state, which Zircon does not expose and the playground reads through its
 * marked extension (Machine.readArchState). Values that changed since the previous stop are
 * highlighted. Each register carries data-testid="reg-<name>" for tests.
 */
import { GENERAL_REGISTER_NAMES } from "../../workers/api";
import { hex64, rflagsNames } from "./format";
import { useWorkbenchState } from "./hooks";

const GENERAL: ReadonlySet<string> = new Set(GENERAL_REGISTER_NAMES);

function Register({ name, value, changed, wide }: { name: string; value: bigint | undefined; changed: boolean; wide?: boolean }) {
  return (
    <div role="row" data-testid={`reg-${name}`} className={`reg${changed ? " changed" : ""}${wide ? " wide" : ""}`}>
      <span role="rowheader" className="reg-name">{name.toUpperCase()}</span>
      <span role="cell" className="reg-value">{value === undefined ? "—" : hex64(value)}</span>
      {wide && <span role="cell" className="reg-flags">{value === undefined ? "" : rflagsNames(value)}</span>}
    </div>
  );
}

export function RegistersPanel() {
  const registers = useWorkbenchState((s) => s.registers);
  const changed = useWorkbenchState((s) => s.changedRegisters);
  const machine = useWorkbenchState((s) => s.machine);
  const running = machine.kind === "running";
  const general = registers?.general ?? null;
  // RFLAGS (and anything else zx_vcpu_state_t has) is shown once, with the Zircon registers.
  const archRows = registers?.arch ? Object.entries(registers.arch).filter(([name]) => !GENERAL.has(name)) : [];
  return (
    <section className={`panel registers-panel${running ? " stale" : ""}`} aria-labelledby="regs-title">
      <header className="panel-head">
        <h2 id="regs-title">Registers</h2>
        <span className="muted">
          {running ? "running — Pause to read" : registers ? `after ${registers.instructions.toLocaleString("en-US")} instructions` : "not read yet"}
        </span>
      </header>
      <div className="panel-body">
        <h3 className="reg-caption">zx_vcpu_read_state(ZX_VCPU_STATE)</h3>
        <div className="reg-grid" role="table" aria-label="General registers (zx_vcpu_state_t)">
          {GENERAL_REGISTER_NAMES.map((name) => (
            <Register key={name} name={name} value={general?.[name]} changed={changed.has(name)} wide={name === "rflags"} />
          ))}
        </div>
        {archRows.length > 0 && (
          <>
            <h3 className="reg-caption">
              Architectural state{" "}
              <span className="badge ext" title="Zircon has no syscall for these; the playground reads them through its own extension">
                playground extension
              </span>
            </h3>
            <div className="reg-grid" role="table" aria-label="Architectural state (playground extension)">
              {archRows.map(([name, value]) => (
                <Register key={name} name={name} value={value} changed={changed.has(name)} />
              ))}
            </div>
          </>
        )}
      </div>
    </section>
  );
}
