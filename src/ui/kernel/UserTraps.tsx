/**
 * "Your traps" in the Address space panel: a form that adds a MEM or BELL trap to the VMM's guest
 * (zx_guest_set_trap in the worker, after the VMM's own traps) and the list of traps added, each with
 * Remove. The workbench remembers them: reset and every load set them again, and Share puts them in
 * the link. Zircon has no call that removes a trap, so Remove takes effect at the next load or reset.
 */
import { useId, useState, type FormEvent } from "react";
import type { TrapView, UserTrap } from "../../../workers/api";
import { useWorkbench, usePanelState } from "../hooks";
import { addrHex, formatSize } from "./address-map";
import { EMPTY_TRAP_FORM, guestHasTrap, parseTrapForm, sameTrap, trapLabel, type TrapForm } from "./user-traps";

/** `guestTraps`: the traps of the guest shown (to tell which of the user's are set on it now). */
export function UserTraps({ guestTraps }: { guestTraps: readonly TrapView[] }) {
  const workbench = useWorkbench();
  const traps = usePanelState((s) => s.traps);
  const [form, setForm] = useState<TrapForm>(EMPTY_TRAP_FORM);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const headingId = `${id}-head`;
  const hintId = `${id}-hint`;
  const field = (name: keyof TrapForm) => (value: string) => setForm((f) => ({ ...f, [name]: value }));
  // Traps removed from the list while this machine runs: the guest keeps them until a new machine.
  const generation = usePanelState((s) => s.machineGeneration);
  const [removed, setRemoved] = useState<{ generation: number; traps: UserTrap[] }>({ generation, traps: [] });
  const stillSet = removed.generation === generation ? removed.traps.filter((t) => guestHasTrap(guestTraps, t) && !traps.some((u) => sameTrap(u, t))) : [];
  const remove = (index: number) => {
    const trap = traps[index];
    setRemoved((r) => ({ generation, traps: [...(r.generation === generation ? r.traps : []), trap] }));
    void workbench.removeTrap(index);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseTrapForm(form);
    if (!parsed.ok) {
      setProblem(parsed.error);
      return;
    }
    setBusy(true);
    const error = await workbench.addTrap(parsed.value);
    setBusy(false);
    setProblem(error);
    if (!error) setForm((f) => ({ ...f, addr: "" }));
  };

  return (
    <section className="kx-user-traps" aria-labelledby={headingId} data-testid="user-traps">
      <h3 className="kx-subhead" id={headingId}>Your traps</h3>
      <p className="kx-hint" id={hintId}>
        Set with zx_guest_set_trap on this guest, after the VMM's own, and again at every reset and load; Share puts
        them in the link. Each access shows in VM exits under the trap's key: MEM reads return all ones and writes are
        dropped; BELL writes leave a packet on the VMM's port and the guest goes on. A trap over RAM hides that RAM
        from the guest, as in Zircon. No I/O traps: the VMM already traps every port.
      </p>
      <form className="kx-trap-form" aria-label="Add trap" aria-describedby={hintId} onSubmit={(e) => void submit(e)}>
        <label className="kx-field">
          Kind
          <select className="select" value={form.kind} onChange={(e) => field("kind")(e.target.value)}>
            <option value="mem">MEM</option>
            <option value="bell">BELL</option>
          </select>
        </label>
        <label className="kx-field">
          Address
          <input className="kx-input mono" value={form.addr} placeholder="0xd0000000" spellCheck={false}
            aria-invalid={problem?.startsWith("Address") ? true : undefined} onChange={(e) => field("addr")(e.target.value)} />
        </label>
        <label className="kx-field">
          Size
          <input className="kx-input mono" value={form.size} spellCheck={false}
            aria-invalid={problem?.startsWith("Size") ? true : undefined} onChange={(e) => field("size")(e.target.value)} />
        </label>
        <label className="kx-field">
          Key
          <input className="kx-input mono" value={form.key} spellCheck={false}
            aria-invalid={problem?.startsWith("Key") ? true : undefined} onChange={(e) => field("key")(e.target.value)} />
        </label>
        <button type="submit" className="btn small" disabled={busy}>Add trap</button>
      </form>
      {problem && <p className="kx-trap-error" role="alert" data-testid="trap-error">{problem}</p>}
      {traps.length > 0 && (
        <table className="data kx-table" aria-label="Your traps">
          <thead>
            <tr><th scope="col">Kind</th><th scope="col">Address</th><th scope="col">Size</th><th scope="col">Key</th><th scope="col">On this guest</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {traps.map((t, i) => (
              <tr key={`${t.kind}${t.addr}${t.key}`}>
                <td><span className={`badge kind-${t.kind}`}>{t.kind}</span></td>
                <td className="mono">{addrHex(t.addr)}</td>
                <td className="mono">{formatSize(t.size)}</td>
                <td className="mono">{t.key.toString()}</td>
                <td>{guestHasTrap(guestTraps, t) ? "set" : <span className="muted">at the next load or reset</span>}</td>
                <td className="kx-actions">
                  <button type="button" className="btn small" aria-label={`Remove trap ${trapLabel(t)}`}
                    title="Remove from the link and from the next load or reset (Zircon cannot remove a trap from a running guest)"
                    onClick={() => remove(i)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {stillSet.length > 0 && (
        <p className="kx-hint" role="status" data-testid="removed-traps">
          Removed, but still set on this guest until the next load or reset (Zircon has no call that removes a
          trap): {stillSet.map(trapLabel).join("; ")}.
        </p>
      )}
    </section>
  );
}
