import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernel, ZX_ERR_BAD_HANDLE } from "../zircon";
import type { ExitRecord } from "./api";
import { Machine } from "./machine";

// The VMM end to end over the real kernel model and CPU: every guest output is compared with what
// QEMU printed for the same guest (guests/expected).
const root = join(__dirname, "..", "..");
const guest = (name: string) => new Uint8Array(readFileSync(join(root, "public", "guests", `${name}.elf`)));
const expectedText = (name: string) => readFileSync(join(root, "guests", "expected", `${name}.txt`), "latin1");

function boot(name: string, opts: { memoryMiB?: number; exits?: ExitRecord[] } = {}) {
  const proc = createKernel().createProcess();
  let out = "";
  const m = Machine.create(proc, { memoryMiB: opts.memoryMiB ?? 32 }, {
    console: (b) => (out += Buffer.from(b).toString("latin1")),
    exit: opts.exits ? (r) => opts.exits!.push(r) : undefined,
  });
  if (typeof m === "string") throw new Error(m);
  const err = m.load({ boot: "multiboot", image: guest(name), imageName: `public/guests/${name}.elf` });
  if (err) throw new Error(err);
  return { m, proc, output: () => out };
}

describe("Machine", () => {
  it("traps every port: the devices plus 'unassigned' around them", () => {
    const { m } = boot("hello");
    const rows = m.mappings();
    expect(rows.map((r) => r.key)).toEqual(rows.map((_, i) => i));
    expect(rows.filter((r) => r.device !== "unassigned").map((r) => [r.base, r.size, r.device])).toEqual([
      [0x20, 2, "8259A master"], [0xa0, 2, "8259A slave"], [0xe9, 1, "debugcon"], [0xf4, 4, "isa-debug-exit"], [0x3f8, 8, "uart16550 COM1"],
    ]);
    const covered = rows.reduce((n, r) => n + r.size, 0);
    expect(covered).toBe(0xffff);
    m.dispose();
  });

  it("runs the default guest to the exit device with QEMU's output", async () => {
    const exits: ExitRecord[] = [];
    const { m, output } = boot("hello", { memoryMiB: 128, exits });
    const outcome = await m.run();
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(output()).toBe(expectedText("hello"));
    expect(exits.length).toBeGreaterThan(100);
    expect(exits.at(-1)?.summary).toMatch(/^OUT 0xf4 1 byte 0x0 \(isa-debug-exit\)/);
    expect(exits.every((e, i) => e.seq === i)).toBe(true);
    const stats = m.stats();
    expect(stats.instructionsRetired).toBeGreaterThan(1000);
    expect(stats.exitsByKind.io).toBe(exits.length);
    // Sticky, as QEMU's process would be gone.
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    m.dispose();
  });

  it("hands the guest the Multiboot information QEMU hands it", async () => {
    const { m, output } = boot("mbinfo", { memoryMiB: 128 });
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(output()).toBe(expectedText("mbinfo"));
    m.dispose();
  });

  it("steps one instruction at a time through the trampoline", async () => {
    const { m } = boot("hello");
    const rip0 = m.readArchState()?.state?.rip;
    expect(rip0).toBe(0x7030n);
    expect(await m.step()).toEqual({ kind: "limit" }); // lgdt
    expect(m.readArchState()?.state?.rip).toBe(0x7038n);
    expect(await m.step()).toEqual({ kind: "limit" }); // mov esp, 0x8000
    expect(m.readRegisters()?.rsp).toBe(0x8000n);
    const regs = m.readRegisters()!;
    expect(m.writeRegisters({ ...regs, rdx: 0x1234n })).toBe(0);
    expect(m.readRegisters()?.rdx).toBe(0x1234n);
    m.dispose();
  });

  it("leaves guest memory untouched when an image is refused", () => {
    const proc = createKernel().createProcess();
    const m = Machine.create(proc, { memoryMiB: 8 }, {});
    if (typeof m === "string") throw new Error(m);
    const bad = guest("hello").slice();
    bad.fill(0, 0x54, 0x60); // wipe the Multiboot header
    expect(m.load({ boot: "multiboot", image: bad })).toMatch(/Multiboot header/);
    expect(m.ram().every((b) => b === 0)).toBe(true);
    expect(m.readRegisters()).toBeNull();
    m.dispose();
  });

  it("stops after a given number of instructions and can go on from there", async () => {
    const { m } = boot("bench-int");
    expect(await m.run(50_000)).toEqual({ kind: "limit" });
    const after = m.stats().instructionsRetired;
    expect(after).toBeGreaterThanOrEqual(50_000);
    expect(await m.run(10_000)).toEqual({ kind: "limit" });
    expect(m.stats().instructionsRetired).toBeGreaterThanOrEqual(after + 10_000);
    m.dispose();
  });

  it("pauses a guest sleeping in HLT with zx_vcpu_kick, and resumes it", async () => {
    const { m, output } = boot("echo");
    const running = m.run();
    await new Promise((r) => setTimeout(r, 50));
    m.pause();
    expect(await running).toEqual({ kind: "paused" });
    expect(m.stats().exitsByKind.status).toBe(1);
    expect(m.readRegisters()).not.toBeNull();
    const again = m.run();
    m.consoleInput(new TextEncoder().encode("q"));
    expect(await again).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(output()).toMatch(/bye\r\n$/);
    m.dispose();
  });

  it("a kick that races with a packet ends the next resume as paused; the guest then runs on unharmed", async () => {
    let m!: Machine;
    let kicked = false;
    let out = "";
    const proc = createKernel().createProcess();
    const made = Machine.create(proc, {}, {
      console: (b) => {
        out += Buffer.from(b).toString("latin1");
        if (!kicked) {
          kicked = true;
          m.pause(); // inside the loop, between two resumes: the kick stays pending (sticky)
        }
      },
    });
    if (typeof made === "string") throw new Error(made);
    m = made;
    expect(m.load({ boot: "multiboot", image: guest("hello") })).toBeNull();
    expect(await m.run()).toEqual({ kind: "paused" });
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(out).toBe(expectedText("hello"));
    m.dispose();
  });

  it("delivers console input through COM1's interrupt and the 8259A (echo guest)", async () => {
    const { m, output } = boot("echo");
    const done = m.run();
    await new Promise((r) => setTimeout(r, 20));
    m.consoleInput(new TextEncoder().encode(readFileSync(join(root, "guests", "expected", "echo.stdin"), "latin1")));
    expect(await done).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(output()).toBe(expectedText("echo"));
    m.dispose();
  });

  it("closes every handle on dispose", () => {
    const { m, proc } = boot("hello");
    const t = proc.mainThread;
    const handles = [m.handles.guest, m.handles.guestVmar, m.handles.ramVmo, m.vcpuHandle];
    m.dispose();
    for (const h of handles) expect(t.zx_handle_close(h)).toBe(ZX_ERR_BAD_HANDLE);
  });

  it("refuses a memory size outside 2..2048 MiB", () => {
    const proc = createKernel().createProcess();
    expect(Machine.create(proc, { memoryMiB: 1 }, {})).toMatch(/whole number of MiB/);
  });
});

describe("Machine console batching", () => {
  it("delivers batched output even when the guest then sleeps (echo's banner, before any input)", async () => {
    const { m, output } = boot("echo");
    const running = m.run();
    await new Promise((r) => setTimeout(r, 100));
    expect(output()).toBe("echo: type something, q quits\r\n");
    m.pause();
    expect(await running).toEqual({ kind: "paused" });
    m.dispose();
  });
});
