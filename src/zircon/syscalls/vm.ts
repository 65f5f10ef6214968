/** VMO and VMAR syscalls (`lib/syscalls/vmo.cc`, `vmar.cc`; zircon-hypervisor.md §1.9). */
import {
  ZX_HANDLE_INVALID,
  ZX_OBJ_TYPE_VMAR,
  ZX_OBJ_TYPE_VMO,
  ZX_RSRC_KIND_VMEX,
  ZX_VM_CAN_MAP_EXECUTE,
  ZX_VM_CAN_MAP_READ,
  ZX_VM_CAN_MAP_WRITE,
} from "../constants";
import type { VmarObject } from "../objects/vmar";
import { VmoObject } from "../objects/vmo";
import { ZX_DEFAULT_VMO_RIGHTS, ZX_RIGHT_EXECUTE, ZX_RIGHT_MAP, ZX_RIGHT_NONE, ZX_RIGHT_READ, ZX_RIGHT_WRITE } from "../rights";
import { ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_HANDLE, ZX_ERR_INVALID_ARGS, ZX_ERR_NO_MEMORY, ZX_ERR_WRONG_TYPE, ZX_OK } from "../status";
import { isBytes, u32, u64 } from "./args";
import type { SyscallContext } from "./context";
import { validateResource } from "./hypervisor";

export function zx_vmo_create(t: SyscallContext, size: unknown, options: unknown) {
  const s = u64(size), o = u32(options);
  if (s === undefined || o === undefined) return { status: ZX_ERR_INVALID_ARGS, out: ZX_HANDLE_INVALID };
  const vmo = VmoObject.create(t.kernel, s, o);
  if (typeof vmo === "number") return { status: vmo, out: ZX_HANDLE_INVALID };
  const out = t.handles.add(vmo, ZX_DEFAULT_VMO_RIGHTS);
  if (out) return { status: ZX_OK, out };
  vmo.onZeroHandles(); // the handle table is full: the VMO never had a handle
  return { status: ZX_ERR_NO_MEMORY, out: ZX_HANDLE_INVALID };
}

export function zx_vmo_read(t: SyscallContext, handle: unknown, buffer: unknown, offset: unknown): number {
  const vmo = t.handles.getWithRights<VmoObject>(handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_READ);
  if (typeof vmo === "number") return vmo;
  const off = u64(offset);
  if (!isBytes(buffer) || off === undefined) return ZX_ERR_INVALID_ARGS;
  return vmo.read(buffer, off);
}

export function zx_vmo_write(t: SyscallContext, handle: unknown, buffer: unknown, offset: unknown): number {
  const vmo = t.handles.getWithRights<VmoObject>(handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_WRITE);
  if (typeof vmo === "number") return vmo;
  const off = u64(offset);
  if (!isBytes(buffer) || off === undefined) return ZX_ERR_INVALID_ARGS;
  return vmo.write(buffer, off);
}

export function zx_vmo_get_size(t: SyscallContext, handle: unknown) {
  const vmo = t.handles.getWithRights<VmoObject>(handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_NONE);
  if (typeof vmo === "number") return { status: vmo, size: 0n };
  return { status: ZX_OK, size: BigInt(vmo.size) };
}

/** zx_vmo_set_cache_policy: needs ZX_RIGHT_MAP; BAD_STATE while the VMO is mapped anywhere. */
export function zx_vmo_set_cache_policy(t: SyscallContext, handle: unknown, cache_policy: unknown): number {
  const vmo = t.handles.getWithRights<VmoObject>(handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_MAP);
  if (typeof vmo === "number") return vmo;
  const policy = u32(cache_policy);
  if (policy === undefined) return ZX_ERR_INVALID_ARGS;
  return vmo.setCachePolicy(policy);
}

/**
 * sys_vmo_replace_as_executable: the VMO handle is consumed whatever happens; the new one has its
 * rights plus EXECUTE. E2 accepted ZX_HANDLE_INVALID for `vmex` (ambient policy), as does the playground.
 */
export function zx_vmo_replace_as_executable(t: SyscallContext, handle: unknown, vmex: unknown) {
  const fail = (status: number) => ({ status, out: ZX_HANDLE_INVALID });
  const vmexStatus = vmex === ZX_HANDLE_INVALID ? ZX_OK : validateResource(t, vmex, ZX_RSRC_KIND_VMEX);
  const source = t.handles.lookup(handle);
  if (!source) return fail(ZX_ERR_BAD_HANDLE);
  const status = vmexStatus !== ZX_OK ? vmexStatus : source.object.type !== ZX_OBJ_TYPE_VMO ? ZX_ERR_WRONG_TYPE : ZX_OK;
  // Install the new handle before removing the old one, so the VMO cannot die in between (Zircon
  // holds the dispatcher through the removed handle while it makes the new one).
  const out = status === ZX_OK ? t.handles.add(source.object, source.rights | ZX_RIGHT_EXECUTE) : 0;
  t.handles.remove(handle);
  if (status !== ZX_OK) return fail(status);
  return out ? { status: ZX_OK, out } : fail(ZX_ERR_NO_MEMORY);
}

export function zx_vmar_map(t: SyscallContext, vmar: unknown, options: unknown, vmar_offset: unknown, vmo: unknown,
  vmo_offset: unknown, len: unknown) {
  const fail = (status: number) => ({ status, mapped_addr: 0n });
  const v = t.handles.lookup(vmar);
  if (!v) return fail(ZX_ERR_BAD_HANDLE);
  if (v.object.type !== ZX_OBJ_TYPE_VMAR) return fail(ZX_ERR_WRONG_TYPE);
  const m = t.handles.lookup(vmo);
  if (!m) return fail(ZX_ERR_BAD_HANDLE);
  if (m.object.type !== ZX_OBJ_TYPE_VMO) return fail(ZX_ERR_WRONG_TYPE);
  const o = u32(options), vo = u64(vmar_offset), mo = u64(vmo_offset), l = u64(len);
  if (o === undefined || vo === undefined || mo === undefined || l === undefined) return fail(ZX_ERR_INVALID_ARGS);
  const r = (v.object as VmarObject).map(o, vo, m.object as VmoObject, m.rights, mo, l, v.rights);
  return r.status === ZX_OK ? { status: ZX_OK, mapped_addr: BigInt(r.addr!) } : fail(r.status);
}

/** Converts an address/length pair to numbers, or undefined when either is not below 2^53. */
function range(addr: unknown, len: unknown): [number, number] | undefined {
  const a = u64(addr), l = u64(len);
  if (a === undefined || l === undefined || a + l > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return [Number(a), Number(l)];
}

export function zx_vmar_unmap(t: SyscallContext, handle: unknown, addr: unknown, len: unknown): number {
  const vmar = t.handles.getWithRights<VmarObject>(handle, ZX_OBJ_TYPE_VMAR, ZX_RIGHT_NONE);
  if (typeof vmar === "number") return vmar;
  const r = range(addr, len);
  if (!r) return ZX_ERR_INVALID_ARGS;
  return vmar.unmap(r[0], r[1], false);
}

export function zx_vmar_protect(t: SyscallContext, handle: unknown, options: unknown, addr: unknown, len: unknown): number {
  const v = t.handles.lookup(handle);
  if (!v) return ZX_ERR_BAD_HANDLE;
  if (v.object.type !== ZX_OBJ_TYPE_VMAR) return ZX_ERR_WRONG_TYPE;
  const o = u32(options);
  const r = range(addr, len);
  if (o === undefined || !r) return ZX_ERR_INVALID_ARGS;
  return (v.object as VmarObject).protect(o, r[0], r[1], v.rights);
}

/** zx_vmar_allocate: the child handle keeps the parent's rights, minus READ/WRITE/EXECUTE it may not map. */
export function zx_vmar_allocate(t: SyscallContext, parent_vmar: unknown, options: unknown, offset: unknown, size: unknown) {
  const fail = (status: number) => ({ status, child_vmar: ZX_HANDLE_INVALID, child_addr: 0n });
  const p = t.handles.lookup(parent_vmar);
  if (!p) return fail(ZX_ERR_BAD_HANDLE);
  if (p.object.type !== ZX_OBJ_TYPE_VMAR) return fail(ZX_ERR_WRONG_TYPE);
  const o = u32(options), off = u64(offset), s = u64(size);
  if (o === undefined || off === undefined || s === undefined) return fail(ZX_ERR_INVALID_ARGS);
  if ((o & ZX_VM_CAN_MAP_READ && !(p.rights & ZX_RIGHT_READ)) || (o & ZX_VM_CAN_MAP_WRITE && !(p.rights & ZX_RIGHT_WRITE)) ||
      (o & ZX_VM_CAN_MAP_EXECUTE && !(p.rights & ZX_RIGHT_EXECUTE))) return fail(ZX_ERR_ACCESS_DENIED);
  const r = (p.object as VmarObject).allocate(o, off, s);
  if (r.status !== ZX_OK) return fail(r.status);
  let rights = p.rights;
  if (!(o & ZX_VM_CAN_MAP_READ)) rights &= ~ZX_RIGHT_READ;
  if (!(o & ZX_VM_CAN_MAP_WRITE)) rights &= ~ZX_RIGHT_WRITE;
  if (!(o & ZX_VM_CAN_MAP_EXECUTE)) rights &= ~ZX_RIGHT_EXECUTE;
  const child_vmar = t.handles.add(r.child!, rights);
  if (!child_vmar) {
    // The handle table is full: as sys_vmar_allocate's cleanup, the new VMAR is destroyed.
    r.child!.destroy();
    r.child!.onZeroHandles();
    return fail(ZX_ERR_NO_MEMORY);
  }
  return { status: ZX_OK, child_vmar, child_addr: BigInt(r.child!.base) };
}

