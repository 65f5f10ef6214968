/**
 * Signals from user space (`lib/syscalls/object_wait.cc`, `object.cc`; docs/reference/syscalls/
 * object_wait_async.md, object_signal.md). Real Zircon calls outside the hypervisor list.
 *
 * zx_object_wait_async follows the 2020 kernel: options 0 (one packet, then the wait is over — the
 * ONCE semantics; ZX_WAIT_ASYNC_REPEATING of 2018–19 is gone) or ZX_WAIT_ASYNC_TIMESTAMP; anything
 * else is ZX_ERR_INVALID_ARGS before any handle is looked at. Then the port (BAD_HANDLE, WRONG_TYPE,
 * ACCESS_DENIED without ZX_RIGHT_WRITE), then the object (BAD_HANDLE, ACCESS_DENIED without
 * ZX_RIGHT_WAIT), then NOT_SUPPORTED if the object cannot be waited on.
 */
import { ZX_OBJ_TYPE_PORT, ZX_USER_SIGNAL_ALL, ZX_WAIT_ASYNC_TIMESTAMP } from "../constants";
import type { PortObject } from "../objects/port";
import { ZX_RIGHT_SIGNAL, ZX_RIGHT_WAIT, ZX_RIGHT_WRITE } from "../rights";
import { ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_HANDLE, ZX_ERR_INVALID_ARGS, ZX_ERR_NOT_SUPPORTED, ZX_OK } from "../status";
import { u32, u64 } from "./args";
import type { SyscallContext } from "./context";

export function zx_object_wait_async(t: SyscallContext, handle: unknown, port: unknown, key: unknown, signals: unknown, options: unknown): number {
  const o = u32(options);
  if (o === undefined || (o !== 0 && o !== ZX_WAIT_ASYNC_TIMESTAMP)) return ZX_ERR_INVALID_ARGS;
  const p = t.handles.getWithRights<PortObject>(port, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE);
  if (typeof p === "number") return p;
  const entry = t.handles.lookup(handle);
  if (!entry) return ZX_ERR_BAD_HANDLE;
  if ((entry.rights & ZX_RIGHT_WAIT) === 0) return ZX_ERR_ACCESS_DENIED;
  const k = u64(key);
  const s = u32(signals);
  if (k === undefined || s === undefined) return ZX_ERR_INVALID_ARGS;
  return p.makeObserver(entry.object, t.handles, handle as number, k, s, o);
}

/**
 * zx_object_signal: ZX_RIGHT_SIGNAL on any object type; an object that cannot be waited on is
 * NOT_SUPPORTED; only the user signals (bits 24–31) may be set or cleared (the objects here have no
 * extra user-settable signals, as events would).
 */
export function zx_object_signal(t: SyscallContext, handle: unknown, clear_mask: unknown, set_mask: unknown): number {
  const entry = t.handles.lookup(handle);
  if (!entry) return ZX_ERR_BAD_HANDLE;
  if ((entry.rights & ZX_RIGHT_SIGNAL) === 0) return ZX_ERR_ACCESS_DENIED;
  if (!entry.object.waitable) return ZX_ERR_NOT_SUPPORTED;
  const clear = u32(clear_mask);
  const set = u32(set_mask);
  if (clear === undefined || set === undefined) return ZX_ERR_INVALID_ARGS;
  if ((clear & ~ZX_USER_SIGNAL_ALL) !== 0 || (set & ~ZX_USER_SIGNAL_ALL) !== 0) return ZX_ERR_INVALID_ARGS;
  entry.object.updateSignals(clear, set);
  return ZX_OK;
}
