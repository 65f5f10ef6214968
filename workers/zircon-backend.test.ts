/**
 * The worker's engine against the real kernel (src/zircon) and VMM (src/vmm), in Node: what the
 * browser does, minus the Worker and Comlink. Guests come from public/guests/ (built from guests/),
 * expected output from guests/expected/ (recorded from QEMU and the CLI).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_GUEST, type EventBatch } from "./api";
import { HypervisorSession } from "./hypervisor-session";
import { createZirconBackend } from "./zircon-backend";

const root = path.resolve(import.meta.dirname, "..");
const guestFile = (name: string) => path.join(root, "public", "guests", name);
const haveGuests = ["hello.elf", "bench-int.elf", "monitor.elf", "journey-boot.bin"].every((f) => existsSync(guestFile(f)));

function setup() {
  const session = new HypervisorSession(
    createZirconBackend({
      fetchGuest: async (name) => ({ name, image: new Uint8Array(readFileSync(guestFile(name))) }),
    }),
    { statsIntervalMs: 0 },
  );
  const batches: EventBatch[] = [];
  session.subscribe((b) => batches.push(b));
  const text = () => {
    session.flushEvents();
    return batches.map((b) => (b.console ? Buffer.from(b.console).toString("latin1") : "")).join("");
  };
  const syscalls = () => {
    session.flushEvents();
    return batches.flatMap((b) => b.syscalls);
  };
  return { session, batches, text, syscalls };
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.skipIf(!haveGuests)("HypervisorSession on the real kernel and VMM", () => {
  it("makes zx_* calls from the page on the VMM process, with Zircon's statuses and out-parameters", async () => {
    const t = setup();
    expect((await t.session.syscall("zx_vmo_create", [8192, 0])).error).toBe("no machine: boot a guest first");
    expect(await t.session.bootGuest("hello.elf")).toBeNull();
    await until("the guest to exit", () => t.session.state().kind !== "running");

    const created = await t.session.syscall("zx_vmo_create", [8192, 0]);
    expect(created.error).toBeNull();
    const { status, out } = created.result as { status: number; out: number };
    expect(status).toBe(0);
    expect(t.session.listHandles().some((h) => h.handle === out && h.typeName === "ZX_OBJ_TYPE_VMO")).toBe(true);
    expect((await t.session.syscall("zx_vmo_get_size", [out])).result).toEqual({ status: 0, size: 8192n });
    expect((await t.session.syscall("zx_handle_close", [out])).result).toBe(0);
    // A stale handle is BAD_HANDLE (-11); a bad argument is a status, never an exception.
    expect((await t.session.syscall("zx_handle_close", [out])).result).toBe(-11);
    expect((await t.session.syscall("zx_vmo_create", ["big", 0])).result).toMatchObject({ status: -10 });
    // The VMM's VCPU belongs to its own thread: Zircon answers BAD_STATE to anyone else.
    const vcpu = t.session.listHandles().find((h) => h.typeName === "ZX_OBJ_TYPE_VCPU")!.handle;
    expect((await t.session.syscall("zx_vcpu_read_state", [vcpu, 0, new Uint8Array(136)])).result).toBe(-20);
    // Only zx_* names reach the thread.
    expect((await t.session.syscall("constructor", [])).error).toMatch(/not a zx_\* syscall/);
    expect((await t.session.syscall("zx_no_such_call", [])).error).toBe("no such syscall: zx_no_such_call");
    expect(t.syscalls().some((e) => e.name === "zx_vmo_get_size")).toBe(true);
  });

  it("boots hello.elf: the greeting is the one QEMU prints, and the exit device ends the run", async () => {
    const t = setup();
    expect(await t.session.bootGuest("hello.elf")).toBeNull();
    await until("the guest to exit", () => t.session.state().kind !== "running");
    const expected = readFileSync(path.join(root, "guests", "expected", "hello.txt"), "latin1");
    expect(t.text()).toBe(expected);
    const status = Number(readFileSync(path.join(root, "guests", "expected", "hello.status"), "utf8").trim());
    expect(t.session.state()).toEqual({ kind: "exited", exitStatus: status });

    // Every handle the VMM holds is named, with Zircon's type names and rights.
    const handles = t.session.listHandles();
    const types = handles.map((h) => h.typeName);
    expect(types).toContain("ZX_OBJ_TYPE_GUEST");
    expect(types).toContain("ZX_OBJ_TYPE_VCPU");
    expect(types).toContain("ZX_OBJ_TYPE_RESOURCE");
    const guest = handles.find((h) => h.typeName === "ZX_OBJ_TYPE_GUEST")!;
    expect(guest.rightsNames).toContain("ZX_RIGHT_MANAGE_PROCESS");
    expect(guest.handle & 3).toBe(3);

    // The log starts where the VMM starts: creating the guest with the hypervisor resource.
    const calls = t.syscalls();
    expect(calls[0].name).toBe("zx_guest_create");
    expect(calls[0].statusName).toBe("ZX_OK");
    expect(calls.some((c) => c.name === "zx_vcpu_resume" && /port=0xe9/.test(c.detail))).toBe(true);

    // Registers after the exit: zx_vcpu_read_state plus the arch extension.
    const regs = t.session.readRegisters()!;
    expect(regs.general).not.toBeNull();
    expect(typeof regs.arch!.rip).toBe("bigint");
    expect(regs.instructions).toBeGreaterThan(100);
    await t.session.dispose();
  });

  it("pauses a running guest with zx_vcpu_kick, then single-steps it", async () => {
    const t = setup();
    expect(await t.session.bootGuest("bench-int.elf")).toBeNull();
    // Pause at once: in Node the kernel's MessageChannel yields starve timers while a guest computes,
    // so waiting on a setTimeout here would wait for the whole benchmark.
    expect(t.session.state()).toEqual({ kind: "running" });
    await t.session.pause();
    expect(t.session.state()).toEqual({ kind: "paused", reason: "pause" });
    expect(t.syscalls().some((c) => c.name === "zx_vcpu_kick")).toBe(true);
    expect(t.syscalls().some((c) => c.name === "zx_vcpu_resume" && c.statusName === "ZX_ERR_CANCELED")).toBe(true);
    const before = t.session.readRegisters()!;
    const step = await t.session.step();
    expect(step.error).toBeNull();
    expect(step.registers!.arch!.rip).not.toBe(before.arch!.rip);
    expect(step.registers!.instructions).toBe(before.instructions + 1);
    expect(t.session.state()).toEqual({ kind: "paused", reason: "step" });
    // Reset builds a fresh machine from the same image, ready at the start again.
    expect(await t.session.reset()).toBeNull();
    expect(t.session.state()).toEqual({ kind: "ready" });
    expect(t.session.readRegisters()!.instructions).toBe(0);
    await t.session.dispose();
  });

  it("boots the default guest, the monitor, and answers a command typed at its prompt", async () => {
    const t = setup();
    expect(DEFAULT_GUEST).toBe("monitor.elf");
    expect(await t.session.bootDefault()).toBeNull();
    await until("the prompt", () => t.text().endsWith("hvplay> "));
    expect(t.text()).toContain("hvplay monitor - a tiny guest OS on a 16550 UART. Type help.\r\n");
    // Keys arrive as a terminal sends them (Enter is CR), raise COM1's interrupt, and are echoed.
    t.session.consoleInput(new TextEncoder().encode("echo over COM1\r"));
    await until("the answer", () => t.text().endsWith("hvplay> echo over COM1\r\nover COM1\r\nhvplay> "));
    expect(t.session.state()).toEqual({ kind: "running" });
    t.session.consoleInput(new TextEncoder().encode("exit 5\r"));
    await until("the exit device", () => t.session.state().kind !== "running");
    expect(t.session.state()).toEqual({ kind: "exited", exitStatus: 11 });
    await t.session.dispose();
  });

  it("boots journey-boot.bin as a flat image in real mode, as `hvplay run --boot flat` does", async () => {
    const t = setup();
    expect(await t.session.bootGuest("journey-boot.bin", { boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 })).toBeNull();
    await until("the guest to exit", () => t.session.state().kind !== "running");
    expect(t.text()).toBe(readFileSync(path.join(root, "guests", "expected", "journey-boot.txt"), "latin1"));
    expect(t.session.state()).toEqual({ kind: "exited", exitStatus: 1 });
    // As a Multiboot kernel the same file is refused with a reason.
    expect(await t.session.bootGuest("journey-boot.bin")).toMatch(/Multiboot/);
    await t.session.dispose();
  });
});

describe("HypervisorSession's debugger on the real kernel and VMM", () => {
  // A 32-bit flat guest with paging on (identity-mapped by one 4 MiB page), so step over reads the
  // CALL through the guest's page tables.
  const SOURCE = `
bits 32
org 0x100000
    mov eax, 0x101000        ; page directory
    mov dword [eax], 0x87    ; PDE 0: 4 MiB page at 0, present, writable, user, PS
    mov cr3, eax
    mov eax, cr4
    or eax, 0x10             ; PSE
    mov cr4, eax
    mov eax, cr0
    or eax, 0x80000000       ; PG
    mov cr0, eax
    mov esp, 0x200000        ; a stack inside the mapped 4 MiB
    mov ebx, 0
    call work
    mov al, 'x'
    out 0xe9, al
    mov al, 0
    out 0xf4, al
work:
    add ebx, 5
    add ebx, 6
    ret
`;

  async function booted() {
    const { assemble } = await import("../src/asm");
    const asm = assemble(SOURCE);
    expect(asm.errors).toEqual([]);
    const t = setup();
    expect(await t.session.load({ name: "paged.bin", image: asm.bytes, boot: { boot: "flat", mode: "protected", load: 0x100000, entry: 0x100000 } })).toBeNull();
    const lineAddress = (text: string) => {
      const line = SOURCE.split("\n").findIndex((l) => l.trim() === text) + 1;
      return BigInt(asm.lineMap.find((e) => e.line === line)!.address);
    };
    return { ...t, lineAddress };
  }

  it("steps over a CALL as one step, through paging, and stops at breakpoints", async () => {
    const t = await booted();
    const call = t.lineAddress("call work");
    expect(t.session.setBreakpoints([call])).toBeNull();
    expect(t.session.run()).toBeNull();
    await until("the breakpoint", () => t.session.state().kind === "paused");
    expect(t.session.state()).toEqual({ kind: "paused", reason: "breakpoint", address: call });
    const over = await t.session.stepOver();
    expect(over.error).toBeNull();
    expect(over.registers!.detail!.rip).toBe(t.lineAddress("mov al, 'x'"));
    expect(over.registers!.general!.rbx).toBe(11n);
    expect(t.session.state()).toEqual({ kind: "paused", reason: "step" });
    // An ordinary instruction is a single step.
    const one = await t.session.step();
    expect(one.registers!.detail!.rip).toBe(t.lineAddress("out 0xe9, al"));
    const toExit = await t.session.stepToExit();
    expect(toExit.error).toBeNull();
    expect(t.text()).toBe("x");
    expect(t.session.state()).toEqual({ kind: "paused", reason: "exit" });
  });

  it("step into a CALL enters it; a breakpoint inside a stepped-over call stops there", async () => {
    const t = await booted();
    const call = t.lineAddress("call work");
    const inside = t.lineAddress("add ebx, 6");
    t.session.setBreakpoints([call, inside]);
    t.session.run();
    await until("the breakpoint", () => t.session.state().kind === "paused");
    const over = await t.session.stepOver();
    expect(over.registers!.detail!.rip).toBe(inside);
    expect(t.session.state()).toEqual({ kind: "paused", reason: "breakpoint", address: inside });
    expect(over.registers!.detail!.mode).toBe("protected32");
  });
});

describe.skipIf(!haveGuests)("HypervisorSession.syscall's caller buffers", () => {
  it("returns the Uint8Array arguments as the call filled them", async () => {
    const t = setup();
    expect(await t.session.bootGuest("hello.elf")).toBeNull();
    await until("the guest to exit", () => t.session.state().kind !== "running");
    const { out } = (await t.session.syscall("zx_vmo_create", [4096, 0])).result as { out: number };
    expect((await t.session.syscall("zx_vmo_write", [out, new Uint8Array([7, 8, 9]), 16])).result).toBe(0);
    const read = await t.session.syscall("zx_vmo_read", [out, new Uint8Array(4), 15]);
    expect(read.error).toBeNull();
    expect(read.error === null && read.buffers).toEqual([new Uint8Array([0, 7, 8, 9])]);
  });
});

describe.skipIf(!haveGuests)("HypervisorSession.addressSpace of a guest made from the page", () => {
  it("describes it by handle; a handle that is not a guest gives null", async () => {
    const t = setup();
    expect(await t.session.bootGuest("hello.elf")).toBeNull();
    await until("the guest to exit", () => t.session.state().kind !== "running");
    const resource = t.session.listHandles().find((h) => h.typeName === "ZX_OBJ_TYPE_RESOURCE")!.handle;
    const g = (await t.session.syscall("zx_guest_create", [resource, 0])).result as { status: number; guest_handle: number };
    expect(g.status).toBe(0);
    const view = t.session.addressSpace(g.guest_handle)!;
    expect(view).toMatchObject({ mappings: [], traps: [] });
    expect(view.guestKoid).not.toBe(t.session.addressSpace()!.guestKoid);
    expect(t.session.addressSpace(resource)).toBeNull();
  });
});

describe("HypervisorSession's user traps on the real kernel and VMM", () => {
  // Reads the trapped page in a loop of three, printing the low byte each time, then exits.
  const SOURCE = `
bits 32
org 0x100000
    mov ecx, 3
again:
    mov eax, [0xd0000000]
    out 0xe9, al
    loop again
    mov al, 0
    out 0xf4, al
`;
  const trap = { kind: "mem" as const, addr: 0xd0000000, size: 0x1000, key: 0x42n };

  async function image() {
    const { assemble } = await import("../src/asm");
    const asm = assemble(SOURCE);
    if (!asm.ok) throw new Error("assembly failed");
    return { name: "trap.asm", image: asm.bytes, boot: { boot: "flat" as const, mode: "protected" as const, load: 0x100000, entry: 0x100000 } };
  }

  it("records a guest's reads of a MEM trap under its key, reads all ones, goes on; the same exits after a reset", async () => {
    const t = setup();
    const exits = () => {
      t.session.flushEvents();
      return t.batches.flatMap((b) => b.exits);
    };
    expect(t.session.addTrap(trap)).toBeNull();
    expect(await t.session.load(await image())).toBeNull();
    // Set on the VMM's guest after the VMM's own traps: the address space lists it.
    expect(t.session.addressSpace()!.traps).toContainEqual({ kind: "mem", addr: 0xd0000000, len: 0x1000, key: 0x42n, portKoid: null });
    expect(t.session.run()).toBeNull();
    await until("the guest to exit", () => t.session.state().kind !== "running");
    expect(t.session.state()).toEqual({ kind: "exited", exitStatus: 1 });
    expect(t.text()).toBe("\xff\xff\xff");
    const first = exits().map((e) => `${e.kind}: ${e.summary}`);
    expect(first.filter((e) => e.includes("trap key 66"))).toEqual(Array(3).fill("mem: MMIO load 4 bytes at 0xd0000000 (no VMM device: trap key 66)"));

    const before = exits().length;
    expect(await t.session.reset()).toBeNull();
    expect(t.session.run()).toBeNull();
    await until("the guest to exit again", () => t.session.state().kind === "exited");
    expect(exits().slice(before).map((e) => `${e.kind}: ${e.summary}`)).toEqual(first);
  });

  it("a trap that collides with the VMM's devices is refused by name and not remembered", async () => {
    const t = setup();
    expect(await t.session.load(await image())).toBeNull();
    expect(t.session.addTrap({ ...trap, addr: 0xfec00000 })).toBe(
      "zx_guest_set_trap(MEM 0xfec00000 size 0x1000 key 66) failed: ZX_ERR_ALREADY_EXISTS (it overlaps the VMM's ioapic at 0xfec00000; MEM and BELL traps may not overlap)",
    );
    expect(t.session.userTraps()).toEqual([]);
  });
});
