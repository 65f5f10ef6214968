import { describe, expect, it } from "vitest";
import { assemble } from "../asm";
import { createKernel, ZX_GUEST_TRAP_BELL, ZX_GUEST_TRAP_MEM, ZX_OK } from "../zircon";
import type { ExitRecord, UserTrap } from "./api";
import { Machine } from "./machine";

// User traps (Machine.setUserTrap) over the real kernel and CPU: set with zx_guest_set_trap after the
// VMM's own; a MEM trap reads as all ones and its exits are recorded under the user's key, a BELL
// trap's packets arrive on the VMM's port and are recorded too; the guest goes on in both cases; the
// kernel's refusals come back as readable reasons naming Zircon's status.

const GUEST = `
bits 32
org 0x100000
    mov eax, [0xd0000000]       ; MEM trap, key 7: reads all ones
    out 0xe9, al                ; prints 0xff
    mov dword [0xd0000010], 5   ; a store to it: dropped
    mov dword [0xd0001000], 1   ; BELL trap: a packet on the VMM's port, the VCPU goes on
    mov al, 'k'
    out 0xe9, al
    mov al, 0
    out 0xf4, al
`;

const MEM: UserTrap = { kind: "mem", addr: 0xd0000000, size: 0x1000, key: 7n };
const BELL: UserTrap = { kind: "bell", addr: 0xd0001000, size: 0x1000, key: 0x1234_5678_9abc_def0n };

function machine(source = GUEST) {
  const asm = assemble(source);
  if (!asm.ok) throw new Error(asm.errors.map((e) => e.message).join("\n"));
  const exits: ExitRecord[] = [];
  let out = "";
  const m = Machine.create(createKernel().createProcess(), { memoryMiB: 4 }, { console: (b) => (out += Buffer.from(b).toString("latin1")), exit: (r) => exits.push({ ...r }) });
  if (typeof m === "string") throw new Error(m);
  expect(m.load({ boot: "flat", image: asm.bytes, mode: "protected", load: 0x100000, entry: 0x100000 })).toBeNull();
  return { m, exits, output: () => out };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe("user traps", () => {
  it("a MEM trap reads all ones, drops writes and records each access under its key; a BELL trap's doorbell is recorded; the guest goes on", async () => {
    const { m, exits, output } = machine();
    expect(m.setUserTrap(MEM)).toBeNull();
    expect(m.setUserTrap(BELL)).toBeNull();
    // Set on the VMM's guest, after the VMM's own traps; the BELL trap on the VMM's port.
    const traps = m.describeAddressSpace().traps!;
    expect(traps.find((t) => t.addr === 0xd0000000)).toMatchObject({ kind: ZX_GUEST_TRAP_MEM, len: 0x1000, key: 7n, port_koid: null });
    expect(traps.find((t) => t.addr === 0xd0001000)).toMatchObject({ kind: ZX_GUEST_TRAP_BELL, key: BELL.key });
    expect(traps.find((t) => t.addr === 0xd0001000)?.port_koid).not.toBeNull();

    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    await tick();
    expect(output()).toBe("\xffk");
    expect(exits.filter((e) => e.kind === "mem").map((e) => e.summary)).toEqual([
      "MMIO load 4 bytes at 0xd0000000 (no VMM device: trap key 7)",
      "MMIO store 4 bytes at 0xd0000010 (no VMM device: trap key 7)",
    ]);
    expect(exits.filter((e) => e.kind === "bell").map((e) => e.summary)).toEqual([`BELL 0xd0001000 (no VMM device: trap key ${BELL.key})`]);
    expect(exits.every((e) => e.status === ZX_OK)).toBe(true);
    m.dispose();
  });

  it("a user trap that reuses one of the VMM's keys is told apart by its address", async () => {
    const key = BigInt(m0().mappings().find((r) => r.device === "mailbox")!.key);
    const { m, exits } = machine();
    expect(m.setUserTrap({ ...MEM, key })).toBeNull();
    expect(m.setUserTrap(BELL)).toBeNull();
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(exits.filter((e) => e.kind === "mem")[0].summary).toBe(`MMIO load 4 bytes at 0xd0000000 (no VMM device: trap key ${key})`);
    m.dispose();
  });

  it("gives the same exits, keys included, every time the same machine boots", async () => {
    const run = async () => {
      const { m, exits } = machine();
      expect(m.setUserTrap(MEM)).toBeNull();
      expect(m.setUserTrap(BELL)).toBeNull();
      expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 1 });
      m.dispose();
      // BELL packets are served from the port while the VCPU runs on: their place among the VCPU's
      // exits follows the host's scheduling, so they are compared apart.
      const bells = exits.filter((e) => e.kind === "bell").map((e) => e.summary);
      return { sync: exits.filter((e) => e.kind !== "bell").map((e) => `${e.kind} ${e.summary} @${e.instructions}`), bells };
    };
    const first = await run();
    expect(first.sync.some((e) => e.includes("trap key 7"))).toBe(true);
    expect(await run()).toEqual(first);
  });

  it("says what the kernel refused, by Zircon's status and in words", () => {
    const { m } = machine();
    expect(m.setUserTrap({ ...MEM, addr: 0xd0000800 })).toBe(
      "zx_guest_set_trap(MEM 0xd0000800 size 0x1000 key 7) failed: ZX_ERR_INVALID_ARGS (MEM and BELL traps need a page-aligned address and size: multiples of 0x1000)",
    );
    expect(m.setUserTrap({ ...MEM, size: 100 })).toMatch(/ZX_ERR_INVALID_ARGS \(MEM and BELL traps need a page-aligned/);
    expect(m.setUserTrap({ ...MEM, addr: 0xfeb00000 })).toBe(
      "zx_guest_set_trap(MEM 0xfeb00000 size 0x1000 key 7) failed: ZX_ERR_ALREADY_EXISTS (it overlaps the VMM's mailbox at 0xfeb00000; MEM and BELL traps may not overlap)",
    );
    expect(m.setUserTrap(MEM)).toBeNull();
    expect(m.setUserTrap({ ...BELL, addr: 0xd0000000, size: 0x2000 })).toMatch(/ZX_ERR_ALREADY_EXISTS \(it overlaps a trap already set on this guest/);
    expect(m.setUserTrap({ ...MEM, addr: 2 ** 48 })).toMatch(/ZX_ERR_INVALID_ARGS \(the range must lie inside the guest-physical address space/);
    expect(m.setUserTrap({ ...MEM, kind: "io" } as never)).toMatch(/only MEM and BELL traps can be added: the VMM already traps every I\/O port/);
    m.dispose();
  });
});

/** A machine to read the VMM's device table from. */
function m0(): Machine {
  const m = Machine.create(createKernel().createProcess(), { memoryMiB: 2 }, {});
  if (typeof m === "string") throw new Error(m);
  return m;
}
