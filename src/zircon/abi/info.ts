/**
 * Structs of zx_object_get_info (`zircon/syscalls/object.h`): zircon-hypervisor.md §1.9, §3.8.
 */

/** zx_info_handle_basic_t: koid u64 @0, rights u32 @8, type u32 @12, related_koid u64 @16, props u32 @24, pad → 32 B. */
export interface zx_info_handle_basic_t {
  koid: bigint;
  rights: number;
  type: number;
  related_koid: bigint;
  props: number;
}
export const ZX_INFO_HANDLE_BASIC_SIZE = 32;

export function encodeInfoHandleBasic(v: zx_info_handle_basic_t, out: Uint8Array = new Uint8Array(ZX_INFO_HANDLE_BASIC_SIZE)): Uint8Array {
  out.fill(0, 0, ZX_INFO_HANDLE_BASIC_SIZE);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setBigUint64(0, v.koid, true);
  dv.setUint32(8, v.rights >>> 0, true);
  dv.setUint32(12, v.type >>> 0, true);
  dv.setBigUint64(16, v.related_koid, true);
  dv.setUint32(24, v.props >>> 0, true);
  return out;
}
export function decodeInfoHandleBasic(b: Uint8Array): zx_info_handle_basic_t {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    koid: dv.getBigUint64(0, true),
    rights: dv.getUint32(8, true),
    type: dv.getUint32(12, true),
    related_koid: dv.getBigUint64(16, true),
    props: dv.getUint32(24, true),
  };
}

/** zx_info_vmar_t: base (uintptr_t) @0, len (size_t) @8 → 16 B. */
export interface zx_info_vmar_t {
  base: bigint;
  len: bigint;
}
export const ZX_INFO_VMAR_SIZE = 16;
export function encodeInfoVmar(v: zx_info_vmar_t, out: Uint8Array = new Uint8Array(ZX_INFO_VMAR_SIZE)): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setBigUint64(0, v.base, true);
  dv.setBigUint64(8, v.len, true);
  return out;
}
export function decodeInfoVmar(b: Uint8Array): zx_info_vmar_t {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { base: dv.getBigUint64(0, true), len: dv.getBigUint64(8, true) };
}

/** zx_info_vcpu_t (E3): flags u32 → 4 B. */
export interface zx_info_vcpu_t {
  flags: number;
}
export const ZX_INFO_VCPU_SIZE = 4;
export function encodeInfoVcpu(v: zx_info_vcpu_t, out: Uint8Array = new Uint8Array(ZX_INFO_VCPU_SIZE)): Uint8Array {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(0, v.flags >>> 0, true);
  return out;
}
export function decodeInfoVcpu(b: Uint8Array): zx_info_vcpu_t {
  return { flags: new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true) };
}
