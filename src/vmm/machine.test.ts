import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernel, ZX_ERR_BAD_HANDLE } from "../zircon";
import type { ExitRecord } from "./api";
import { Machine } from "./machine";
import { fnv1a } from "./exit-hash";
import { nasm } from "../testing/nasm";

// The VMM end to end over the real kernel model and CPU: every guest output is compared with what
// QEMU printed for the same guest (guests/expected).
const root = join(__dirname, "..", "..");
const guest = (name: string) => new Uint8Array(readFileSync(join(root, "public", "guests", `${name}.elf`)));
const expectedText = (name: string) => readFileSync(join(root, "guests", "expected", `${name}.txt`), "latin1");

function boot(name: string, opts: { memoryMiB?: number; exits?: ExitRecord[]; summaryHashes?: (number | undefined)[] } = {}) {
  const proc = createKernel().createProcess();
  let out = "";
  const m = Machine.create(proc, { memoryMiB: opts.memoryMiB ?? 32 }, {
    console: (b) => (out += Buffer.from(b).toString("latin1")),
    exit: opts.exits
      ? (r, summaryHash) => {
          opts.exits!.push({ ...r });
          opts.summaryHashes?.push(summaryHash);
        }
      : undefined,
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
    expect(rows.filter((r) => r.device !== "unassigned").map((r) => [r.kind, r.base, r.size])).toEqual([
      ["io", 0x20, 2], ["io", 0x40, 4], ["io", 0x60, 1], ["io", 0x61, 1], ["io", 0x64, 1], ["io", 0x70, 2], ["io", 0x92, 1],
      ["io", 0xa0, 2], ["io", 0xe9, 1], ["io", 0xf4, 4], ["io", 0x3f8, 8], ["io", 0x2f8, 8], ["io", 0x3e8, 8], ["io", 0x2e8, 8], ["io", 0x4d0, 2],
      ["io", 0x1000, 4], ["io", 0x2000, 2], // ACPI PM1 event and control blocks (acpi.ts FADT)
      ["mem", 0xfeb00000, 0x1000], ["bell", 0xfeb01000, 0x1000], ["mem", 0xfec00000, 0x1000],
    ]);
    const covered = rows.filter((r) => r.kind === "io").reduce((n, r) => n + r.size, 0);
    expect(covered).toBe(0xffff);
    m.dispose();
  });

  it("runs the default guest to the exit device with QEMU's output", async () => {
    const exits: ExitRecord[] = [];
    const summaryHashes: (number | undefined)[] = [];
    const { m, output } = boot("hello", { memoryMiB: 128, exits, summaryHashes });
    const outcome = await m.run();
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(output()).toBe(expectedText("hello"));
    expect(exits.length).toBeGreaterThan(100);
    // The summary hash handed with each IO record is its summary's (ExitHash trusts it).
    expect(summaryHashes.every((h, i) => h === undefined || h === fnv1a(exits[i].summary))).toBe(true);
    expect(summaryHashes.filter((h) => h !== undefined).length).toBe(exits.length);
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

  it("the mailbox device: MMIO registers decoded by the VMM, and a doorbell served from the port", async () => {
    // Flat 32-bit code: registers through several MOV forms, then a message through the doorbell,
    // then polling RINGS until the VMM (not the VCPU) has handled the ring.
    const code = nasm(`bits 32
      org 0x100000
      mov esp, 0x90000
      mov ebx, 0xfeb00000
      mov eax, [ebx]              ; ID
      call out32
      mov dword [ebx + 8], 0x12345678
      movzx eax, word [ebx + 10]  ; SCRATCH's upper half
      call out32
      mov dword [ebx + 0x10], msg ; MAILBOX
      mov dword [0xfeb01000], 1   ; ring: the VCPU does not stop for this
    .wait:
      mov eax, [ebx + 0x14]       ; RINGS
      test eax, eax
      jz .wait
      mov eax, [ebx + 0x0c]       ; ACCESSES
      cmp eax, 5
      setae al
      add al, '0'
      out 0xe9, al
      xor al, al
      out 0xf4, al
    out32:
      mov ecx, 4
    .b: out 0xe9, al
      shr eax, 8
      loop .b
      ret
    msg: db "hello from the guest", 0`);
    const exits: ExitRecord[] = [];
    let out = "";
    const m = Machine.create(createKernel().createProcess(), { memoryMiB: 8 }, { console: (b) => (out += Buffer.from(b).toString("latin1")), exit: (r) => exits.push({ ...r }) });
    if (typeof m === "string") throw new Error(m);
    expect(m.load({ boot: "flat", image: code, mode: "protected", load: 0x100000 })).toBeNull();
    const outcome = await m.run(1_000_000);
    expect(outcome, JSON.stringify(exits.slice(-3).map((e) => e.summary)) + out).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(out).toBe("HVPL" + "\x34\x12\x00\x00" + "[doorbell] hello from the guest\r\n" + "1");
    expect(exits.filter((e) => e.kind === "bell").map((e) => e.summary)).toEqual(["BELL 0xfeb01000 (mailbox)"]);
    expect(exits.filter((e) => e.kind === "mem").length).toBeGreaterThanOrEqual(5);
    m.dispose();
  });

  it("holds the firmware's IRQ 0 (vector 8) in the 8259A instead of injecting it as exception 8", async () => {
    // The PIT ticks at 18.2 Hz from boot (IRQ 0 → vector 8, as SeaBIOS leaves it): zx_vcpu_interrupt
    // would make vectors below 32 exceptions whatever IF says, so the VMM must keep the request pending.
    const code = nasm("bits 32\norg 0x100000\nmov ecx, 40000000\nspin: dec ecx\njnz spin\nxor al, al\nout 0xf4, al");
    const m = Machine.create(createKernel().createProcess(), { memoryMiB: 8 }, {});
    if (typeof m === "string") throw new Error(m);
    expect(m.load({ boot: "flat", image: code, mode: "protected", load: 0x100000 })).toBeNull();
    // 80 million instructions: past the first tick at 55 ms of device time.
    expect(await m.run(100_000_000)).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(m.stats().instructionsRetired).toBeGreaterThan(60_000_000);
    m.dispose();
  }, 60_000);

  it("summarises every IO exit from its own access, past the summaries a device keeps", async () => {
    // 5,000 distinct OUTs and INs to an unassigned port (more than the 4,096 summaries a device
    // keeps), then the first ones again: each record says its own port, size, direction and value.
    const code = nasm(`bits 32
      org 0x100000
      xor ebx, ebx
    next:
      mov dx, 0x80
      mov eax, ebx
      out dx, eax
      out dx, ax
      mov dx, 0x81
      out dx, al
      in al, dx
      inc ebx
      cmp ebx, 5000
      jne next
      xor ebx, ebx
      mov dx, 0x80
      mov eax, ebx
      out dx, eax
      mov al, 0x2a
      out dx, al
      xor al, al
      out 0xf4, al`);
    const exits: ExitRecord[] = [];
    const m = Machine.create(createKernel().createProcess(), { memoryMiB: 8 }, { console: () => {}, exit: (r) => exits.push({ ...r }) });
    if (typeof m === "string") throw new Error(m);
    expect(m.load({ boot: "flat", image: code, mode: "protected", load: 0x100000 })).toBeNull();
    expect(await m.run(1_000_000)).toEqual({ kind: "exit-device", exitStatus: 1 });
    const want: string[] = [];
    for (let v = 0; v < 5000; v++) {
      want.push(`OUT 0x80 4 bytes 0x${v.toString(16)} (unassigned)`, `OUT 0x80 2 bytes 0x${v.toString(16)} (unassigned)`);
      want.push(`OUT 0x81 1 byte 0x${(v & 0xff).toString(16)} (unassigned)`, "IN 0x81 1 byte → 0xff (unassigned)");
    }
    want.push("OUT 0x80 4 bytes 0x0 (unassigned)", "OUT 0x80 1 byte 0x2a (unassigned)", "OUT 0xf4 1 byte 0x0 (isa-debug-exit)");
    expect(exits.map((e) => e.summary)).toEqual(want);
    m.dispose();
  });
});
