import { describe, expect, it } from "vitest";
import { assemble } from "../asm";
import { createKernel, ZX_OBJ_TYPE_GUEST, ZX_ERR_OUT_OF_RANGE, ZX_GUEST_TRAP_BELL, ZX_GUEST_TRAP_IO, ZX_GUEST_TRAP_MEM, ZX_OK } from "../zircon";
import type { ExitRecord } from "./api";
import { Machine } from "./machine";

// The debugger's side of the VMM over the real kernel and CPU: host breakpoints
// (hvplay_vcpu_set_breakpoints → ZX_ERR_STOP), step to the next exit, the RIP of the instruction
// behind each exit, and the address-space description (hvplay_guest_describe).

const PROGRAM = `
bits 16
org 0x7c00
start:
    mov al, 'a'
    out 0xe9, al        ; exit 1
    mov cx, 3
again:
    inc al
    dec cx
    jnz again
    out 0xe9, al        ; exit 2: 'd'
    mov al, 0
    out 0xf4, al        ; the exit device
`;

function boot() {
  const asm = assemble(PROGRAM);
  if (!asm.ok) throw new Error(asm.errors.map((e) => e.message).join("\n"));
  const exits: ExitRecord[] = [];
  let out = "";
  const m = Machine.create(createKernel().createProcess(), { memoryMiB: 4 }, {
    console: (b) => (out += Buffer.from(b).toString("latin1")),
    exit: (r) => exits.push({ ...r }),
  });
  if (typeof m === "string") throw new Error(m);
  expect(m.load({ boot: "flat", image: asm.bytes, mode: "real", load: 0x7c00, entry: 0x7c00 })).toBeNull();
  const line = (text: string) => {
    const i = PROGRAM.split("\n").findIndex((l) => l.includes(text)) + 1;
    return BigInt(asm.lineMap.find((e) => e.line === i)!.address);
  };
  return { m, exits, output: () => out, line };
}

const rip = (m: Machine) => (m.readArchState() as { state: { rip: bigint } }).state.rip;

describe("host breakpoints", () => {
  it("stop before the instruction, every time it is reached, and resuming executes it", async () => {
    const { m, line, output } = boot();
    const target = line("inc al");
    expect(m.setBreakpoints([target])).toBe(ZX_OK);
    for (let i = 0; i < 3; i++) {
      expect(await m.run()).toEqual({ kind: "breakpoint", rip: target });
      expect(rip(m)).toBe(target);
    }
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(output()).toBe("ad");
  });

  it("a single step from a breakpoint executes the instruction there", async () => {
    const { m, line } = boot();
    const target = line("mov cx, 3");
    m.setBreakpoints([target]);
    expect(await m.run()).toEqual({ kind: "breakpoint", rip: target });
    expect(await m.step()).toEqual({ kind: "limit" });
    expect(rip(m)).toBe(target + 3n);
  });

  it("clearing the set lets the guest run to the end; too many are refused", async () => {
    const { m, line } = boot();
    m.setBreakpoints([line("inc al")]);
    expect(m.setBreakpoints([])).toBe(ZX_OK);
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(m.setBreakpoints(Array.from({ length: 257 }, (_, i) => BigInt(i)))).toBe(ZX_ERR_OUT_OF_RANGE);
  });
});

describe("step to the next exit", () => {
  it("runs to the next packet, handles it, and stops; exit records carry the RIP of the OUT", async () => {
    const { m, exits, output, line } = boot();
    expect(await m.stepToExit()).toEqual({ kind: "limit" });
    expect(output()).toBe("a");
    expect(exits.at(-1)).toMatchObject({ kind: "io", rip: line("out 0xe9, al        ; exit 1") });
    expect(await m.stepToExit()).toEqual({ kind: "limit" });
    expect(output()).toBe("ad");
    expect(exits.at(-1)).toMatchObject({ kind: "io", rip: line("out 0xe9, al        ; exit 2") });
    expect(await m.stepToExit()).toEqual({ kind: "exit-device", exitStatus: 1 });
  });
});

describe("hvplay_guest_describe", () => {
  it("lists guest RAM and the VMM's traps", () => {
    const { m } = boot();
    const d = m.describeAddressSpace();
    expect(d.status).toBe(ZX_OK);
    expect(d.mappings).toEqual([expect.objectContaining({ addr: 0, size: 4 * 1024 * 1024, vmo_offset: 0, perms: 7 })]);
    const io = d.traps!.filter((t) => t.kind === ZX_GUEST_TRAP_IO);
    expect(io.some((t) => t.addr === 0x3f8 && t.len === 8 && t.port_koid === null)).toBe(true);
    expect(d.traps!.some((t) => t.kind === ZX_GUEST_TRAP_BELL && t.port_koid !== null)).toBe(true);
    const mem = d.traps!.filter((t) => t.kind === ZX_GUEST_TRAP_MEM);
    expect(mem.some((t) => t.addr === 0xfec00000 && t.port_koid === null)).toBe(true);
  });
});

describe("a trap the VMM did not set", () => {
  it("reads as all ones, drops writes, and records each access under its key", async () => {
    const asm = assemble(`
bits 32
org 0x100000
    mov eax, [0xd0000000]
    mov dword [0xd0000004], 5
    out 0xe9, al
    mov al, 0
    out 0xf4, al
`);
    const exits: ExitRecord[] = [];
    let out = "";
    const proc = createKernel().createProcess();
    const m = Machine.create(proc, { memoryMiB: 4 }, { console: (b) => (out += Buffer.from(b).toString("latin1")), exit: (r) => exits.push({ ...r }) });
    if (typeof m === "string") throw new Error(m);
    expect(m.load({ boot: "flat", image: asm.bytes, mode: "protected", load: 0x100000, entry: 0x100000 })).toBeNull();
    // Set by hand on the VMM's guest, as the workbench's form does (the page's calls run on the process's main thread).
    const guest = proc.listHandles().find((h) => h.type === ZX_OBJ_TYPE_GUEST)!.handle;
    expect(proc.mainThread.zx_guest_set_trap(guest, ZX_GUEST_TRAP_MEM, 0xd0000000, 4096, 0, 99)).toBe(ZX_OK);
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(out).toBe("\xff");
    const mem = exits.filter((e) => e.kind === "mem").map((e) => e.summary);
    expect(mem).toEqual([
      "MMIO load 4 bytes at 0xd0000000 (no VMM device: trap key 99)",
      "MMIO store 4 bytes at 0xd0000004 (no VMM device: trap key 99)",
    ]);
  });
});

describe("live statistics", () => {
  it("count instructions while the VCPU runs", async () => {
    const asm = assemble("bits 32\norg 0x100000\nspin: inc eax\njmp spin\n");
    const m = Machine.create(createKernel().createProcess(), { memoryMiB: 4 }, {});
    if (typeof m === "string") throw new Error(m);
    expect(m.load({ boot: "flat", image: asm.bytes, mode: "protected", load: 0x100000, entry: 0x100000 })).toBeNull();
    const running = m.run();
    await new Promise((r) => setTimeout(r, 50));
    const live = m.stats().instructionsRetired;
    expect(m.stats().runMillis).toBeGreaterThan(0);
    m.pause();
    expect(await running).toEqual({ kind: "paused" });
    expect(live).toBeGreaterThan(1000);
    expect(m.stats().instructionsRetired).toBeGreaterThanOrEqual(live);
  });
});
