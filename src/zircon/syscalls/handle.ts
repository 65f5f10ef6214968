/** Handle and object syscalls (`lib/syscalls/handle_ops.cc`, `object.cc`). */
import {
  ZX_HANDLE_INVALID,
  ZX_INFO_HANDLE_BASIC,
  ZX_INFO_HANDLE_VALID,
  ZX_INFO_VCPU,
  ZX_INFO_VCPU_FLAG_KICKED,
  ZX_INFO_VMAR,
  ZX_OBJ_PROP_NONE,
  ZX_OBJ_PROP_WAITABLE,
  ZX_OBJ_TYPE_VCPU,
  ZX_OBJ_TYPE_VMAR,
} from "../constants";
import type { VcpuObject } from "../objects/vcpu";
import type { VmarObject } from "../objects/vmar";
import { ZX_RIGHT_DUPLICATE, ZX_RIGHT_INSPECT, ZX_RIGHT_SAME_RIGHTS, ZX_RIGHT_WAIT } from "../rights";
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_BUFFER_TOO_SMALL,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NO_MEMORY,
  ZX_ERR_NOT_SUPPORTED,
  ZX_OK,
} from "../status";
import { encodeInfoHandleBasic, encodeInfoVcpu, encodeInfoVmar, ZX_INFO_HANDLE_BASIC_SIZE, ZX_INFO_VCPU_SIZE, ZX_INFO_VMAR_SIZE } from "../abi/info";
import { isBytes, u32 } from "./args";
import type { SyscallContext } from "./context";

export function zx_handle_close(t: SyscallContext, handle: unknown): number {
  if (handle === ZX_HANDLE_INVALID) return ZX_OK;
  return t.handles.remove(handle) ? ZX_OK : ZX_ERR_BAD_HANDLE;
}

/** `rights` must be ZX_RIGHT_SAME_RIGHTS or a subset of the handle's rights. */
function newRights(current: number, requested: number | undefined): number | undefined {
  if (requested === undefined) return undefined;
  if (requested === ZX_RIGHT_SAME_RIGHTS) return current;
  return (requested & ~current) === 0 ? requested : undefined;
}

export function zx_handle_duplicate(t: SyscallContext, handle: unknown, rights: unknown) {
  const fail = (status: number) => ({ status, out: ZX_HANDLE_INVALID });
  const src = t.handles.lookup(handle);
  if (!src) return fail(ZX_ERR_BAD_HANDLE);
  if (!(src.rights & ZX_RIGHT_DUPLICATE)) return fail(ZX_ERR_ACCESS_DENIED);
  const r = newRights(src.rights, u32(rights));
  if (r === undefined) return fail(ZX_ERR_INVALID_ARGS);
  const out = t.handles.add(src.object, r);
  return out ? { status: ZX_OK, out } : fail(ZX_ERR_NO_MEMORY);
}

/** The original handle is invalidated even when the call fails. */
export function zx_handle_replace(t: SyscallContext, handle: unknown, rights: unknown) {
  const fail = (status: number) => ({ status, out: ZX_HANDLE_INVALID });
  const src = t.handles.lookup(handle);
  if (!src) return fail(ZX_ERR_BAD_HANDLE);
  const r = newRights(src.rights, u32(rights));
  // Install the new handle before removing the old one, so the object cannot die in between.
  const out = r === undefined ? 0 : t.handles.add(src.object, r);
  t.handles.remove(handle);
  if (r === undefined) return fail(ZX_ERR_INVALID_ARGS);
  return out ? { status: ZX_OK, out } : fail(ZX_ERR_NO_MEMORY);
}

/** zx_object_get_info → { status, actual, avail } (records written / available). */
export function zx_object_get_info(t: SyscallContext, handle: unknown, topic: unknown, buffer?: unknown) {
  const result = (status: number, actual = 0, avail = 0) => ({ status, actual, avail });
  const tp = u32(topic);
  const entry = t.handles.lookup(handle);
  if (tp === ZX_INFO_HANDLE_VALID) return result(entry ? ZX_OK : ZX_ERR_BAD_HANDLE);
  if (!entry) return result(ZX_ERR_BAD_HANDLE);
  const buf = buffer === undefined ? new Uint8Array(0) : buffer;
  if (!isBytes(buf)) return result(ZX_ERR_INVALID_ARGS);
  const { object, rights } = entry;
  const single = (size: number, write: (b: Uint8Array) => void) => {
    if (buf.length < size) return result(ZX_ERR_BUFFER_TOO_SMALL, 0, 1);
    write(buf);
    return result(ZX_OK, 1, 1);
  };
  switch (tp) {
    case ZX_INFO_HANDLE_BASIC:
      return single(ZX_INFO_HANDLE_BASIC_SIZE, (b) => encodeInfoHandleBasic({
        koid: object.koid,
        rights,
        type: object.type,
        related_koid: object.relatedKoid,
        props: rights & ZX_RIGHT_WAIT ? ZX_OBJ_PROP_WAITABLE : ZX_OBJ_PROP_NONE,
      }, b));
    case ZX_INFO_VMAR: {
      const vmar = t.handles.getWithRights<VmarObject>(handle, ZX_OBJ_TYPE_VMAR, ZX_RIGHT_INSPECT);
      if (typeof vmar === "number") return result(vmar);
      return single(ZX_INFO_VMAR_SIZE, (b) => encodeInfoVmar({ base: BigInt(vmar.base), len: BigInt(vmar.size) }, b));
    }
    case ZX_INFO_VCPU: {
      const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_INSPECT);
      if (typeof vcpu === "number") return result(vcpu);
      return single(ZX_INFO_VCPU_SIZE, (b) => encodeInfoVcpu({ flags: vcpu.kicked ? ZX_INFO_VCPU_FLAG_KICKED : 0 }, b));
    }
    default:
      return result(tp === undefined ? ZX_ERR_INVALID_ARGS : ZX_ERR_NOT_SUPPORTED);
  }
}
