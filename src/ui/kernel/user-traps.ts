/**
 * The Address space panel's "Add trap" form, as pure functions (user-traps.test.ts): what the user
 * typed → a UserTrap, or a readable reason. Only the typing is checked here; the kernel judges the
 * range (page alignment, overlap with RAM's neighbours and the VMM's devices) when the worker sets
 * the trap, and its status comes back by name.
 */
import type { TrapView, UserTrap } from "../../../workers/api";
import { GUEST_PHYSICAL_LIMIT } from "../../share/recipe";
import { addrHex, formatSize } from "./address-map";
import { parseUnsigned, type Parsed } from "./parse";

export interface TrapForm {
  kind: UserTrap["kind"];
  addr: string;
  size: string;
  key: string;
}

/** The form's starting values: one page, key 1, no address yet. */
export const EMPTY_TRAP_FORM: TrapForm = { kind: "mem", addr: "", size: "0x1000", key: "1" };

/** The trap the form describes, or the first field at fault and why ("Address: required"). */
export function parseTrapForm(form: TrapForm): Parsed<UserTrap> {
  if (form.kind !== "mem" && form.kind !== "bell") return { ok: false, error: "Kind: MEM or BELL" };
  // Addresses and sizes stay below 2^48 (the guest-physical space), so they are exact as numbers.
  const limit = BigInt(GUEST_PHYSICAL_LIMIT);
  const addr = parseUnsigned(form.addr, limit - 1n);
  if (!addr.ok) return { ok: false, error: `Address: ${addr.error}` };
  const size = parseUnsigned(form.size, limit);
  if (!size.ok) return { ok: false, error: `Size: ${size.error}` };
  const key = parseUnsigned(form.key);
  if (!key.ok) return { ok: false, error: `Key: ${key.error}` };
  return { ok: true, value: { kind: form.kind, addr: Number(addr.value), size: Number(size.value), key: key.value } };
}

/** "MEM 0xd0000000, 4 KiB, key 7". */
export function trapLabel(trap: UserTrap): string {
  return `${trap.kind.toUpperCase()} ${addrHex(trap.addr)}, ${formatSize(trap.size)}, key ${trap.key}`;
}

/** Whether the guest described has this trap (the worker's TrapView of it). */
export function guestHasTrap(traps: readonly TrapView[], trap: UserTrap): boolean {
  return traps.some((t) => t.kind === trap.kind && t.addr === trap.addr && t.len === trap.size && t.key === trap.key);
}

export function sameTrap(a: UserTrap, b: UserTrap): boolean {
  return a.kind === b.kind && a.addr === b.addr && a.size === b.size && a.key === b.key;
}
