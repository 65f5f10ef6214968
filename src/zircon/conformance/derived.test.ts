/**
 * §6.6: extra checks derived from the kernel code (zircon-hypervisor.md §6.6). These are not upstream
 * tests; each follows a path of hypervisor.cc / guest.cc / vmexit.cc.
 */
import { describe, expect, it } from "vitest";
import {
  encodeVcpuState,
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_ALREADY_EXISTS,
  ZX_ERR_BAD_STATE,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_OUT_OF_RANGE,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_GUEST_TRAP_MEM,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_RIGHT_MANAGE_PROCESS,
  ZX_RIGHT_WRITE,
  ZX_DEFAULT_GUEST_RIGHTS,
  ZX_VCPU_STATE,
  statusName,
} from "../index";
import { EXIT_STORE, enterAndCleanExit, guestCode, newGuest, readState } from "./harness";

describe("derived from kernel code: zx_guest_set_trap", () => {
  it("checks ports, kinds, alignment, range and overlap", () => {
    const g = newGuest(null);
    const t = g.thread;
    const port = t.zx_port_create(0).out;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x10000, 0x1000, port, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_BELL, 0x10000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, 0x10, 1, port, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_guest_set_trap(g.guest, 3, 0x10000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x800, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, 0xffff, 1, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_OUT_OF_RANGE);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x10000, 0x2000, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x11000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_ALREADY_EXISTS);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_BELL, 0x20000, 0x1000, port, 0)).toBe(ZX_OK);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x20000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_ALREADY_EXISTS);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, 0x30000 & 0xfff, 0x100, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x0, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, 0x0, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_ALREADY_EXISTS); // overlaps [0, 0x100)
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x40000, 0, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_INVALID_ARGS);
    const noWrite = t.zx_handle_duplicate(g.guest, ZX_DEFAULT_GUEST_RIGHTS & ~ZX_RIGHT_WRITE).out;
    expect(t.zx_guest_set_trap(noWrite, ZX_GUEST_TRAP_MEM, 0x50000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_ERR_ACCESS_DENIED);
  });
  it("IO and MEM traps with the same numeric range both succeed", () => {
    const g = newGuest(null);
    expect(g.thread.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, 0x1000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
    expect(g.thread.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_MEM, 0x1000, 0x1000, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
  });
});

describe("derived from kernel code: zx_vcpu_create and state access", () => {
  it("checks options, entry and the MANAGE_PROCESS right", () => {
    const g = newGuest(null);
    const other = g.proc.createThread();
    expect(other.zx_vcpu_create(g.guest, 1, 0).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(other.zx_vcpu_create(g.guest, 0, 2n ** 48n).status).toBe(ZX_ERR_INVALID_ARGS);
    const dup = other.zx_handle_duplicate(g.guest, ZX_DEFAULT_GUEST_RIGHTS & ~ZX_RIGHT_MANAGE_PROCESS).out;
    expect(other.zx_vcpu_create(dup, 0, 0).status).toBe(ZX_ERR_ACCESS_DENIED);
  });
  it("read_state: size 135 or kind 1 → INVALID_ARGS; other threads: BAD_STATE for state and resume, OK for interrupt and kick", async () => {
    const g = newGuest(null);
    expect(g.thread.zx_vcpu_read_state(g.vcpu, ZX_VCPU_STATE, new Uint8Array(135))).toBe(ZX_ERR_INVALID_ARGS);
    expect(g.thread.zx_vcpu_read_state(g.vcpu, 1, new Uint8Array(136))).toBe(ZX_ERR_INVALID_ARGS);
    const other = g.proc.createThread();
    expect(other.zx_vcpu_read_state(g.vcpu, ZX_VCPU_STATE, new Uint8Array(136))).toBe(ZX_ERR_BAD_STATE);
    expect(other.zx_vcpu_write_state(g.vcpu, ZX_VCPU_STATE, new Uint8Array(136))).toBe(ZX_ERR_BAD_STATE);
    expect((await other.zx_vcpu_resume(g.vcpu)).status).toBe(ZX_ERR_BAD_STATE);
    expect(other.zx_vcpu_interrupt(g.vcpu, 32)).toBe(ZX_OK);
    expect(other.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
  });
});

describe("derived from kernel code: guest faults", () => {
  it("`in` from an untrapped port → NOT_FOUND with RIP unchanged (re-entering repeats it)", async () => {
    const g = newGuest(guestCode(`
    in al, 0x40
    ${EXIT_STORE}`));
    expect(statusName((await g.thread.zx_vcpu_resume(g.vcpu)).status)).toBe("ZX_ERR_NOT_FOUND");
    expect(g.thread.hvplay_vcpu_read_arch_state(g.vcpu).state!.rip).toBe(0x2000n);
    expect(statusName((await g.thread.zx_vcpu_resume(g.vcpu)).status)).toBe("ZX_ERR_NOT_FOUND");
  });
  it("a load from an unmapped GPA → NOT_FOUND", async () => {
    const g = newGuest(guestCode(`
    mov rax, [0x2000000]
    ${EXIT_STORE}`));
    expect(statusName((await g.thread.zx_vcpu_resume(g.vcpu)).status)).toBe("ZX_ERR_NOT_FOUND");
  });
  it("`rep outsb` to a trapped port → NOT_SUPPORTED", async () => {
    const g = newGuest(guestCode(`
    mov dx, 0x11
    mov rsi, 0x2000
    mov rcx, 4
    rep outsb
    ${EXIT_STORE}`));
    expect(g.thread.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, 0x11, 1, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
    expect(statusName((await g.thread.zx_vcpu_resume(g.vcpu)).status)).toBe("ZX_ERR_NOT_SUPPORTED");
  });
  it("kick before enter → the first enter is CANCELED, the second runs normally", async () => {
    const g = newGuest(guestCode(EXIT_STORE));
    expect(g.thread.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
    expect(statusName((await g.thread.zx_vcpu_resume(g.vcpu)).status)).toBe("ZX_ERR_CANCELED");
    await enterAndCleanExit(g);
  });
  it("write_state rflags = 0x2|CF → CF visible to the guest; rflags = CF alone → ignored", async () => {
    const g = newGuest(guestCode(`
    setc al
    ${EXIT_STORE}
    setc bl
    ${EXIT_STORE}`));
    expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_STATE, encodeVcpuState({ rflags: 0x3 }))).toBe(ZX_OK);
    await enterAndCleanExit(g);
    expect(readState(g).rax & 0xffn).toBe(1n);
    expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_STATE, encodeVcpuState({ rax: 1, rflags: 0x1 }))).toBe(ZX_OK);
    // The previous write set CF; this one (bit 1 clear) leaves RFLAGS alone, so clear CF by hand first.
    expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_STATE, encodeVcpuState({ rax: 1, rflags: 0x2 }))).toBe(ZX_OK);
    expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_STATE, encodeVcpuState({ rax: 1, rflags: 0x1 }))).toBe(ZX_OK);
    await enterAndCleanExit(g);
    expect(readState(g).rbx & 0xffn).toBe(0n);
  });
});
