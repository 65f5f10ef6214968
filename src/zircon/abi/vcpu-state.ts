/**
 * zx_vcpu_state_t (x86-64, 136 bytes) and zx_vcpu_io_t (8 bytes): zircon-hypervisor.md §3.1–3.2,
 * `zircon/syscalls/hypervisor.h`. Little-endian, natural alignment.
 */

/** Register order = x86 ModRM numbering (rax = 0 … r15 = 15), then rflags. */
export const VCPU_STATE_FIELDS = [
  "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rflags",
] as const;
export type VcpuStateField = (typeof VCPU_STATE_FIELDS)[number];

/** zx_vcpu_state_t with bigint fields. */
export type zx_vcpu_state_t = Record<VcpuStateField, bigint>;
/** What encodeVcpuState accepts: any field may be a number or bigint; missing fields are 0. */
export type VcpuStateInput = Partial<Record<VcpuStateField, number | bigint>>;

export const ZX_VCPU_STATE_SIZE = 136;
export const ZX_VCPU_IO_SIZE = 8;

const MASK64 = (1n << 64n) - 1n;
function u64(v: number | bigint | undefined): bigint {
  if (v === undefined) return 0n;
  return BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v))) & MASK64;
}

export function encodeVcpuState(state: VcpuStateInput, out: Uint8Array = new Uint8Array(ZX_VCPU_STATE_SIZE)): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < VCPU_STATE_FIELDS.length; i++) dv.setBigUint64(i * 8, u64(state[VCPU_STATE_FIELDS[i]]), true);
  return out;
}

export function decodeVcpuState(bytes: Uint8Array): zx_vcpu_state_t {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state = {} as zx_vcpu_state_t;
  for (let i = 0; i < VCPU_STATE_FIELDS.length; i++) state[VCPU_STATE_FIELDS[i]] = dv.getBigUint64(i * 8, true);
  return state;
}

/** zx_vcpu_io_t: access_size @0, padding1[3], then a 4-byte union (u8 / u16 / u32 / data[4]). */
export interface zx_vcpu_io_t {
  access_size: number;
  u8: number;
  u16: number;
  u32: number;
  data: Uint8Array;
}
export type VcpuIoInput = { access_size: number; u8?: number; u16?: number; u32?: number; data?: ArrayLike<number> };

export function encodeVcpuIo(io: VcpuIoInput, out: Uint8Array = new Uint8Array(ZX_VCPU_IO_SIZE)): Uint8Array {
  out.fill(0);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint8(0, io.access_size & 0xff);
  if (io.data !== undefined) for (let i = 0; i < 4 && i < io.data.length; i++) out[4 + i] = io.data[i] & 0xff;
  else if (io.u32 !== undefined) dv.setUint32(4, io.u32 >>> 0, true);
  else if (io.u16 !== undefined) dv.setUint16(4, io.u16 & 0xffff, true);
  else if (io.u8 !== undefined) dv.setUint8(4, io.u8 & 0xff);
  return out;
}

export function decodeVcpuIo(bytes: Uint8Array): zx_vcpu_io_t {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    access_size: dv.getUint8(0),
    u8: dv.getUint8(4),
    u16: dv.getUint16(4, true),
    u32: dv.getUint32(4, true),
    data: bytes.slice(4, 8),
  };
}
