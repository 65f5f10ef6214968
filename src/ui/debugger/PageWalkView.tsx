/** The page walk of one linear address, step by step, as src/x86/page-walk.ts computes it. */
import type { EntryBits, PageWalkResult } from "../../x86/page-walk";

const BIT_LABELS: readonly [keyof EntryBits, string, string][] = [
  ["present", "P", "present"],
  ["writable", "R/W", "writes allowed"],
  ["user", "U/S", "user-mode accesses allowed"],
  ["pwt", "PWT", "page-level write-through"],
  ["pcd", "PCD", "page-level cache disable"],
  ["accessed", "A", "accessed"],
  ["dirty", "D", "dirty (written)"],
  ["pageSize", "PS", "maps a large page"],
  ["global", "G", "global"],
  ["executeDisable", "XD", "execute-disable"],
];

const MODE_NAMES: Record<PageWalkResult["mode"], string> = {
  "none": "no paging",
  "32-bit": "32-bit paging",
  "pae": "PAE paging",
  "4-level": "4-level paging",
};

function hex(v: bigint): string {
  return "0x" + v.toString(16);
}

function sizeName(bytes: number): string {
  return bytes >= 1 << 30 ? `${bytes / (1 << 30)} GiB` : bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

export function PageWalkView({ walk }: { walk: PageWalkResult }) {
  if (walk.mode === "none") {
    return <p className="result">Paging is off (CR0.PG = 0): physical address = linear address = <span className="ok">{hex(walk.physical ?? 0n)}</span>.</p>;
  }
  return (
    <>
      <table className="dbg-table" aria-label={`Page walk of ${hex(walk.linear)} (${MODE_NAMES[walk.mode]})`} data-testid="page-walk">
        <thead>
          <tr>
            <th scope="col">entry</th><th scope="col">table</th><th scope="col">index</th><th scope="col">at</th>
            <th scope="col">value</th><th scope="col">bits</th><th scope="col">points to</th>
          </tr>
        </thead>
        <tbody>
          {walk.steps.map((step) => (
            <tr key={step.level}>
              <th scope="row">{step.level}</th>
              <td>{hex(step.tableBase)}</td>
              <td>{step.index}</td>
              <td>{hex(step.entryAddress)}</td>
              <td>{step.entry === null ? "outside RAM" : step.entry.toString(16).padStart(walk.mode === "32-bit" ? 8 : 16, "0")}</td>
              <td>
                {step.bits && (
                  <span className="dbg-bitnames">
                    {BIT_LABELS.filter(([key]) => walk.mode !== "32-bit" || key !== "executeDisable").map(([key, label, title]) => (
                      <span key={key} className={`dbg-bit${step.bits![key] ? " on" : ""}`} title={title}
                        aria-label={`${label} ${step.bits![key] ? "set" : "clear"}`}>{label}</span>
                    ))}
                  </span>
                )}
              </td>
              <td>{step.bits?.present ? `${step.leaf ? "page " : "table "}${hex(step.bits.address)}` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="result" role="status">
        {MODE_NAMES[walk.mode]}: linear {hex(walk.linear)} →{" "}
        {walk.fault ? (
          <span className="fault">
            {walk.fault.kind === "non-canonical" || walk.fault.kind === "unreadable" ? walk.fault.message : `#PF (error code ${hex(BigInt(walk.fault.errorCode))}): ${walk.fault.message}`}
          </span>
        ) : (
          <span className="ok">
            physical {hex(walk.physical!)} in a {sizeName(walk.pageSize!)} page
            {walk.rights && ` (${walk.rights.writable ? "writable" : "read-only"}, ${walk.rights.user ? "user" : "supervisor"}${walk.rights.executable ? "" : ", no execute"}${walk.global ? ", global" : ""})`}
          </span>
        )}
      </p>
    </>
  );
}
