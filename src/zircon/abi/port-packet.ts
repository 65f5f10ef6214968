/**
 * zx_port_packet_t (48 bytes) with the E2 union layouts: zircon-hypervisor.md §3.3–3.7,
 * `zircon/syscalls/port.h` (2019–2020). The union member is chosen by `type`.
 */
import {
  ZX_PKT_GUEST_VCPU_INTERRUPT,
  ZX_PKT_GUEST_VCPU_STARTUP,
  ZX_PKT_TYPE_GUEST_BELL,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_PKT_TYPE_GUEST_VCPU,
  ZX_PKT_TYPE_SIGNAL_ONE,
  ZX_PKT_TYPE_USER,
} from "../constants";

export const ZX_PORT_PACKET_SIZE = 48;
/** Offset of the 32-byte union inside zx_port_packet_t. */
const U = 16;

/** zx_packet_user_t: one 32-byte payload seen as u64[4] / u32[8] / u16[16] / u8[32]. */
export interface zx_packet_user_t {
  u64: bigint[];
  u32: number[];
  u16: number[];
  u8: Uint8Array;
}
/**
 * zx_packet_signal_t (ZX_PKT_TYPE_SIGNAL_ONE, from zx_object_wait_async): trigger u32 @16,
 * observed u32 @20, count u64 @24, timestamp u64 @32 (2019 headers: reserved0; 0 unless the wait
 * used ZX_WAIT_ASYNC_TIMESTAMP), reserved1 u64 @40.
 */
export interface zx_packet_signal_t {
  /** The `signals` argument of zx_object_wait_async. */
  trigger: number;
  /** Every signal asserted on the object when the packet was queued (not only the triggers). */
  observed: number;
  /** Per-object count of pending operations: 1 for every object the playground has. */
  count: bigint;
  /** Clock-monotonic ns of the trigger with ZX_WAIT_ASYNC_TIMESTAMP, else 0. */
  timestamp: bigint;
  reserved1: bigint;
}
/** zx_packet_guest_bell_t: addr = exact guest-physical address written. */
export interface zx_packet_guest_bell_t {
  addr: bigint;
}
/** E2 x86 zx_packet_guest_mem_t: addr, inst_len, inst_buf[15], default_operand_size. */
export interface zx_packet_guest_mem_t {
  addr: bigint;
  inst_len: number;
  inst_buf: Uint8Array;
  default_operand_size: number;
}
/** zx_packet_guest_io_t: for `out`, data = low access_size bytes of RAX; for `in`, 0. */
export interface zx_packet_guest_io_t {
  port: number;
  access_size: number;
  input: boolean;
  u8: number;
  u16: number;
  u32: number;
  data: Uint8Array;
}
/** E2 zx_packet_guest_vcpu_t: the union first (16 bytes), then `type` (u8) at 16. */
export interface zx_packet_guest_vcpu_t {
  type: number;
  interrupt?: { mask: bigint; vector: number };
  startup?: { id: bigint; entry: bigint };
}

export interface zx_port_packet_t {
  key: bigint;
  type: number;
  status: number;
  user?: zx_packet_user_t;
  signal?: zx_packet_signal_t;
  guest_bell?: zx_packet_guest_bell_t;
  guest_mem?: zx_packet_guest_mem_t;
  guest_io?: zx_packet_guest_io_t;
  guest_vcpu?: zx_packet_guest_vcpu_t;
}

/** What encodePortPacket accepts: numbers or bigints, union members partially filled. */
export interface PortPacketInput {
  key?: number | bigint;
  type?: number;
  status?: number;
  user?: { u64?: ArrayLike<number | bigint>; u32?: ArrayLike<number>; u16?: ArrayLike<number>; u8?: ArrayLike<number> };
  signal?: { trigger: number; observed: number; count?: number | bigint; timestamp?: number | bigint; reserved1?: number | bigint };
  guest_bell?: { addr: number | bigint };
  guest_mem?: { addr: number | bigint; inst_len?: number; inst_buf?: ArrayLike<number>; default_operand_size?: number };
  guest_io?: { port: number; access_size: number; input: boolean; u8?: number; u16?: number; u32?: number; data?: ArrayLike<number> };
  guest_vcpu?: { type: number; interrupt?: { mask: number | bigint; vector: number }; startup?: { id: number | bigint; entry: number | bigint } };
}

const big = (v: number | bigint | undefined): bigint =>
  v === undefined ? 0n : BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v)));

export function encodePortPacket(p: PortPacketInput, out: Uint8Array = new Uint8Array(ZX_PORT_PACKET_SIZE)): Uint8Array {
  out.fill(0);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setBigUint64(0, big(p.key), true);
  dv.setUint32(8, (p.type ?? 0) >>> 0, true);
  dv.setInt32(12, (p.status ?? 0) | 0, true);
  if (p.user) {
    const u = p.user;
    if (u.u8) for (let i = 0; i < 32 && i < u.u8.length; i++) dv.setUint8(U + i, u.u8[i] & 0xff);
    else if (u.u16) for (let i = 0; i < 16 && i < u.u16.length; i++) dv.setUint16(U + 2 * i, u.u16[i] & 0xffff, true);
    else if (u.u32) for (let i = 0; i < 8 && i < u.u32.length; i++) dv.setUint32(U + 4 * i, u.u32[i] >>> 0, true);
    else if (u.u64) for (let i = 0; i < 4 && i < u.u64.length; i++) dv.setBigUint64(U + 8 * i, big(u.u64[i]), true);
  } else if (p.signal) {
    const sg = p.signal;
    dv.setUint32(U, sg.trigger >>> 0, true);
    dv.setUint32(U + 4, sg.observed >>> 0, true);
    dv.setBigUint64(U + 8, big(sg.count), true);
    dv.setBigUint64(U + 16, big(sg.timestamp), true);
    dv.setBigUint64(U + 24, big(sg.reserved1), true);
  } else if (p.guest_bell) {
    dv.setBigUint64(U, big(p.guest_bell.addr), true);
  } else if (p.guest_mem) {
    const m = p.guest_mem;
    dv.setBigUint64(U, big(m.addr), true);
    dv.setUint8(U + 8, (m.inst_len ?? 0) & 0xff);
    if (m.inst_buf) for (let i = 0; i < 15 && i < m.inst_buf.length; i++) dv.setUint8(U + 9 + i, m.inst_buf[i] & 0xff);
    dv.setUint8(U + 24, (m.default_operand_size ?? 0) & 0xff);
  } else if (p.guest_io) {
    const io = p.guest_io;
    dv.setUint16(U, io.port & 0xffff, true);
    dv.setUint8(U + 2, io.access_size & 0xff);
    dv.setUint8(U + 3, io.input ? 1 : 0);
    if (io.data) for (let i = 0; i < 4 && i < io.data.length; i++) dv.setUint8(U + 4 + i, io.data[i] & 0xff);
    else if (io.u32 !== undefined) dv.setUint32(U + 4, io.u32 >>> 0, true);
    else if (io.u16 !== undefined) dv.setUint16(U + 4, io.u16 & 0xffff, true);
    else if (io.u8 !== undefined) dv.setUint8(U + 4, io.u8 & 0xff);
  } else if (p.guest_vcpu) {
    const v = p.guest_vcpu;
    if (v.interrupt) {
      dv.setBigUint64(U, big(v.interrupt.mask), true);
      dv.setUint8(U + 8, v.interrupt.vector & 0xff);
    } else if (v.startup) {
      dv.setBigUint64(U, big(v.startup.id), true);
      dv.setBigUint64(U + 8, big(v.startup.entry), true);
    }
    dv.setUint8(U + 16, v.type & 0xff);
  }
  return out;
}

export function decodePortPacket(bytes: Uint8Array): zx_port_packet_t {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint32(8, true);
  const p: zx_port_packet_t = { key: dv.getBigUint64(0, true), type, status: dv.getInt32(12, true) };
  switch (type) {
    case ZX_PKT_TYPE_USER: {
      const u64: bigint[] = [];
      const u32: number[] = [];
      const u16: number[] = [];
      for (let i = 0; i < 4; i++) u64.push(dv.getBigUint64(U + 8 * i, true));
      for (let i = 0; i < 8; i++) u32.push(dv.getUint32(U + 4 * i, true));
      for (let i = 0; i < 16; i++) u16.push(dv.getUint16(U + 2 * i, true));
      p.user = { u64, u32, u16, u8: bytes.slice(U, U + 32) };
      break;
    }
    case ZX_PKT_TYPE_SIGNAL_ONE:
      p.signal = {
        trigger: dv.getUint32(U, true),
        observed: dv.getUint32(U + 4, true),
        count: dv.getBigUint64(U + 8, true),
        timestamp: dv.getBigUint64(U + 16, true),
        reserved1: dv.getBigUint64(U + 24, true),
      };
      break;
    case ZX_PKT_TYPE_GUEST_BELL:
      p.guest_bell = { addr: dv.getBigUint64(U, true) };
      break;
    case ZX_PKT_TYPE_GUEST_MEM:
      p.guest_mem = {
        addr: dv.getBigUint64(U, true),
        inst_len: dv.getUint8(U + 8),
        inst_buf: bytes.slice(U + 9, U + 24),
        default_operand_size: dv.getUint8(U + 24),
      };
      break;
    case ZX_PKT_TYPE_GUEST_IO:
      p.guest_io = {
        port: dv.getUint16(U, true),
        access_size: dv.getUint8(U + 2),
        input: dv.getUint8(U + 3) !== 0,
        u8: dv.getUint8(U + 4),
        u16: dv.getUint16(U + 4, true),
        u32: dv.getUint32(U + 4, true),
        data: bytes.slice(U + 4, U + 8),
      };
      break;
    case ZX_PKT_TYPE_GUEST_VCPU: {
      const sub = dv.getUint8(U + 16);
      const v: zx_packet_guest_vcpu_t = { type: sub };
      if (sub === ZX_PKT_GUEST_VCPU_INTERRUPT) v.interrupt = { mask: dv.getBigUint64(U, true), vector: dv.getUint8(U + 8) };
      else if (sub === ZX_PKT_GUEST_VCPU_STARTUP) v.startup = { id: dv.getBigUint64(U, true), entry: dv.getBigUint64(U + 8, true) };
      p.guest_vcpu = v;
      break;
    }
  }
  return p;
}

/** Normalise any packet input to the plain decoded form (what zx_port_wait hands back). */
export function normalizePortPacket(p: PortPacketInput): zx_port_packet_t {
  return decodePortPacket(encodePortPacket(p));
}
