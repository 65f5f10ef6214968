/**
 * Forms that make Zircon's hypervisor syscalls by hand, on the VMM process's main thread, exactly as
 * the kernel binding takes them (src/zircon/thread.ts): handle pickers over the handle table, numbers
 * in hex or decimal, options as named checkboxes. Each form shows the status by name and the
 * out-parameters (new handles in hex). zx_vcpu_resume is not offered: the VMM owns the run loop.
 * Every call shows up in the syscall log like the VMM's own.
 */
import { useState, type FormEvent, type ReactNode } from "react";
import { allOk, HandleSelect, NumberField, Outcome, useHandlePick, useSyscall, VCPU_THREAD_NOTE, type HandlePick } from "./common";
import { encodeVcpuState, decodeVcpuState, hexText, parseHexBytes, parseU32, parseU64, parseVcpuState, type VcpuState } from "./parse";
import {
  VCPU_STATE_FIELDS,
  X86_FLAGS_RESERVED_ONES,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_GUEST_TRAP_MEM,
  ZX_HANDLE_INVALID,
  ZX_INFO_HANDLE_BASIC,
  ZX_INFO_HANDLE_BASIC_SIZE,
  ZX_INFO_HANDLE_VALID,
  ZX_OBJ_TYPE_GUEST,
  ZX_OBJ_TYPE_PORT,
  ZX_OBJ_TYPE_RESOURCE,
  ZX_OBJ_TYPE_VCPU,
  ZX_OBJ_TYPE_VMAR,
  ZX_OBJ_TYPE_VMO,
  ZX_OK,
  ZX_VCPU_STATE,
  ZX_VCPU_STATE_SIZE,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
  ZX_VM_SPECIFIC_OVERWRITE,
  type VcpuStateField,
} from "./zx-constants";
import { zxNames } from "./names";
import "./kernel.css";

type Sys = ReturnType<typeof useSyscall>;

/** One form: a <form> named by its syscall (so it has the form role), its fields, a submit button and the outcome. */
function CallForm({ name, signature, sys, onSubmit, disabled, children, vcpuCall, after }: {
  name: string;
  signature: string;
  sys: Sys;
  onSubmit(): void;
  disabled: boolean;
  children: ReactNode;
  vcpuCall?: boolean;
  after?: ReactNode;
}) {
  return (
    <form
      className="kx-form"
      aria-label={name}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (!disabled && !sys.pending) onSubmit();
      }}
    >
      <p className="kx-signature mono">{signature}</p>
      <div className="kx-fields">{children}</div>
      <button type="submit" className="btn small primary" disabled={disabled || sys.pending}>Call {name}</button>
      <Outcome record={sys.last} vcpuCall={vcpuCall} />
      {after}
    </form>
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange(v: boolean): void }) {
  return (
    <label className="kx-check mono">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

const handleOk = (pick: HandlePick) => pick.value !== null;

function GuestCreate() {
  const sys = useSyscall();
  // The process is given its hypervisor resource first (then one of another kind, to show ZX_ERR_ACCESS_DENIED).
  const resource = useHandlePick([ZX_OBJ_TYPE_RESOURCE], { prefer: "first" });
  return (
    <CallForm name="zx_guest_create" signature="zx_guest_create(resource, options, &guest_handle, &vmar_handle)" sys={sys}
      disabled={!handleOk(resource)} onSubmit={() => sys.call("zx_guest_create", [resource.value, 0])}>
      <HandleSelect label="resource (ZX_RSRC_KIND_HYPERVISOR)" pick={resource} />
      <p className="kx-hint">options: 0. The guest's physical address space comes back as vmar_handle (map RAM into it with zx_vmar_map).</p>
    </CallForm>
  );
}

function VmoCreate() {
  const sys = useSyscall();
  const [size, setSize] = useState("0x1000");
  const [options, setOptions] = useState("0");
  const v = allOk<[number | bigint, number]>(parseU64(size), parseU32(options));
  return (
    <CallForm name="zx_vmo_create" signature="zx_vmo_create(size, options, &out)" sys={sys} disabled={!v}
      onSubmit={() => v && sys.call("zx_vmo_create", v)}>
      <NumberField label="size" value={size} onChange={setSize} parse={parseU64} hint="bytes: 4096, 0x1000 or 4K" />
      <NumberField label="options" value={options} onChange={setOptions} parse={parseU32} hint="0, or ZX_VMO_RESIZABLE (2)" />
    </CallForm>
  );
}

function VmoReplaceAsExecutable() {
  const sys = useSyscall();
  const vmo = useHandlePick([ZX_OBJ_TYPE_VMO]);
  // ZX_HANDLE_INVALID (the ambient policy, as E2 allowed) is the usual choice: start with it.
  const vmex = useHandlePick([ZX_OBJ_TYPE_RESOURCE], { none: "ambient policy", prefer: "none" });
  const vmexValue = vmex.value;
  return (
    <CallForm name="zx_vmo_replace_as_executable" signature="zx_vmo_replace_as_executable(handle, vmex, &out)" sys={sys}
      disabled={!handleOk(vmo) || vmexValue === null} onSubmit={() => sys.call("zx_vmo_replace_as_executable", [vmo.value, vmexValue])}>
      <HandleSelect label="handle (VMO; consumed)" pick={vmo} />
      <HandleSelect label="vmex" pick={vmex} />
      <p className="kx-hint">A new VMO has no ZX_RIGHT_EXECUTE; mapping it with ZX_VM_PERM_EXECUTE needs the handle this returns.</p>
    </CallForm>
  );
}

function VmoWrite() {
  const sys = useSyscall();
  const vmo = useHandlePick([ZX_OBJ_TYPE_VMO]);
  const [bytes, setBytes] = useState("b0 48 e6 e9 f4");
  const [offset, setOffset] = useState("0");
  const v = allOk<[Uint8Array, number | bigint]>(parseHexBytes(bytes), parseU64(offset));
  return (
    <CallForm name="zx_vmo_write" signature="zx_vmo_write(handle, buffer, offset, buffer_size)" sys={sys}
      disabled={!handleOk(vmo) || !v} onSubmit={() => v && sys.call("zx_vmo_write", [vmo.value, v[0], v[1]])}>
      <HandleSelect label="handle (VMO)" pick={vmo} />
      <NumberField label="buffer (hex bytes)" value={bytes} onChange={setBytes} parse={parseHexBytes} wide
        hint="e.g. b0 48 e6 e9 f4: mov al, 'H'; out 0xe9, al; hlt" />
      <NumberField label="offset" value={offset} onChange={setOffset} parse={parseU64} />
    </CallForm>
  );
}

function VmarMap() {
  const sys = useSyscall();
  const vmar = useHandlePick([ZX_OBJ_TYPE_VMAR]);
  const vmo = useHandlePick([ZX_OBJ_TYPE_VMO]);
  const [perm, setPerm] = useState({ read: true, write: true, execute: true, specific: true, overwrite: false });
  const [vmarOffset, setVmarOffset] = useState("0");
  const [vmoOffset, setVmoOffset] = useState("0");
  const [len, setLen] = useState("0x1000");
  const options = (perm.read ? ZX_VM_PERM_READ : 0) | (perm.write ? ZX_VM_PERM_WRITE : 0) | (perm.execute ? ZX_VM_PERM_EXECUTE : 0) |
    (perm.specific ? ZX_VM_SPECIFIC : 0) | (perm.overwrite ? ZX_VM_SPECIFIC_OVERWRITE : 0);
  const v = allOk<[number | bigint, number | bigint, number | bigint]>(parseU64(vmarOffset), parseU64(vmoOffset), parseU64(len));
  return (
    <CallForm name="zx_vmar_map" signature="zx_vmar_map(handle, options, vmar_offset, vmo, vmo_offset, len, &mapped_addr)" sys={sys}
      disabled={!handleOk(vmar) || !handleOk(vmo) || !v}
      onSubmit={() => v && sys.call("zx_vmar_map", [vmar.value, options, v[0], vmo.value, v[1], v[2]])}>
      <HandleSelect label="handle (VMAR: the guest's is zx_guest_create's vmar_handle)" pick={vmar} />
      <fieldset className="kx-options">
        <legend>options = 0x{options.toString(16)}</legend>
        <Check label="ZX_VM_PERM_READ" checked={perm.read} onChange={(read) => setPerm({ ...perm, read })} />
        <Check label="ZX_VM_PERM_WRITE" checked={perm.write} onChange={(write) => setPerm({ ...perm, write })} />
        <Check label="ZX_VM_PERM_EXECUTE" checked={perm.execute} onChange={(execute) => setPerm({ ...perm, execute })} />
        <Check label="ZX_VM_SPECIFIC" checked={perm.specific} onChange={(specific) => setPerm({ ...perm, specific })} />
        <Check label="ZX_VM_SPECIFIC_OVERWRITE" checked={perm.overwrite} onChange={(overwrite) => setPerm({ ...perm, overwrite })} />
      </fieldset>
      <NumberField label="vmar_offset (guest-physical address)" value={vmarOffset} onChange={setVmarOffset} parse={parseU64} hint="with ZX_VM_SPECIFIC" />
      <HandleSelect label="vmo" pick={vmo} />
      <NumberField label="vmo_offset" value={vmoOffset} onChange={setVmoOffset} parse={parseU64} />
      <NumberField label="len" value={len} onChange={setLen} parse={parseU64} hint="a multiple of 4096" />
    </CallForm>
  );
}

function PortCreate() {
  const sys = useSyscall();
  return (
    <CallForm name="zx_port_create" signature="zx_port_create(options, &out)" sys={sys} disabled={false}
      onSubmit={() => sys.call("zx_port_create", [0])}>
      <p className="kx-hint">options: 0. Traps of kind BELL and IO deliver their packets to a port.</p>
    </CallForm>
  );
}

const TRAP_KINDS = [
  [ZX_GUEST_TRAP_BELL, "ZX_GUEST_TRAP_BELL"],
  [ZX_GUEST_TRAP_MEM, "ZX_GUEST_TRAP_MEM"],
  [ZX_GUEST_TRAP_IO, "ZX_GUEST_TRAP_IO"],
] as const;

/**
 * Which traps take a port (src/zircon/objects/guest.ts, as E2's Guest::SetTrap): BELL traps queue
 * their packets on a port and need one; MEM and IO traps are synchronous (their packet comes back
 * from zx_vcpu_resume) and take ZX_HANDLE_INVALID, else ZX_ERR_INVALID_ARGS.
 */
const TRAP_NEEDS_PORT: Record<number, boolean> = { [ZX_GUEST_TRAP_BELL]: true, [ZX_GUEST_TRAP_MEM]: false, [ZX_GUEST_TRAP_IO]: false };

function GuestSetTrap() {
  const sys = useSyscall();
  const guest = useHandlePick([ZX_OBJ_TYPE_GUEST]);
  const [kind, setKind] = useState<number>(ZX_GUEST_TRAP_IO);
  const port = useHandlePick([ZX_OBJ_TYPE_PORT], { none: "synchronous: MEM and IO", prefer: TRAP_NEEDS_PORT[kind] ? "newest" : "none" });
  const [addr, setAddr] = useState("0xe9");
  const [size, setSize] = useState("1");
  const [key, setKey] = useState("1");
  const v = allOk<[number | bigint, number | bigint, number | bigint]>(parseU64(addr), parseU64(size), parseU64(key));
  const pickKind = (k: number) => {
    setKind(k);
    // Back to the kind's usual port choice (a port for BELL, none for MEM and IO).
    port.set(null);
  };
  return (
    <CallForm name="zx_guest_set_trap" signature="zx_guest_set_trap(handle, kind, addr, size, port_handle, key)" sys={sys}
      disabled={!handleOk(guest) || port.value === null || !v}
      onSubmit={() => v && sys.call("zx_guest_set_trap", [guest.value, kind, v[0], v[1], port.value ?? ZX_HANDLE_INVALID, v[2]])}>
      <HandleSelect label="handle (guest)" pick={guest} />
      <fieldset className="kx-options">
        <legend>kind</legend>
        {TRAP_KINDS.map(([value, label]) => (
          <label key={value} className="kx-check mono">
            <input type="radio" name="trap-kind" checked={kind === value} onChange={() => pickKind(value)} />
            {label}
          </label>
        ))}
      </fieldset>
      <NumberField label={kind === ZX_GUEST_TRAP_IO ? "addr (I/O port)" : "addr (guest-physical)"} value={addr} onChange={setAddr} parse={parseU64} />
      <NumberField label="size" value={size} onChange={setSize} parse={parseU64} hint={kind === ZX_GUEST_TRAP_IO ? "ports" : "bytes; BELL and MEM ranges are whole pages"} />
      <HandleSelect label="port_handle" pick={port} />
      <p className="kx-hint">
        BELL traps queue a packet on the port and need one; MEM and IO traps are synchronous (the packet comes back from
        the VMM's zx_vcpu_resume) and take ZX_HANDLE_INVALID.
      </p>
      <NumberField label="key" value={key} onChange={setKey} parse={parseU64} hint="comes back in every packet of this trap" />
    </CallForm>
  );
}

function VcpuCreate() {
  const sys = useSyscall();
  const guest = useHandlePick([ZX_OBJ_TYPE_GUEST]);
  const [entry, setEntry] = useState("0");
  const e = parseU64(entry);
  return (
    <CallForm name="zx_vcpu_create" signature="zx_vcpu_create(guest, options, entry, &out)" sys={sys} vcpuCall
      disabled={!handleOk(guest) || !e.ok} onSubmit={() => e.ok && sys.call("zx_vcpu_create", [guest.value, 0, e.value])}>
      <HandleSelect label="guest" pick={guest} />
      <NumberField label="entry (guest-physical RIP)" value={entry} onChange={setEntry} parse={parseU64} />
      <p className="kx-hint">
        options: 0. The VCPU belongs to the calling thread, here the process's main thread; a thread holds one VCPU at a time,
        so a second zx_vcpu_create from this page returns ZX_ERR_BAD_STATE. zx_vcpu_resume is not offered: the VMM owns the run loop.
      </p>
    </CallForm>
  );
}

function VcpuInterrupt() {
  const sys = useSyscall();
  const vcpu = useHandlePick([ZX_OBJ_TYPE_VCPU]);
  const [vector, setVector] = useState("32");
  const v = parseU32(vector);
  return (
    <CallForm name="zx_vcpu_interrupt" signature="zx_vcpu_interrupt(handle, vector)" sys={sys}
      disabled={!handleOk(vcpu) || !v.ok} onSubmit={() => v.ok && sys.call("zx_vcpu_interrupt", [vcpu.value, v.value])}>
      <HandleSelect label="handle (VCPU)" pick={vcpu} />
      <NumberField label="vector" value={vector} onChange={setVector} parse={parseU32} hint="0 to 255; any thread may interrupt a VCPU" />
    </CallForm>
  );
}

function VcpuKick() {
  const sys = useSyscall();
  const vcpu = useHandlePick([ZX_OBJ_TYPE_VCPU]);
  return (
    <CallForm name="zx_vcpu_kick" signature="zx_vcpu_kick(handle)" sys={sys}
      disabled={!handleOk(vcpu)} onSubmit={() => sys.call("zx_vcpu_kick", [vcpu.value])}>
      <HandleSelect label="handle (VCPU)" pick={vcpu} />
      <p className="kx-hint">Makes a running zx_vcpu_resume return ZX_ERR_CANCELED (the toolbar's Pause does this).</p>
    </CallForm>
  );
}

const emptyRegisterText = (): Record<VcpuStateField, string> =>
  Object.fromEntries(VCPU_STATE_FIELDS.map((f) => [f, f === "rflags" ? hexText(X86_FLAGS_RESERVED_ONES) : "0x0"])) as Record<VcpuStateField, string>;

/** zx_vcpu_read_state and zx_vcpu_write_state(ZX_VCPU_STATE): the registers read fill the write form. */
function VcpuState() {
  const read = useSyscall();
  const write = useSyscall();
  const vcpu = useHandlePick([ZX_OBJ_TYPE_VCPU]);
  const [state, setState] = useState<VcpuState | null>(null);
  const [noBuffer, setNoBuffer] = useState(false);
  const [fields, setFields] = useState(emptyRegisterText);
  const parsed = parseVcpuState(fields);
  const doRead = async () => {
    const outcome = await read.call("zx_vcpu_read_state", [vcpu.value, ZX_VCPU_STATE, new Uint8Array(ZX_VCPU_STATE_SIZE)]);
    const buffer = outcome.buffers?.[0];
    const decoded = outcome.status === ZX_OK && buffer ? decodeVcpuState(buffer) : null;
    setNoBuffer(outcome.status === ZX_OK && !decoded);
    setState(decoded);
    if (decoded) setFields(Object.fromEntries(VCPU_STATE_FIELDS.map((f) => [f, hexText(decoded[f])])) as Record<VcpuStateField, string>);
  };
  return (
    <div className="kx-pair">
      <CallForm name="zx_vcpu_read_state" signature="zx_vcpu_read_state(handle, ZX_VCPU_STATE, buffer, 136)" sys={read} vcpuCall
        disabled={!handleOk(vcpu)} onSubmit={() => void doRead()}
        after={
          <>
            {noBuffer && <p className="kx-note">The call succeeded, but this worker does not return the filled buffer to the page yet.</p>}
            {state && (
              <table className="data kx-regs" aria-label="zx_vcpu_state_t as read">
                <tbody>
                  {VCPU_STATE_FIELDS.map((f) => (
                    <tr key={f}><th scope="row" className="mono">{f}</th><td className="mono">{hexText(state[f])}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        }>
        <HandleSelect label="handle (VCPU)" pick={vcpu} />
        <p className="kx-hint">{VCPU_THREAD_NOTE}</p>
      </CallForm>
      <CallForm name="zx_vcpu_write_state" signature="zx_vcpu_write_state(handle, ZX_VCPU_STATE, buffer, 136)" sys={write} vcpuCall
        disabled={!handleOk(vcpu) || !parsed.ok}
        onSubmit={() => parsed.ok && write.call("zx_vcpu_write_state", [vcpu.value, ZX_VCPU_STATE, encodeVcpuState(parsed.value)])}>
        <p className="kx-hint">Registers of zx_vcpu_state_t (prefilled by a read). RFLAGS is only written when its bit 1 is set.</p>
        <div className="kx-reg-fields">
          {VCPU_STATE_FIELDS.map((f) => (
            <NumberField key={f} label={f} value={fields[f]} onChange={(t) => setFields({ ...fields, [f]: t })} parse={parseU64} />
          ))}
        </div>
      </CallForm>
    </div>
  );
}

function decodeHandleBasic(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rights = dv.getUint32(8, true);
  return `koid ${dv.getBigUint64(0, true)}, type ${zxNames.objType(dv.getUint32(12, true))}, rights 0x${rights.toString(16)} ` +
    `(${zxNames.rights(rights).join(" | ")}), related_koid ${dv.getBigUint64(16, true)}`;
}

function ObjectGetInfo() {
  const sys = useSyscall();
  const handle = useHandlePick([]);
  const [topic, setTopic] = useState<number>(ZX_INFO_HANDLE_BASIC);
  const buffer = sys.last?.outcome.buffers?.[0];
  return (
    <CallForm name="zx_object_get_info" signature="zx_object_get_info(handle, topic, buffer, buffer_size, &actual, &avail)" sys={sys}
      disabled={!handleOk(handle)}
      onSubmit={() => sys.call("zx_object_get_info", topic === ZX_INFO_HANDLE_BASIC ? [handle.value, topic, new Uint8Array(ZX_INFO_HANDLE_BASIC_SIZE)] : [handle.value, topic])}
      after={buffer && buffer.length === ZX_INFO_HANDLE_BASIC_SIZE && sys.last?.outcome.status === ZX_OK ? <p className="mono kx-hint">{decodeHandleBasic(buffer)}</p> : null}>
      <HandleSelect label="handle" pick={handle} />
      <fieldset className="kx-options">
        <legend>topic</legend>
        <label className="kx-check mono">
          <input type="radio" name="info-topic" checked={topic === ZX_INFO_HANDLE_BASIC} onChange={() => setTopic(ZX_INFO_HANDLE_BASIC)} />
          ZX_INFO_HANDLE_BASIC
        </label>
        <label className="kx-check mono">
          <input type="radio" name="info-topic" checked={topic === ZX_INFO_HANDLE_VALID} onChange={() => setTopic(ZX_INFO_HANDLE_VALID)} />
          ZX_INFO_HANDLE_VALID
        </label>
      </fieldset>
    </CallForm>
  );
}

const FORMS: readonly [string, () => ReactNode][] = [
  ["zx_guest_create", () => <GuestCreate />],
  ["zx_vmo_create", () => <VmoCreate />],
  ["zx_vmo_replace_as_executable", () => <VmoReplaceAsExecutable />],
  ["zx_vmo_write", () => <VmoWrite />],
  ["zx_vmar_map", () => <VmarMap />],
  ["zx_port_create", () => <PortCreate />],
  ["zx_guest_set_trap", () => <GuestSetTrap />],
  ["zx_vcpu_create", () => <VcpuCreate />],
  ["zx_vcpu_interrupt", () => <VcpuInterrupt />],
  ["zx_vcpu_kick", () => <VcpuKick />],
  ["zx_vcpu_read_state / write_state", () => <VcpuState />],
  ["zx_object_get_info", () => <ObjectGetInfo />],
];

/**
 * All the forms, one shown at a time (picked with "System call"). The others stay mounted, hidden,
 * so what was typed into them and their last outcome survive switching.
 */
export function SyscallForms() {
  const [shown, setShown] = useState(FORMS[0][0]);
  return (
    <div className="panel-body kx-forms">
      <div className="kx-forms-head">
        <label className="kx-field">
          <span>System call</span>
          <select className="select" value={shown} onChange={(e) => setShown(e.target.value)}>
            {FORMS.map(([name]) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
        <p className="kx-hint">
          Calls run on the VMM process's main thread, exactly as the kernel binding takes them, and appear in the syscall log.
          The running VMM drives its own VCPU from another thread.
        </p>
      </div>
      {FORMS.map(([name, render]) => (
        <div key={name} hidden={name !== shown}>{render()}</div>
      ))}
    </div>
  );
}
