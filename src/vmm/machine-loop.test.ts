import { describe, expect, it } from "vitest";
import {
  decodeVcpuIo, decodeVcpuState, encodeVcpuState, ZX_ERR_CANCELED, ZX_GUEST_TRAP_IO, ZX_ERR_NOT_SUPPORTED, ZX_ERR_SHOULD_WAIT, ZX_ERR_TIMED_OUT, ZX_OK,
  ZX_PKT_TYPE_GUEST_IO, ZX_VCPU_IO, ZX_VCPU_STATE, type Process, type ResumeResult, type zx_port_packet_t,
} from "../zircon";
import type { ExitRecord } from "./api";
import { Machine } from "./machine";

// The resume → packet → device → resume loop against a scripted stand-in for the kernel: each
// resume returns the next scripted result and the test sees exactly which syscalls the VMM made.
// (machine.test.ts runs the same Machine over the real kernel and CPU.)

type Step = ResumeResult | ((calls: string[]) => ResumeResult);

/**
 * `nowaitScript`: what hvplay_vcpu_resume_nowait answers, one step per call ("wait" or an empty
 * script: ZX_ERR_SHOULD_WAIT); its results carry the count and an exit RIP of 0x1000 + the count.
 */
function fakeProcess(script: Step[], nowaitScript: (Step | "wait")[] = []) {
  const calls: string[] = [];
  const traps: Array<{ kind: number; addr: number; size: number; key: number }> = [];
  const ram = new Uint8Array(4 * 1024 * 1024);
  let regs = encodeVcpuState({});
  let retired = 0;
  const thread = {
    zx_guest_create: () => ({ status: ZX_OK, guest_handle: 11, vmar_handle: 12 }),
    zx_vmo_create: () => ({ status: ZX_OK, out: 13 }),
    zx_vmo_replace_as_executable: () => ({ status: ZX_OK, out: 14 }),
    zx_vmar_map: () => ({ status: ZX_OK, mapped_addr: 0x1000000 }),
    zx_vmar_unmap: () => ZX_OK,
    zx_guest_set_trap: (_g: number, kind: number, addr: number, size: number, _p: number, key: number) => (traps.push({ kind, addr, size, key }), ZX_OK),
    zx_port_create: () => ({ status: ZX_OK, out: 16 }),
    // The device clock: time stands still in these scripts, so its timer never fires.
    zx_clock_get_monotonic: () => 0n,
    hvplay_clock_get_monotonic_ns: () => 0,
    zx_timer_create: () => ({ status: ZX_OK, out: 17 }),
    zx_timer_set: () => ZX_OK,
    zx_timer_cancel: () => ZX_OK,
    zx_object_wait_async: () => ZX_OK,
    // The doorbell server waits here; no BELL packet ever comes in these scripts.
    zx_port_wait: () => new Promise(() => {}),
    zx_vcpu_create: () => ({ status: ZX_OK, out: 15 }),
    // Without a nowait script, a kernel whose every run must wait: the VMM falls back to the blocking calls.
    hvplay_vcpu_resume_nowait: () => {
      const next = nowaitScript.shift();
      if (next === undefined || next === "wait") return { status: ZX_ERR_SHOULD_WAIT, packet: { key: 0n, type: 0, status: 0 }, instructions_retired: retired, last_exit_rip: null };
      calls.push("nowait");
      retired += 10;
      const r = typeof next === "function" ? next(calls) : next;
      return { ...r, instructions_retired: retired, last_exit_rip: BigInt(0x1000 + retired) };
    },
    zx_vcpu_resume: async () => {
      calls.push("resume");
      const next = script.shift();
      if (!next) return { status: ZX_ERR_NOT_SUPPORTED, packet: { key: 0n, type: 0, status: 0 } };
      retired += 10;
      return typeof next === "function" ? next(calls) : next;
    },
    hvplay_vcpu_resume_limited: async (_v: number, n: number) => {
      calls.push(`resume_limited ${n}`);
      retired += n;
      return { status: ZX_ERR_TIMED_OUT, packet: { key: 0n, type: 0, status: 0 } };
    },
    hvplay_vcpu_read_arch_state: () => ({ status: ZX_OK, state: { rip: 0x1234n, instructions_retired: BigInt(retired) } }),
    hvplay_vcpu_instructions_retired: () => ({ status: ZX_OK, count: BigInt(retired) }),
    zx_vcpu_kick: () => (calls.push("kick"), ZX_OK),
    zx_vcpu_interrupt: (_v: number, vector: number) => (calls.push(`interrupt ${vector}`), ZX_OK),
    zx_vcpu_read_state: (_v: number, _k: number, buf: Uint8Array) => (buf.set(regs), ZX_OK),
    zx_vcpu_write_state: (_v: number, kind: number, buf: Uint8Array) => {
      if (kind === ZX_VCPU_IO) {
        const io = decodeVcpuIo(buf);
        calls.push(`write_state IO ${io.access_size} ${io.u32.toString(16)}`);
      } else if (kind === ZX_VCPU_STATE) {
        regs = buf.slice();
        calls.push("write_state STATE");
      }
      return ZX_OK;
    },
    zx_handle_close: (h: number) => (calls.push(`close ${h}`), ZX_OK),
  };
  const proc = { hypervisorResource: 1, rootVmar: 2, createThread: () => thread, view: () => ram };
  return { proc: proc as unknown as Process, calls, traps, regs: () => decodeVcpuState(regs) };
}

const io = (key: number, port: number, size: number, input: boolean, value = 0): ResumeResult => {
  const packet: zx_port_packet_t = {
    key: BigInt(key), type: ZX_PKT_TYPE_GUEST_IO, status: 0,
    guest_io: { port, access_size: size, input, u8: value & 0xff, u16: value & 0xffff, u32: value >>> 0, data: new Uint8Array(4) },
  };
  return { status: ZX_OK, packet };
};

/** A minimal valid Multiboot a.out-kludge image: header + `hlt`. */
function tinyKernel(): Uint8Array {
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  const flags = 0x10000;
  dv.setUint32(0, 0x1badb002, true);
  dv.setUint32(4, flags, true);
  dv.setUint32(8, (-(0x1badb002 + flags)) >>> 0, true);
  dv.setUint32(12, 0x100000, true); // header_addr
  dv.setUint32(16, 0x100000, true); // load_addr
  dv.setUint32(20, 0, true); // load_end_addr: whole file
  dv.setUint32(24, 0, true); // bss_end_addr
  dv.setUint32(28, 0x100020, true); // entry
  b[0x20] = 0xf4;
  return b;
}

function machine(script: Step[], nowaitScript: (Step | "wait")[] = [], exits?: ExitRecord[]) {
  const f = fakeProcess(script, nowaitScript);
  let out = "";
  const m = Machine.create(f.proc, { memoryMiB: 4 }, { console: (b) => (out += new TextDecoder().decode(b)), exit: exits ? (r) => exits.push({ ...r }) : undefined });
  if (typeof m === "string") throw new Error(m);
  expect(m.load({ boot: "multiboot", image: tinyKernel() })).toBeNull();
  const key = (device: string) => m.mappings().find((r) => r.device === device)!.key;
  return { m, f, key, out: () => out };
}

describe("the VMM loop", () => {
  it("sets one trap per row, keyed by row index; the IO traps cover ports 0..0xFFFE", () => {
    const { f, m } = machine([]);
    expect(f.traps.map((t) => t.key)).toEqual(m.mappings().map((r) => r.key));
    expect(f.traps.filter((t) => t.kind === ZX_GUEST_TRAP_IO).reduce((n, t) => n + t.size, 0)).toBe(0xffff);
  });

  it("passes the kernel's entry registers to the trampoline with zx_vcpu_write_state", () => {
    const { f } = machine([]);
    expect(f.regs().rsi).toBe(0x100020n);
    expect(f.regs().rbp).toBe(0x9500n);
  });

  it("sends OUTs to the device behind the trap key, answers INs with ZX_VCPU_IO, and ends at the exit device", async () => {
    let k = (_: string) => 0;
    const { m, f, key, out } = machine([
      () => io(k("debugcon"), 0xe9, 1, false, 0x48),
      () => io(k("debugcon"), 0xe9, 1, false, 0x69),
      () => io(k("uart16550 COM1"), 0x3fd, 1, true),
      () => io(k("unassigned"), 0x80, 2, true),
      () => io(k("isa-debug-exit"), 0xf4, 1, false, 0x10),
    ]);
    k = key;
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 0x21 });
    expect(out()).toBe("Hi");
    expect(f.calls.filter((c) => c.startsWith("write_state IO"))).toEqual(["write_state IO 1 60", "write_state IO 2 ffff"]);
    expect(m.stats().exitsByKind).toEqual({ io: 5 });
  });

  it("takes the exit round trip without a promise when the kernel answers at once; its figures go into the exit record", async () => {
    let k = (_: string) => 0;
    const exits: ExitRecord[] = [];
    const { m, f, key, out } = machine(
      [() => io(k("isa-debug-exit"), 0xf4, 1, false, 0x10)],
      [() => io(k("debugcon"), 0xe9, 1, false, 0x48), "wait"],
      exits,
    );
    k = key;
    expect(await m.run()).toEqual({ kind: "exit-device", exitStatus: 0x21 });
    expect(out()).toBe("H");
    // The second nowait call had to wait: the blocking zx_vcpu_resume answered instead.
    expect(f.calls.filter((c) => c === "nowait" || c === "resume")).toEqual(["nowait", "resume"]);
    expect(exits.map((e) => [e.instructions, e.rip])).toEqual([[10, 0x100an], [20, null]]);
  });

  it("treats a trap key it did not set as an unassigned device, and reports an unrecoverable status as an error", async () => {
    const a = machine([io(999, 0x10, 1, true), { status: ZX_ERR_NOT_SUPPORTED, packet: { key: 0n, type: 0, status: 0 } }]);
    expect(await a.m.run()).toMatchObject({ kind: "error", status: ZX_ERR_NOT_SUPPORTED });
    // The IN from the unknown trap read all ones.
    expect(a.f.calls.filter((c) => c.startsWith("write_state IO"))).toEqual(["write_state IO 1 ff"]);
    const b = machine([{ status: ZX_ERR_NOT_SUPPORTED, packet: { key: 0n, type: 0, status: 0 } }]);
    expect(await b.m.run()).toEqual({ kind: "error", status: ZX_ERR_NOT_SUPPORTED, message: "zx_vcpu_resume: ZX_ERR_NOT_SUPPORTED at RIP 0x1234" });
  });

  it("turns ZX_ERR_CANCELED into 'paused'", async () => {
    const { m } = machine([{ status: ZX_ERR_CANCELED, packet: { key: 0n, type: 0, status: 0 } }]);
    expect(await m.run()).toEqual({ kind: "paused" });
  });

  it("steps with hvplay_vcpu_resume_limited(vcpu, 1) and runs to a limit", async () => {
    const { m, f } = machine([]);
    expect(await m.step()).toEqual({ kind: "limit" });
    expect(f.calls.at(-1)).toBe("resume_limited 1");
    expect(await m.run(500)).toEqual({ kind: "limit" });
    expect(f.calls.at(-1)).toBe("resume_limited 500");
  });

  it("acknowledges the 8259A and injects the vector with zx_vcpu_interrupt when COM1 interrupts", async () => {
    let k = (_: string) => 0;
    const { m, f, key } = machine([
      // PIC init (ICW1-4), unmask IRQ4, UART IER = received data.
      () => io(k("8259A master"), 0x20, 1, false, 0x11),
      () => io(k("8259A master"), 0x21, 1, false, 0x20),
      () => io(k("8259A master"), 0x21, 1, false, 0x04),
      () => io(k("8259A master"), 0x21, 1, false, 0x01),
      () => io(k("8259A master"), 0x21, 1, false, 0xef),
      () => io(k("uart16550 COM1"), 0x3f9, 1, false, 0x01),
      { status: ZX_ERR_CANCELED, packet: { key: 0n, type: 0, status: 0 } },
    ]);
    k = key;
    expect(await m.run()).toEqual({ kind: "paused" });
    expect(f.calls.some((c) => c.startsWith("interrupt"))).toBe(false);
    m.consoleInput(new Uint8Array([0x61]));
    expect(f.calls.at(-1)).toBe("interrupt 36"); // 0x20 + IRQ 4
  });

  it("closes the handles it holds on dispose", () => {
    const { m, f } = machine([]);
    m.dispose();
    expect(f.calls.filter((c) => c.startsWith("close"))).toEqual(["close 17", "close 15", "close 16", "close 11", "close 12", "close 14"]);
  });
});
