/**
 * The code view: instructions around RIP (or around the address another panel asked to show, with
 * "Back to RIP"), decoded in the page by src/x86/disasm.ts straight from the shared guest RAM, in
 * the VCPU's current code size, through CS and the guest's page tables. The gutter of each row sets
 * or clears a breakpoint at that instruction. While the guest runs, the last listing stays, dimmed.
 *
 * The listing carries data-testid="code-view"; the current row has aria-current="true".
 */
import { useEffect, useMemo, useRef } from "react";
import type { ArchDetail, RegisterSnapshot } from "../../../workers/api";
import type { ProgramInfo } from "../store";
import { useWorkbench, usePanelState } from "../hooks";
import { type CodeFetch, type CodeListing, formatBytes, listingAround, rememberStart } from "./code";
import { Translator, codeLinear, pagingControl } from "./guest-view";
import { useGuestRam, useStopped } from "./useGuestRam";
import "./debugger.css";

const BEFORE = 8;
const AFTER = 24;

/** What decoding needs: CS base, code size, paging. Without the extension, flat 32-bit code is assumed. */
function codeContext(registers: RegisterSnapshot | null): { detail: Pick<ArchDetail, "bits" | "segments">; ctl: ReturnType<typeof pagingControl> | null; rip: bigint; assumed: boolean } | null {
  if (!registers) return null;
  const d = registers.detail;
  if (d) return { detail: d, ctl: pagingControl(d), rip: d.rip, assumed: false };
  const rip = registers.arch?.rip;
  if (rip === undefined) return null;
  const flat = { selector: 0, base: 0n, limit: 0xffff_ffff, accessRights: 0xc09b };
  return { detail: { bits: 32, segments: { cs: flat } as ArchDetail["segments"] }, ctl: null, rip, assumed: true };
}

function hexIp(ip: bigint, bits: 16 | 32 | 64): string {
  return ip.toString(16).padStart(bits === 16 ? 4 : bits === 32 ? 8 : 16, "0");
}

export function DisassemblyPanel() {
  const workbench = useWorkbench();
  const registers = usePanelState((s) => s.registers);
  const breakpoints = usePanelState((s) => s.breakpoints);
  const codeFocus = usePanelState((s) => s.codeFocus);
  const program = usePanelState((s) => s.program);
  const generation = usePanelState((s) => s.machineGeneration);
  const stopped = useStopped();
  const ram = useGuestRam();
  const known = useRef<bigint[]>([]);
  const knownGeneration = useRef(generation);
  const last = useRef<CodeListing | null>(null);
  const currentRow = useRef<HTMLTableRowElement>(null);

  const ctx = codeContext(registers);
  const centre = codeFocus ?? ctx?.rip ?? null;

  const listing = useMemo(() => {
    if (!stopped || !ram || !ctx || centre === null) return null;
    if (knownGeneration.current !== generation) {
      known.current = [];
      knownGeneration.current = generation;
    }
    // RIPs seen are instruction starts; so are the assembled program's lines.
    known.current = rememberStart(known.current, ctx.rip);
    const starts = new Set(known.current);
    addProgramStarts(starts, program);
    const translator = new Translator(ram, ctx.ctl);
    const fetch: CodeFetch = (ip, len) => translator.bytes(codeLinear(ctx.detail, ip), len);
    return listingAround(fetch, centre, ctx.detail.bits, BEFORE, AFTER, starts);
    // ctx is derived from registers; the listing changes only with these.
  }, [stopped, ram, registers, centre, program, generation]);
  if (listing) last.current = listing;
  const shown = listing ?? last.current;

  useEffect(() => {
    currentRow.current?.scrollIntoView({ block: "nearest" });
  }, [shown]);

  const bits = ctx?.detail.bits ?? 32;
  const bpSet = new Set(breakpoints);
  return (
    <section className="panel disassembly-panel dbg-fill" aria-labelledby="code-title">
      <header className="panel-head">
        <h2 id="code-title">Code</h2>
        {codeFocus !== null && (
          <button type="button" className="btn small" onClick={() => workbench.focusCode(null)}>Back to RIP</button>
        )}
        <span className="muted">
          {!stopped ? "running…" : ctx ? `${bits}-bit code${ctx.assumed ? " (assumed: no extension state)" : ""}` : "no registers yet"}
        </span>
      </header>
      <div className={`panel-body dbg-code${stopped ? "" : " stale"}`} data-testid="code-view" aria-busy={!stopped}>
        {!shown || !ctx ? (
          <p className="dbg-note">{ram ? "The code shows when the guest is paused." : "No guest RAM yet."}</p>
        ) : shown.lines.length === 0 ? (
          <p className="dbg-note">The code at {hexIp(centre ?? 0n, bits)} cannot be read: its page is not mapped.</p>
        ) : (
          <table aria-label={`Disassembly around ${codeFocus !== null ? "the chosen address" : "RIP"}`}>
            <tbody>
              {shown.lines.map((line, i) => {
                const isRip = ctx.rip === line.address;
                const hasBp = bpSet.has(line.address);
                const address = hexIp(line.address, bits);
                return (
                  <tr key={`${line.address}`} ref={i === shown.centre ? currentRow : undefined}
                    aria-current={isRip ? "true" : undefined} data-address={address}
                    data-breakpoint={hasBp ? "true" : undefined}
                    className={i === shown.centre && codeFocus !== null ? "focus" : undefined}>
                    <td className="dbg-gutter">
                      <button type="button" className="dbg-bp" aria-pressed={hasBp}
                        aria-label={`Breakpoint at ${address}`}
                        title={hasBp ? "Remove the breakpoint" : "Stop before this instruction"}
                        onClick={() => void workbench.toggleBreakpoint(line.address)}>
                        {hasBp ? "●" : "○"}
                      </button>
                    </td>
                    <td className="arrow" aria-hidden="true">{isRip ? "→" : " "}</td>
                    <td className="addr">{address}</td>
                    <td className="bytes">{formatBytes(line.bytes)}</td>
                    <td className="text">{line.text}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

function addProgramStarts(starts: Set<bigint>, program: ProgramInfo | null): void {
  if (!program) return;
  for (const e of program.lineMap) starts.add(BigInt(e.address));
}
