/**
 * Exit handling against a scripted CPU (test-support/scripted-machine.ts): each step plays one exit
 * the way the hardware reports it; the kernel's response is checked. The conformance suite runs the
 * same paths against the real CPU.
 */
import { describe, expect, it } from "vitest";
import {
  ACCESS_READ,
  ACCESS_WRITE,
  EVENT_EXTERNAL_INTERRUPT,
  EVENT_HARDWARE_EXCEPTION,
  EVENT_NMI,
  EXIT_CPUID,
  EXIT_CR_ACCESS,
  EXIT_EPT_VIOLATION,
  EXIT_HLT,
  EXIT_INTERRUPT_WINDOW,
  EXIT_IO,
  EXIT_RDMSR,
  EXIT_TRIPLE_FAULT,
  EXIT_VMCALL,
  EXIT_WRMSR,
  SEG_SS,
} from "../x86/vtx";
import {
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_GUEST_TRAP_MEM,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_PKT_GUEST_VCPU_STARTUP,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_TIME_INFINITE,
  statusName,
} from "./index";
import { exitStep, scriptedGuest, type ScriptedCpu } from "./test-support/scripted-machine";

const RAX = 0, RCX = 1, RDX = 2, RBX = 3;

const setup = scriptedGuest;
const status = async (p: Promise<{ status: number }>) => statusName((await p).status);
const io = (port: number, size: number, input: boolean, more: Partial<{ string: boolean; rep: boolean }> = {}) =>
  exitStep(EXIT_IO, input ? 1 : 2, (e) => Object.assign(e, { port, size, input, ...more }));
const ept = (gpa: number, access: number, bytes: number[] = [0x89, 0x07]) =>
  exitStep(EXIT_EPT_VIOLATION, bytes.length, (e) => {
    e.gpa = gpa;
    e.access = access;
    e.instructionBytes.set(bytes);
  });
/** Queue a WRMSR exit; the registers are loaded when the step runs, as the guest would have them. */
const wrmsr = (cpu: ScriptedCpu, msr: number, value: bigint) => {
  const step = exitStep(EXIT_WRMSR, 2);
  cpu.script.push((c, budget) => {
    c.regs[RCX] = BigInt(msr);
    c.regs[RAX] = value & 0xffffffffn;
    c.regs[RDX] = value >> 32n;
    return step(c, budget);
  });
};

describe("initial state (§4.1)", () => {
  it("starts the BSP in long mode at entry with E2 CR0/CR4 and EFER, and an AP in real mode", () => {
    const { t, guest, cpu, machine, proc } = setup();
    expect(cpu.rip).toBe(0x1000n);
    expect(cpu.segs[1]).toMatchObject({ selector: 0, accessRights: 0x209f });
    expect([cpu.cr0 >>> 0, cpu.cr0Mask, cpu.cr0Shadow, cpu.cr4, cpu.cr4Mask, cpu.efer, cpu.xcr0, cpu.rflags])
      .toEqual([0x80000031, 0x60000020, 0x40000010, 0x2020, 0x2000, 0xd01, 1, 2]);
    expect(cpu.cr3).toBe(0n);
    const ap = proc.createThread();
    expect(ap.zx_vcpu_create(guest, 0, 0x9000).status).toBe(ZX_OK);
    const apCpu = machine.cpus[1];
    expect(apCpu.segs[1]).toEqual({ selector: 0x900, base: 0x9000n, limit: 0xffff, accessRights: 0x9f });
    expect(apCpu.rip).toBe(0n);
    expect([apCpu.cr0, apCpu.cr4, apCpu.efer]).toEqual([0x30, 0x2000, 0x801]);
    void t;
  });
});

describe("IO exits (§5.3)", () => {
  it("returns the trap's packet with RIP advanced and OUT data from RAX", async () => {
    const { t, guest, vcpu, cpu } = setup();
    expect(t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_IO, 0x3f8, 8, ZX_HANDLE_INVALID, 77)).toBe(ZX_OK);
    cpu.regs[RAX] = 0x11223344n;
    cpu.interruptShadow = true;
    cpu.script.push(io(0x3f9, 2, false));
    const r = await t.zx_vcpu_resume(vcpu);
    expect(r.status).toBe(ZX_OK);
    expect(r.packet).toMatchObject({ key: 77n, type: ZX_PKT_TYPE_GUEST_IO, guest_io: { port: 0x3f9, access_size: 2, input: false, u16: 0x3344 } });
    expect(cpu.rip).toBe(0x1002n);
    expect(cpu.interruptShadow).toBe(false);
  });
  it("zeroes RAX for a 32-bit IN; untrapped ports are NOT_FOUND with RIP kept; string IO is NOT_SUPPORTED", async () => {
    const { t, guest, vcpu, cpu } = setup();
    t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_IO, 0x10, 1, ZX_HANDLE_INVALID, 0);
    cpu.regs[RAX] = 0xffffffffffffffffn;
    cpu.script.push(io(0x10, 4, true));
    const r = await t.zx_vcpu_resume(vcpu);
    expect(r.packet.guest_io).toMatchObject({ input: true, u32: 0 });
    expect(cpu.regs[RAX]).toBe(0n);
    cpu.script.push(io(0x20, 1, true));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_FOUND");
    expect(cpu.rip).toBe(0x1001n);
    cpu.script.push(io(0x10, 1, false, { string: true, rep: true }));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_SUPPORTED");
  });
});

describe("EPT violations (§5.4–5.5)", () => {
  it("MEM trap: packet with the E2 instruction bytes and operand size", async () => {
    const { t, guest, vcpu, cpu } = setup();
    expect(t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_MEM, 0x20000, 0x1000, ZX_HANDLE_INVALID, 5)).toBe(ZX_OK);
    cpu.script.push(ept(0x20010, ACCESS_WRITE, [0x89, 0x47, 0x10]));
    const r = await t.zx_vcpu_resume(vcpu);
    expect(r.packet).toMatchObject({ key: 5n, type: ZX_PKT_TYPE_GUEST_MEM });
    expect(r.packet.guest_mem!.addr).toBe(0x20010n);
    expect(r.packet.guest_mem!.inst_len).toBe(3);
    expect(Array.from(r.packet.guest_mem!.inst_buf.subarray(0, 4))).toEqual([0x89, 0x47, 0x10, 0]);
    expect(r.packet.guest_mem!.default_operand_size).toBe(4);
    expect(cpu.rip).toBe(0x1003n);
  });
  it("BELL write queues on the port and the guest runs on; a read is NOT_SUPPORTED after the advance", async () => {
    const { t, guest, vcpu, cpu } = setup();
    const port = t.zx_port_create(0).out;
    expect(t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_BELL, 0x20000, 0x1000, port, 9)).toBe(ZX_OK);
    cpu.script.push(ept(0x20008, ACCESS_WRITE), io(0x99, 1, false));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_FOUND"); // the bell did not stop it
    const w = await t.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(w.packet).toMatchObject({ key: 9n, type: 3, guest_bell: { addr: 0x20008n } });
    cpu.script.push(ept(0x20000, ACCESS_READ));
    const rip = cpu.rip;
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_SUPPORTED");
    expect(cpu.rip).toBe(rip + 2n);
  });
  it("blocks the VCPU while 256 bell packets are queued, and resumes when one is taken", async () => {
    const { t, guest, vcpu, cpu, proc } = setup();
    const port = t.zx_port_create(0).out;
    t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_BELL, 0x20000, 0x1000, port, 1);
    for (let i = 0; i < 257; i++) cpu.script.push(ept(0x20000, ACCESS_WRITE));
    cpu.script.push(io(0x99, 1, false));
    let done = false;
    const entered = t.zx_vcpu_resume(vcpu).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toBe(false);
    const other = proc.createThread();
    expect((await other.zx_port_wait(port, 0)).status).toBe(ZX_OK);
    expect(statusName((await entered).status)).toBe("ZX_ERR_NOT_FOUND");
  });
  it("unmapped GPA → NOT_FOUND, beyond 2^48 → OUT_OF_RANGE, forbidden access → ACCESS_DENIED", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.script.push(ept(0x100000, ACCESS_READ));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_FOUND");
    expect(cpu.rip).toBe(0x1000n);
    cpu.script.push(ept(2 ** 48, ACCESS_READ));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_OUT_OF_RANGE");
    cpu.script.push(exitStep(EXIT_EPT_VIOLATION, 2, (e) => ((e.gpa = 0x1000), (e.access = 4))));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_ACCESS_DENIED");
  });
});

describe("in-kernel exits", () => {
  it("CPUID: KVM signature leaf, leaf 1 edits; RIP advanced", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.regs[RAX] = 0x40000000n;
    cpu.script.push(exitStep(EXIT_CPUID, 2), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect([cpu.regs[RAX], cpu.regs[RBX], cpu.regs[RCX], cpu.regs[RDX]]).toEqual([0x40000001n, 0x4b4d564bn, 0x564b4d56n, 0x4dn]);
    expect(cpu.rip).toBe(0x1002n);
  });
  it("HLT waits for an interrupt, which is then injected at entry", async () => {
    const { t, vcpu, cpu, proc } = setup();
    cpu.rflags = 0x202;
    cpu.script.push(exitStep(EXIT_HLT, 1), io(0x99, 1, false));
    const entered = t.zx_vcpu_resume(vcpu);
    await new Promise((r) => setTimeout(r, 0));
    expect(cpu.injected).toEqual([]);
    expect(proc.createThread().zx_vcpu_interrupt(vcpu, 40)).toBe(ZX_OK);
    expect(statusName((await entered).status)).toBe("ZX_ERR_NOT_FOUND");
    expect(cpu.injected).toEqual([{ vector: 40, type: EVENT_EXTERNAL_INTERRUPT, errorCode: -1 }]);
  });
  it("a kick cancels HLT; a kick before resume cancels the next resume once", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.script.push(exitStep(EXIT_HLT, 1));
    const entered = t.zx_vcpu_resume(vcpu);
    await new Promise((r) => setTimeout(r, 0));
    t.zx_vcpu_kick(vcpu);
    expect(await status(entered)).toBe("ZX_ERR_CANCELED");
    t.zx_vcpu_kick(vcpu);
    t.zx_vcpu_kick(vcpu);
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_CANCELED");
    cpu.script.push(io(0x99, 1, false));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_FOUND");
  });
  it("injection: NMI first, then the highest vector; exceptions dropped; 21..31 fail; IF=0 opens a window", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.rflags = 0x202;
    for (const v of [13, 32, 2, 64]) t.zx_vcpu_interrupt(vcpu, v);
    for (let i = 0; i < 3; i++) cpu.script.push(exitStep(EXIT_PAUSE_LIKE, 1));
    cpu.script.push(io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.injected.map((e) => [e.vector, e.type])).toEqual([[2, EVENT_NMI], [64, EVENT_EXTERNAL_INTERRUPT], [32, EVENT_EXTERNAL_INTERRUPT]]);
    t.zx_vcpu_interrupt(vcpu, 25);
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_SUPPORTED");
    cpu.rflags = 0x2;
    t.zx_vcpu_interrupt(vcpu, 33);
    const before = cpu.injected.length;
    let windowRequested = false;
    cpu.script.push((c) => {
      // IF = 0 at entry: nothing injected, interrupt-window exiting on. The guest then executes STI.
      windowRequested = c.interruptWindowExiting && c.injected.length === before;
      c.rflags = 0x202;
      return exitStep(EXIT_INTERRUPT_WINDOW, 0)(c, 1);
    }, io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(windowRequested).toBe(true);
    expect(cpu.interruptWindowExiting).toBe(false);
    expect(cpu.injected.at(-1)).toEqual({ vector: 33, type: EVENT_EXTERNAL_INTERRUPT, errorCode: -1 });
    t.zx_vcpu_interrupt(vcpu, 13);
    cpu.script.push(io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.injected.at(-1)).toEqual({ vector: 13, type: EVENT_HARDWARE_EXCEPTION, errorCode: 0 });
  });
  it("x2APIC MSRs: ID and APIC_BASE reads; unknown MSR → #GP with RIP kept", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.regs[RCX] = 0x802n;
    cpu.script.push(exitStep(EXIT_RDMSR, 2), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.regs[RAX]).toBe(0n);
    cpu.regs[RCX] = 0x1bn;
    cpu.script.push(exitStep(EXIT_RDMSR, 2), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.regs[RAX]).toBe(0xfee00d00n);
    cpu.regs[RCX] = 0x12345n;
    const rip = cpu.rip;
    cpu.script.push(exitStep(EXIT_RDMSR, 2), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.rip).toBe(rip);
    expect(cpu.injected.at(-1)).toEqual({ vector: 13, type: EVENT_HARDWARE_EXCEPTION, errorCode: 0 });
  });
  it("ICR STARTUP → VCPU packet; APIC_BASE with another value → INVALID_ARGS; reserved timer mode → INVALID_ARGS", async () => {
    const { t, vcpu, cpu } = setup();
    wrmsr(cpu, 0x830, (3n << 32n) | 0x600n | 0x9n);
    const r = await t.zx_vcpu_resume(vcpu);
    expect(r.packet.guest_vcpu).toEqual({ type: ZX_PKT_GUEST_VCPU_STARTUP, startup: { id: 3n, entry: 0x9000n } });
    wrmsr(cpu, 0x1b, 0xfee00000n);
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_INVALID_ARGS");
    wrmsr(cpu, 0x832, 3n << 17n);
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_INVALID_ARGS");
  });
  it("APIC timer: a one-shot expiry wakes HLT after initial_count << shift ns of kernel time", async () => {
    const { t, vcpu, cpu, kernel } = setup();
    cpu.rflags = 0x202;
    wrmsr(cpu, 0x83e, 0xbn); // divide by 1
    wrmsr(cpu, 0x832, 0x30n); // one-shot, vector 0x30
    wrmsr(cpu, 0x838, 5000n);
    cpu.script.push(exitStep(EXIT_HLT, 1), io(0x99, 1, false));
    const start = kernel.clock.nowNs();
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_FOUND");
    expect(cpu.injected.at(-1)!.vector).toBe(0x30);
    // Two emulated WRMSRs (1 ns each) precede the one that arms the timer.
    expect(kernel.clock.nowNs() - start).toBe(5002);
  });
  it("MOV CR0: NE forced, NW/CD shadowed; CD=0,NW=1 → #GP; CR4 exits → NOT_SUPPORTED", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.regs[RBX] = 0x80000011n;
    cpu.script.push(exitStep(EXIT_CR_ACCESS, 3, (e) => ((e.cr = 0), (e.gpr = RBX))), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect([cpu.cr0 >>> 0, cpu.cr0Shadow]).toEqual([0x80000031, 0x80000011]);
    cpu.regs[RBX] = 0xa0000011n;
    cpu.script.push(exitStep(EXIT_CR_ACCESS, 3, (e) => ((e.cr = 0), (e.gpr = RBX))), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.injected.at(-1)!.vector).toBe(13);
    cpu.script.push(exitStep(EXIT_CR_ACCESS, 3, (e) => ((e.cr = 4), (e.gpr = RBX))));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_SUPPORTED");
  });
  it("VMCALL: unknown number → -1000; from CPL 3 → -1", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.regs[RAX] = 0xffffffffn;
    cpu.script.push(exitStep(EXIT_VMCALL, 3), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.regs[RAX]).toBe(BigInt.asUintN(64, -1000n));
    cpu.segs[SEG_SS].accessRights = 0xf3;
    cpu.script.push(exitStep(EXIT_VMCALL, 3), io(0x99, 1, false));
    await t.zx_vcpu_resume(vcpu);
    expect(cpu.regs[RAX]).toBe(BigInt.asUintN(64, -1n));
  });
  it("triple fault → NOT_SUPPORTED; instruction budget → TIMED_OUT (hvplay_vcpu_resume_limited)", async () => {
    const { t, vcpu, cpu } = setup();
    cpu.script.push(exitStep(EXIT_TRIPLE_FAULT, 0));
    expect(await status(t.zx_vcpu_resume(vcpu))).toBe("ZX_ERR_NOT_SUPPORTED");
    expect(await status(t.hvplay_vcpu_resume_limited(vcpu, 1000))).toBe("ZX_ERR_TIMED_OUT");
    expect(cpu.instructionsRetired).toBe(1000);
  });
});

/** PAUSE: an exit the kernel absorbs, used to give the injection logic several entries. */
const EXIT_PAUSE_LIKE = 9;
