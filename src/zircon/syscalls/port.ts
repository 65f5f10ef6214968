/** Port syscalls (`lib/syscalls/port.cc`; zircon-hypervisor.md §1.9). */
import { ZX_HANDLE_INVALID, ZX_OBJ_TYPE_PORT, ZX_PORT_BIND_TO_INTERRUPT, ZX_TIME_INFINITE } from "../constants";
import { PortObject, type PortWaitResult } from "../objects/port";
import { emptyPacket } from "../objects/vcpu";
import { ZX_DEFAULT_PORT_RIGHTS, ZX_RIGHT_READ, ZX_RIGHT_WAIT, ZX_RIGHT_WRITE } from "../rights";
import { ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_HANDLE, ZX_ERR_INVALID_ARGS, ZX_ERR_NO_MEMORY, ZX_ERR_NOT_FOUND, ZX_ERR_NOT_SUPPORTED, ZX_OK } from "../status";
import { decodePortPacket, encodePortPacket, ZX_PORT_PACKET_SIZE, type PortPacketInput } from "../abi/port-packet";
import { i64, isBytes, u32, u64 } from "./args";
import type { SyscallContext } from "./context";

export function zx_port_create(t: SyscallContext, options: unknown) {
  const o = u32(options);
  if (o === undefined || (o & ~ZX_PORT_BIND_TO_INTERRUPT) !== 0) return { status: ZX_ERR_INVALID_ARGS, out: ZX_HANDLE_INVALID };
  const port = new PortObject(t.kernel, o);
  const out = t.handles.add(port, ZX_DEFAULT_PORT_RIGHTS);
  if (out) return { status: ZX_OK, out };
  port.onZeroHandles(); // the handle table is full: the port never had a handle
  return { status: ZX_ERR_NO_MEMORY, out: ZX_HANDLE_INVALID };
}

/** `packet`: a zx_port_packet_t as a plain object, or its 48 bytes. */
export function zx_port_queue(t: SyscallContext, handle: unknown, packet: unknown): number {
  const port = t.handles.getWithRights<PortObject>(handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE);
  if (typeof port === "number") return port;
  let bytes: Uint8Array;
  try {
    if (isBytes(packet)) {
      if (packet.length !== ZX_PORT_PACKET_SIZE) return ZX_ERR_INVALID_ARGS;
      bytes = packet;
    } else if (typeof packet === "object" && packet !== null) {
      bytes = encodePortPacket({ ...(packet as PortPacketInput), type: 0, signal: undefined, guest_bell: undefined, guest_io: undefined, guest_mem: undefined, guest_vcpu: undefined });
    } else {
      return ZX_ERR_INVALID_ARGS;
    }
  } catch {
    return ZX_ERR_INVALID_ARGS; // a malformed object (e.g. a string where a number belongs)
  }
  // The kernel forces type = ZX_PKT_TYPE_USER; decode as a user packet.
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(8, 0, true);
  return port.queueUser(decodePortPacket(copy));
}

export function zx_port_wait(t: SyscallContext, handle: unknown, deadline: unknown): Promise<PortWaitResult> {
  const port = t.handles.getWithRights<PortObject>(handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_READ);
  if (typeof port === "number") return Promise.resolve({ status: port, packet: emptyPacket() });
  const d = i64(deadline);
  if (d === undefined) return Promise.resolve({ status: ZX_ERR_INVALID_ARGS, packet: emptyPacket() });
  return port.wait(d >= ZX_TIME_INFINITE ? Infinity : Number(d));
}

/**
 * zx_port_cancel (`lib/syscalls/port.cc`): end the zx_object_wait_async calls made through `source`
 * with `key` on this port and drop their queued packets. The port needs ZX_RIGHT_WRITE; `source`
 * needs ZX_RIGHT_WAIT (port_cancel.md says WRITE; the kernel checks WAIT). NOT_FOUND when there was
 * neither a pending wait nor a queued packet.
 */
export function zx_port_cancel(t: SyscallContext, handle: unknown, source: unknown, key: unknown): number {
  const port = t.handles.getWithRights<PortObject>(handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE);
  if (typeof port === "number") return port;
  const watched = t.handles.lookup(source);
  if (!watched) return ZX_ERR_BAD_HANDLE;
  if ((watched.rights & ZX_RIGHT_WAIT) === 0) return ZX_ERR_ACCESS_DENIED;
  if (!watched.object.waitable) return ZX_ERR_NOT_SUPPORTED;
  const k = u64(key);
  if (k === undefined) return ZX_ERR_INVALID_ARGS;
  const hadObserver = watched.object.cancelByKey(t.handles, source as number, port, k);
  const packetRemoved = port.cancelQueued(t.handles, source as number, k);
  return hadObserver || packetRemoved ? ZX_OK : ZX_ERR_NOT_FOUND;
}
