import { describe, expect, it } from "vitest";
import { createKernel } from "../kernel";
import {
  decodeInfoHandleBasic,
  decodeInfoVcpu,
  decodeInfoVmar,
  decodePortPacket,
  decodeVcpuIo,
  decodeVcpuState,
  encodeInfoHandleBasic,
  encodeInfoVcpu,
  encodeInfoVmar,
  encodePortPacket,
  encodeVcpuIo,
  encodeVcpuState,
  ZX_PORT_PACKET_SIZE,
  ZX_VCPU_STATE_SIZE,
} from "./index";

const u64At = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);

describe("zx_vcpu_state_t", () => {
  it("is 136 bytes with the registers in ModRM order and rflags at 128", () => {
    const b = encodeVcpuState({ rax: 1, rcx: 2, rdx: 3, rbx: 4, rsp: 5, rbp: 6, rsi: 7, rdi: 8, r8: 9, r15: 16n, rflags: 0x40001 });
    expect(b.length).toBe(ZX_VCPU_STATE_SIZE);
    expect(u64At(b, 0)).toBe(1n);
    expect(u64At(b, 8)).toBe(2n);
    expect(u64At(b, 24)).toBe(4n); // rbx after rdx
    expect(u64At(b, 32)).toBe(5n); // rsp
    expect(u64At(b, 64)).toBe(9n); // r8
    expect(u64At(b, 120)).toBe(16n); // r15
    expect(u64At(b, 128)).toBe(0x40001n);
    const d = decodeVcpuState(b);
    expect(d.rdi).toBe(8n);
    expect(d.r9).toBe(0n);
  });
  it("keeps full 64-bit values", () => {
    const d = decodeVcpuState(encodeVcpuState({ rax: 0xfedcba9876543210n, rcx: -1n }));
    expect(d.rax).toBe(0xfedcba9876543210n);
    expect(d.rcx).toBe(0xffffffffffffffffn);
  });
});

describe("zx_vcpu_io_t", () => {
  it("puts access_size at 0 and the data union at 4", () => {
    const b = encodeVcpuIo({ access_size: 2, u16: 0xbeef });
    expect(Array.from(b)).toEqual([2, 0, 0, 0, 0xef, 0xbe, 0, 0]);
    const d = decodeVcpuIo(encodeVcpuIo({ access_size: 4, data: [1, 2, 3, 4] }));
    expect(d.u32).toBe(0x04030201);
    expect(d.u8).toBe(1);
  });
});

describe("zx_port_packet_t", () => {
  it("is 48 bytes: key @0, type @8, status @12, union @16", () => {
    const b = encodePortPacket({ key: 0x1234, type: 5, status: -2, guest_io: { port: 0x3f8, access_size: 1, input: true, u8: 0x41 } });
    expect(b.length).toBe(ZX_PORT_PACKET_SIZE);
    expect(u64At(b, 0)).toBe(0x1234n);
    expect(new DataView(b.buffer).getUint32(8, true)).toBe(5);
    expect(new DataView(b.buffer).getInt32(12, true)).toBe(-2);
    expect(Array.from(b.subarray(16, 24))).toEqual([0xf8, 0x03, 1, 1, 0x41, 0, 0, 0]);
  });
  it("E2 guest_mem: addr, inst_len @8, inst_buf @9..23, default_operand_size @24", () => {
    const inst = [0x48, 0xc7, 0x04, 0x25, 0, 0xf0, 0xff, 0, 0, 0, 0, 0];
    const b = encodePortPacket({ key: 0, type: 4, guest_mem: { addr: 0xfff000, inst_len: 12, inst_buf: inst, default_operand_size: 4 } });
    expect(u64At(b, 16)).toBe(0xfff000n);
    expect(b[24]).toBe(12);
    expect(Array.from(b.subarray(25, 37))).toEqual(inst);
    expect(b[40]).toBe(4);
    const p = decodePortPacket(b);
    expect(p.guest_mem!.inst_len).toBe(12);
    expect(p.guest_mem!.inst_buf.length).toBe(15);
    expect(p.guest_mem!.default_operand_size).toBe(4);
  });
  it("E2 guest_vcpu: the union first, type (u8) at union offset 16", () => {
    const b = encodePortPacket({ type: 6, guest_vcpu: { type: 0, interrupt: { mask: 0b1110n, vector: 0x66 } } });
    expect(u64At(b, 16)).toBe(0b1110n);
    expect(b[24]).toBe(0x66);
    expect(b[32]).toBe(0);
    const s = decodePortPacket(encodePortPacket({ type: 6, guest_vcpu: { type: 1, startup: { id: 3, entry: 0x9000 } } }));
    expect(s.guest_vcpu).toEqual({ type: 1, startup: { id: 3n, entry: 0x9000n } });
  });
  it("signal (zx_packet_signal_t): trigger u32 @16, observed u32 @20, count u64 @24, timestamp @32, reserved1 @40", () => {
    const b = encodePortPacket({
      key: 9, type: 1, signal: { trigger: 0x80000008, observed: 0x01000008, count: 1, timestamp: 0x1122334455667788n, reserved1: 5 },
    });
    const dv = new DataView(b.buffer);
    expect(dv.getUint32(16, true)).toBe(0x80000008);
    expect(dv.getUint32(20, true)).toBe(0x01000008);
    expect(u64At(b, 24)).toBe(1n);
    expect(u64At(b, 32)).toBe(0x1122334455667788n);
    expect(u64At(b, 40)).toBe(5n);
    expect(decodePortPacket(b)).toEqual({
      key: 9n, type: 1, status: 0,
      signal: { trigger: 0x80000008, observed: 0x01000008, count: 1n, timestamp: 0x1122334455667788n, reserved1: 5n },
    });
  });
  it("zx_port_queue ignores a signal member: the packet is a user packet", async () => {
    const t = createKernel().createProcess().mainThread;
    const port = t.zx_port_create(0).out;
    expect(t.zx_port_queue(port, { key: 3, signal: { trigger: 8, observed: 8 }, user: { u32: [7] } })).toBe(0);
    const r = await t.zx_port_wait(port, 0);
    expect(r.packet.type).toBe(0);
    expect(r.packet.signal).toBeUndefined();
    expect(r.packet.user!.u32[0]).toBe(7);
  });
  it("guest_bell and user round-trip with bigints", () => {
    expect(decodePortPacket(encodePortPacket({ key: 2n ** 64n - 1n, type: 3, guest_bell: { addr: 0xffe008 } })).guest_bell).toEqual({ addr: 0xffe008n });
    const u = decodePortPacket(encodePortPacket({ type: 0, user: { u64: [1n, 2n, 3n, 2n ** 63n] } }));
    expect(u.key).toBe(0n);
    expect(u.user!.u64).toEqual([1n, 2n, 3n, 2n ** 63n]);
    expect(u.user!.u32.slice(0, 3)).toEqual([1, 0, 2]);
  });
});

describe("info structs", () => {
  it("zx_info_handle_basic_t is 32 bytes: koid @0, rights @8, type @12, related_koid @16, props @24", () => {
    const b = encodeInfoHandleBasic({ koid: 1025n, rights: 0x2800b, type: 20, related_koid: 7n, props: 1 });
    expect(b.length).toBe(32);
    expect(u64At(b, 0)).toBe(1025n);
    expect(new DataView(b.buffer).getUint32(8, true)).toBe(0x2800b);
    expect(new DataView(b.buffer).getUint32(12, true)).toBe(20);
    expect(u64At(b, 16)).toBe(7n);
    expect(decodeInfoHandleBasic(b).props).toBe(1);
  });
  it("zx_info_vmar_t and zx_info_vcpu_t", () => {
    expect(decodeInfoVmar(encodeInfoVmar({ base: 0n, len: 2n ** 48n }))).toEqual({ base: 0n, len: 2n ** 48n });
    expect(encodeInfoVmar({ base: 1n, len: 2n }).length).toBe(16);
    expect(decodeInfoVcpu(encodeInfoVcpu({ flags: 1 }))).toEqual({ flags: 1 });
  });
});
