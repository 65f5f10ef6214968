/**
 * The VM-exit round trip's fast paths (issue 6) keep Zircon's contract to the byte and to the
 * microtask: the packet of an OUT, the IN answer written into RAX, zx_vcpu_state_t, the RIP behind
 * the exit, and the order in which a packet queued on a port during a resume reaches its waiter
 * relative to the resumer (a VMM's timer and BELL handling depends on it).
 */
import { describe, expect, it } from "vitest";
import { ACCESS_WRITE, EXIT_EPT_VIOLATION, EXIT_HOST_BREAKPOINT, EXIT_IO } from "../x86/vtx";
import {
  encodeVcpuIo,
  encodeVcpuState,
  X86_FLAGS_USER,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_TIME_INFINITE,
  ZX_VCPU_IO,
  ZX_VCPU_STATE,
  ZX_VCPU_STATE_SIZE,
  type SyscallTrace,
} from "./index";
import { InterruptBitmap } from "./interrupt-bitmap";
import { TrapMap } from "./trap-map";
import { exitStep, scriptedGuest } from "./test-support/scripted-machine";

const RAX = 0;

const setup = scriptedGuest;
const io = (port: number, size: number, input: boolean, length = 1) =>
  exitStep(EXIT_IO, length, (e) => Object.assign(e, { port, size, input }));

describe("IO packets", () => {
  it("an OUT of 1, 2 or 4 bytes carries exactly the low access_size bytes of RAX", async () => {
    const { t, guest, vcpu, cpu } = setup();
    expect(t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_IO, 0x3f8, 8, ZX_HANDLE_INVALID, 3)).toBe(ZX_OK);
    const rax = 0xdeadbeef_cafef00dn;
    const want = { 1: [0x0d, 0, 0, 0], 2: [0x0d, 0xf0, 0, 0], 4: [0x0d, 0xf0, 0xfe, 0xca] } as const;
    for (const size of [1, 2, 4] as const) {
      cpu.regs[RAX] = rax;
      cpu.script.push(io(0x3ff, size, false));
      const r = await t.zx_vcpu_resume(vcpu);
      const d = want[size];
      const u32 = (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
      expect(r).toEqual({
        status: ZX_OK,
        packet: {
          key: 3n,
          type: ZX_PKT_TYPE_GUEST_IO,
          status: ZX_OK,
          guest_io: { port: 0x3ff, access_size: size, input: false, u8: d[0], u16: d[0] | (d[1] << 8), u32, data: new Uint8Array(d) },
        },
      });
      expect(cpu.regs[RAX]).toBe(rax); // an OUT leaves RAX alone
    }
  });

  it("each packet is the caller's own: a later exit does not change an earlier packet", async () => {
    const { t, guest, vcpu, cpu } = setup();
    t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_IO, 0x3f8, 8, ZX_HANDLE_INVALID, 3);
    cpu.regs[RAX] = 0x41n;
    cpu.script.push(io(0x3f8, 1, false));
    const first = (await t.zx_vcpu_resume(vcpu)).packet;
    cpu.regs[RAX] = 0x42n;
    cpu.script.push(io(0x3f9, 1, false));
    const second = (await t.zx_vcpu_resume(vcpu)).packet;
    expect(first.guest_io).toMatchObject({ port: 0x3f8, u8: 0x41 });
    expect(Array.from(first.guest_io!.data)).toEqual([0x41, 0, 0, 0]);
    expect(second.guest_io).toMatchObject({ port: 0x3f9, u8: 0x42 });
  });

  it("an IN's answer (zx_vcpu_write_state ZX_VCPU_IO) replaces access_size bytes of RAX and keeps the rest", () => {
    const { t, vcpu, cpu } = setup();
    const cases: Array<[number, bigint]> = [
      [1, 0x1122334455667788n & ~0xffn | 0xa5n],
      [2, 0x1122334455667788n & ~0xffffn | 0xb6a5n],
      [4, 0x1122334455667788n & ~0xffffffffn | 0xd8c7b6a5n],
    ];
    for (const [size, want] of cases) {
      cpu.regs[RAX] = 0x1122334455667788n;
      const buf = encodeVcpuIo({ access_size: size, data: [0xa5, 0xb6, 0xc7, 0xd8] });
      expect(t.zx_vcpu_write_state(vcpu, ZX_VCPU_IO, buf)).toBe(ZX_OK);
      expect(cpu.regs[RAX]).toBe(want);
    }
  });
});

describe("zx_vcpu_state_t", () => {
  it("read_state fills the exact layout; write_state takes it back (RFLAGS only with bit 1)", () => {
    const { t, vcpu, cpu } = setup();
    for (let i = 0; i < 16; i++) cpu.regs[i] = (0x0101010101010101n * BigInt(i + 1)) | (1n << 63n);
    cpu.rflags = 0x246;
    const buf = new Uint8Array(ZX_VCPU_STATE_SIZE).fill(0xee);
    expect(t.zx_vcpu_read_state(vcpu, ZX_VCPU_STATE, buf)).toBe(ZX_OK);
    const names = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"] as const;
    const regs: Record<string, bigint> = {};
    names.forEach((n, i) => (regs[n] = cpu.regs[i]));
    // RFLAGS as Zircon reads it: only the user-visible bits (X86_FLAGS_USER).
    expect(buf).toEqual(encodeVcpuState({ ...regs, rflags: BigInt(0x246 & X86_FLAGS_USER) }));

    const next = encodeVcpuState({ rax: 1n, r15: 0xffffffffffffffffn, rflags: 0x2n | 0x1n });
    expect(t.zx_vcpu_write_state(vcpu, ZX_VCPU_STATE, next)).toBe(ZX_OK);
    expect([cpu.regs[0], cpu.regs[1], cpu.regs[15]]).toEqual([1n, 0n, 0xffffffffffffffffn]);
    expect(cpu.rflags).toBe(0x203); // CF from the buffer; IF (not a user bit) and bit 1 kept
    cpu.rflags = 0x202;
    expect(t.zx_vcpu_write_state(vcpu, ZX_VCPU_STATE, encodeVcpuState({ rflags: 0x1n }))).toBe(ZX_OK);
    expect(cpu.rflags).toBe(0x202); // bit 1 clear: RFLAGS not taken
  });
});

describe("the RIP behind an exit (hvplay_vcpu_read_arch_state.last_exit_rip)", () => {
  it("names the exiting instruction for an IO exit (RIP has moved on) and for a host breakpoint", async () => {
    const { t, guest, vcpu, cpu } = setup();
    t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_IO, 0x80, 1, ZX_HANDLE_INVALID, 0);
    cpu.script.push(io(0x80, 1, false, 2));
    expect((await t.zx_vcpu_resume(vcpu)).status).toBe(ZX_OK);
    expect(cpu.rip).toBe(0x1002n);
    expect(t.hvplay_vcpu_read_arch_state(vcpu)).toMatchObject({ status: ZX_OK, state: { rip: 0x1002n, last_exit_rip: 0x1000n } });
    cpu.script.push(exitStep(EXIT_HOST_BREAKPOINT, 0));
    expect((await t.zx_vcpu_resume(vcpu)).status).not.toBe(ZX_OK);
    expect(t.hvplay_vcpu_read_arch_state(vcpu)).toMatchObject({ state: { rip: 0x1002n, last_exit_rip: 0x1002n } });
  });
});

describe("microtask order of a resume", () => {
  it("a packet queued on a port during the resume reaches its waiter before the resumer continues", async () => {
    const { t, guest, vcpu, cpu, proc } = setup();
    const port = t.zx_port_create(0).out;
    t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_BELL, 0x8000, 0x1000, port, 9);
    t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_IO, 0x80, 1, ZX_HANDLE_INVALID, 0);
    const traced: string[] = [];
    proc.setTracer((s: SyscallTrace) => traced.push(s.name));
    const order: string[] = [];
    // Another task of the VMM waits on the port, as Machine.servePort does.
    const server = (async () => {
      const w = await t.zx_port_wait(port, ZX_TIME_INFINITE);
      order.push(`port ${w.packet.key}`);
    })();
    // The guest rings the bell (the packet is queued, the guest runs on), then makes an IO exit.
    cpu.script.push(exitStep(EXIT_EPT_VIOLATION, 2, (e) => ((e.gpa = 0x8000), (e.access = ACCESS_WRITE))), io(0x80, 1, false));
    const r = await t.zx_vcpu_resume(vcpu);
    order.push(`resume ${r.status}`);
    await server;
    expect(order).toEqual(["port 9", "resume 0"]);
    expect(traced.filter((n) => n === "zx_port_wait" || n === "zx_vcpu_resume")).toEqual(["zx_port_wait", "zx_vcpu_resume"]);
  });
});

describe("lookup shortcuts", () => {
  it("InterruptBitmap counts each vector once, however often it is set or cleared", () => {
    const b = new InterruptBitmap();
    b.set(40);
    b.set(40);
    expect(b.highest()).toBe(40);
    b.clear(40);
    expect(b.any()).toBe(false);
    expect(b.highest()).toBe(-1);
    b.clear(40);
    b.set(7);
    expect([b.any(), b.highest()]).toEqual([true, 7]);
  });

  it("TrapMap.findIo answers the same after traps are added around the one it found last", () => {
    const m = new TrapMap();
    expect(m.insert(ZX_GUEST_TRAP_IO, 0x3f8n, 8n, null, 1n)).toBe(ZX_OK);
    expect(m.findIo(0x3ff)?.key).toBe(1n);
    expect(m.findIo(0x400)).toBeUndefined();
    expect(m.insert(ZX_GUEST_TRAP_IO, 0x400n, 4n, null, 2n)).toBe(ZX_OK);
    expect(m.insert(ZX_GUEST_TRAP_IO, 0x3f0n, 8n, null, 3n)).toBe(ZX_OK);
    expect([0x3ef, 0x3f0, 0x3f7, 0x3f8, 0x3ff, 0x400, 0x403, 0x404].map((p) => m.findIo(p)?.key)).toEqual([undefined, 3n, 3n, 1n, 1n, 2n, 2n, undefined]);
    expect(m.findIo(0x3f9)?.key).toBe(1n);
  });
});
