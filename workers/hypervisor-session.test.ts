/**
 * HypervisorSession's state machine and error handling, driven through a scripted machine that
 * honours the Machine contract (src/vmm/api.ts): run() resolves "paused" after pause(), "exit-device"
 * when the script says so; step() retires one instruction. The real kernel+VMM path is covered by
 * zircon-backend.test.ts and the e2e suite.
 */
import { describe, expect, it } from "vitest";
import {
  CONTROL_PREEMPT,
  CONTROL_RUN_END,
  CONTROL_RUN_ENDS,
  CONTROL_WORDS,
  DEFAULT_GUEST,
  LINUX_DEFAULT_CMDLINE,
  RUN_END_OTHER,
  RUN_END_PAUSE,
  type EventBatch,
  type GuestImage,
  type MachineConfig,
} from "./api";
import { buildZxNames, formatSyscall } from "./format";
import { HypervisorSession, bootSpec, effectiveMachine, toArchRegisters, whyNotGuestBoot, type MachineLike, type SessionBackend } from "./hypervisor-session";
import type { BootSpec, GeneralRegisters, MachineSinks, RunOutcome, UserTrap } from "../src/vmm/api";

const names = buildZxNames({ ZX_OK: 0, ZX_ERR_CANCELED: -23, ZX_ERR_NOT_SUPPORTED: -2 });

interface Script {
  /** What run() does after printing the greeting: wait for pause, exit, or throw. */
  afterGreeting: "wait" | "exit" | "throw" | "error" | "breakpoint";
  loadError?: string;
}

class ScriptedMachine implements MachineLike {
  rip = 0x100000n;
  instructions = 0;
  private wake: (() => void) | null = null;
  private kicked = false;
  disposed = false;
  input: number[] = [];
  /** What load() was asked to boot. */
  spec: BootSpec | null = null;
  constructor(private readonly sinks: Required<MachineSinks>, private readonly script: Script, private readonly trace: (name: string, result: unknown) => void) {}
  load(spec: BootSpec): string | null {
    this.spec = spec;
    this.trace("zx_guest_create", { status: 0, guest_handle: 0x2a3, vmar_handle: 0x2b7 });
    return this.script.loadError ?? (spec.image.length === 0 ? "empty image" : null);
  }
  async run(): Promise<RunOutcome> {
    this.kicked = false;
    await new Promise((r) => setTimeout(r, 1));
    for (const ch of "Hello\n") {
      this.instructions += 3;
      this.rip += 3n;
      this.sinks.console(new TextEncoder().encode(ch));
      this.sinks.exit({ seq: this.instructions, status: 0, kind: "io", summary: `OUT 0xe9 ${ch.charCodeAt(0)}`, instructions: this.instructions, rip: this.rip - 2n });
      this.trace("zx_vcpu_resume", { status: 0 });
    }
    switch (this.script.afterGreeting) {
      case "exit":
        return { kind: "exit-device", exitStatus: 1 };
      case "throw":
        throw new Error("VMM bug");
      case "error":
        return { kind: "error", status: -2, message: "triple fault" };
      case "breakpoint":
        if (this.breakpoints.length > 0) {
          this.rip = this.breakpoints[0];
          return { kind: "breakpoint", rip: this.rip };
        }
        return { kind: "exit-device", exitStatus: 1 };
      case "wait":
        if (!this.kicked) await new Promise<void>((r) => (this.wake = r));
        this.trace("zx_vcpu_resume", { status: -23 });
        return { kind: "paused" };
    }
  }
  async step(): Promise<RunOutcome> {
    this.rip += 2n;
    this.instructions++;
    return { kind: "limit" };
  }
  async stepToExit(): Promise<RunOutcome> {
    this.rip += 10n;
    this.instructions += 5;
    this.sinks.exit({ seq: this.instructions, status: 0, kind: "io", summary: "OUT 0xe9", instructions: this.instructions, rip: this.rip - 2n });
    return { kind: "limit" };
  }
  breakpoints: bigint[] = [];
  setBreakpoints(rips: readonly bigint[]): number {
    this.breakpoints = [...rips];
    return 0;
  }
  /** User traps set on this machine, in order; one at 0xfeb00000 is refused, as the mailbox's page. */
  traps: UserTrap[] = [];
  setUserTrap(trap: UserTrap): string | null {
    if (trap.addr === 0xfeb00000) return "zx_guest_set_trap(MEM 0xfeb00000 size 0x1000 key 1) failed: ZX_ERR_ALREADY_EXISTS";
    this.traps.push(trap);
    return null;
  }
  describeAddressSpace() {
    return {
      status: 0,
      koid: 1031n,
      mappings: [{ addr: 0, size: 4096, vmo_koid: 1040n, vmo_size: 4096, vmo_offset: 0, perms: 7 }],
      traps: [{ kind: 2, addr: 0x3f8, len: 8, key: 1n, port_koid: 1050n }, { kind: 1, addr: 0xfec00000, len: 4096, key: 2n, port_koid: null }],
    };
  }
  written: GeneralRegisters | null = null;
  writeRegisters(regs: GeneralRegisters): number {
    this.written = regs;
    return 0;
  }
  pause(): void {
    this.kicked = true;
    this.wake?.();
  }
  consoleInput(bytes: Uint8Array): void {
    this.input.push(...bytes);
  }
  readRegisters(): GeneralRegisters | null {
    const z = 0n;
    return { rax: 0x2badb002n, rcx: z, rdx: z, rbx: 0x9000n, rsp: z, rbp: z, rsi: z, rdi: z, r8: z, r9: z, r10: z, r11: z, r12: z, r13: z, r14: z, r15: z, rflags: 2n };
  }
  readArchState() {
    const seg = (selector: number, ar: number) => ({ selector, base: 0n, limit: 0xffffffff, access_rights: ar });
    return {
      status: 0,
      state: {
        rip: this.rip, rflags: 2n, cr0: 0x11n, cr2: 0n, cr3: 0n, cr4: 0n, efer: 0n,
        cs: seg(8, 0xc09b), ds: seg(16, 0xc093), es: seg(16, 0xc093), fs: seg(16, 0xc093), gs: seg(16, 0xc093), ss: seg(16, 0xc093),
        ldtr: seg(0, 0x10000), tr: seg(0, 0x8b), gdtr: { base: 0x1000n, limit: 23 }, idtr: { base: 0n, limit: 0 },
        instructions_retired: BigInt(this.instructions), last_exit_rip: null,
      },
    };
  }
  readonly memory = new Uint8Array(new SharedArrayBuffer(4096));
  ram(): Uint8Array {
    return this.memory;
  }
  stats() {
    return { instructionsRetired: this.instructions, exitsByKind: {}, runMillis: 1 };
  }
  dispose(): void {
    this.disposed = true;
  }
}

function setup(script: Script, fetchGuest?: (name: string) => Promise<GuestImage>, extra: Partial<SessionBackend> = {}) {
  const machines: ScriptedMachine[] = [];
  /** The machine config each machine was created with, in order. */
  const configs: (MachineConfig | undefined)[] = [];
  const backend: SessionBackend = {
    ...extra,
    create(sinks, onSyscall, config) {
      const m = new ScriptedMachine(sinks, script, (name, result) => onSyscall({ thread: 1030n, name, args: [0x2a3], result }));
      machines.push(m);
      configs.push(config);
      return { machine: m, listHandles: () => [{ handle: 0x2a3, type: 20, typeName: "ZX_OBJ_TYPE_GUEST", koid: 1031n, rights: 0x2800b, rightsNames: [] }], syscall: () => undefined };
    },
    formatSyscall: (raw, seq) => formatSyscall(raw, seq, names),
    statusName: (s) => names.status(s),
    fetchGuest: fetchGuest ?? (async (name) => ({ name, image: new Uint8Array([1, 2, 3]) })),
  };
  // Flush synchronously on the next macrotask so tests can await events.
  const session = new HypervisorSession(backend, { schedule: (fn) => setTimeout(fn, 0), statsIntervalMs: 0, pauseTimeoutMs: 500 });
  const batches: EventBatch[] = [];
  session.subscribe((b) => batches.push(b));
  const consoleText = () => batches.map((b) => (b.console ? new TextDecoder().decode(b.console) : "")).join("");
  const states = () => batches.flatMap((b) => (b.state ? [b.state.kind] : []));
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { session, machines, configs, batches, consoleText, states, settle };
}

describe("HypervisorSession", () => {
  it("boots the default guest and runs it: the greeting arrives as console events", async () => {
    const t = setup({ afterGreeting: "wait" });
    expect(await t.session.bootDefault()).toBeNull();
    await t.settle();
    expect(t.session.state()).toEqual({ kind: "running" });
    expect(t.consoleText()).toBe("Hello\n");
    const all = t.batches.flatMap((b) => b.syscalls.map((s) => s.name));
    expect(all[0]).toBe("zx_guest_create");
    expect(all.filter((n) => n === "zx_vcpu_resume").length).toBe(6);
    expect(t.batches.some((b) => b.handles?.[0]?.typeName === "ZX_OBJ_TYPE_GUEST")).toBe(true);
    // Registers cannot be read while the VCPU runs.
    expect(t.session.readRegisters()).toBeNull();
    await t.session.pause();
  });

  it("pause stops the loop and pushes registers; step changes RIP", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.bootDefault();
    await t.settle();
    await t.session.pause();
    expect(t.session.state()).toEqual({ kind: "paused", reason: "pause" });
    const before = t.session.readRegisters()!;
    expect(before.arch!.rip).toBe(0x100012n);
    expect(before.general!.rax).toBe(0x2badb002n);
    const stepped = await t.session.step();
    expect(stepped.error).toBeNull();
    expect(stepped.registers!.arch!.rip).toBe(0x100014n);
    expect(t.session.state()).toEqual({ kind: "paused", reason: "step" });
    await t.settle();
    expect(t.batches.at(-1)!.registers!.arch!.rip).toBe(0x100014n);
    expect(t.batches.flatMap((b) => b.syscalls).at(-1)!.statusName).toBe("ZX_ERR_CANCELED");
  });

  it("pause takes back the 1 the page added to the preemption word, and never goes below 0", async () => {
    const t = setup({ afterGreeting: "wait" });
    const words = t.session.controlWords()!;
    expect(words).toBeInstanceOf(Int32Array);
    expect(words.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(words.length).toBe(CONTROL_WORDS);
    await t.session.bootDefault();
    await t.settle();
    Atomics.add(words, CONTROL_PREEMPT, 1);
    await t.session.pause();
    expect(t.session.state()).toEqual({ kind: "paused", reason: "pause" });
    expect(Atomics.load(words, CONTROL_PREEMPT)).toBe(0);
    // A pause nobody announced (or one of a stopped machine) leaves the word alone.
    await t.session.pause();
    expect(Atomics.load(words, CONTROL_PREEMPT)).toBe(0);
    Atomics.add(words, CONTROL_PREEMPT, 2);
    await t.session.pause();
    expect(Atomics.load(words, CONTROL_PREEMPT)).toBe(1);
  });

  it("counts every end of a run in the control words and says whether a pause() ended it", async () => {
    const t = setup({ afterGreeting: "wait" });
    const words = t.session.controlWords()!;
    const ends = () => Atomics.load(words, CONTROL_RUN_ENDS);
    const how = () => Atomics.load(words, CONTROL_RUN_END);
    await t.session.bootDefault();
    await t.settle();
    expect(t.session.state().kind).toBe("running");
    expect(ends()).toBe(0);
    await t.session.pause();
    expect([ends(), how()]).toEqual([1, RUN_END_PAUSE]);
    // Pausing a stopped machine, and a step (a run of its own that ends in "paused (step)"), are not pauses.
    await t.session.pause();
    expect(ends()).toBe(1);
    await t.session.step();
    expect(t.session.state()).toEqual({ kind: "paused", reason: "step" });
    expect([ends(), how()]).toEqual([2, RUN_END_OTHER]);
    expect(t.session.run()).toBeNull();
    await t.session.pause();
    expect([ends(), how()]).toEqual([3, RUN_END_PAUSE]);
    // The guest ending the run itself (the exit device).
    const u = setup({ afterGreeting: "exit" });
    const uWords = u.session.controlWords()!;
    await u.session.bootDefault();
    await u.settle();
    expect(u.session.state().kind).toBe("exited");
    expect([Atomics.load(uWords, CONTROL_RUN_ENDS), Atomics.load(uWords, CONTROL_RUN_END)]).toEqual([1, RUN_END_OTHER]);
  });

  it("refuses to run twice or to step while running", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.bootDefault();
    expect(t.session.run()).toMatch(/already running/);
    expect((await t.session.step()).error).toMatch(/already running/);
    await t.session.pause();
    expect(t.session.run()).toBeNull();
    await t.session.pause();
  });

  it("an exit-device write ends the run; Run is refused until Reset builds a fresh machine", async () => {
    const t = setup({ afterGreeting: "exit" });
    await t.session.bootDefault();
    await t.settle();
    expect(t.session.state()).toEqual({ kind: "exited", exitStatus: 1 });
    expect(t.session.run()).toMatch(/exited/);
    expect(await t.session.reset()).toBeNull();
    expect(t.machines.length).toBe(2);
    expect(t.machines[0].disposed).toBe(true);
    expect(t.session.state()).toEqual({ kind: "ready" });
    await t.settle();
    // The old machine's output went out before the new-machine marker, never in the same batch.
    const marker = t.batches.map((b) => b.newMachine).lastIndexOf(true);
    expect(marker).toBeGreaterThan(0);
    expect(t.batches[marker].console).toBeNull();
    expect(t.batches.slice(0, marker).map((b) => (b.console ? new TextDecoder().decode(b.console) : "")).join("")).toBe("Hello\n");
  });

  it("a VMM exception becomes an error state and event; the session keeps serving", async () => {
    const t = setup({ afterGreeting: "throw" });
    await t.session.bootDefault();
    await t.settle();
    const state = t.session.state();
    expect(state.kind).toBe("error");
    // The VMM may fail late in the first 20 ms: its batch gets a turn of its own.
    await t.settle();
    expect(t.batches.flatMap((b) => b.errors).join("\n")).toMatch(/VMM bug/);
    expect(t.session.ping(42)).toBe(42);
    expect(await t.session.reset()).toBeNull();
  });

  it("an unrecoverable resume status is shown by name", async () => {
    const t = setup({ afterGreeting: "error" });
    await t.session.bootDefault();
    await t.settle();
    expect(t.session.state()).toEqual({ kind: "error", message: "triple fault", status: -2, statusName: "ZX_ERR_NOT_SUPPORTED" });
  });

  it("load and fetch failures are readable and leave no machine", async () => {
    const t = setup({ afterGreeting: "wait", loadError: "not a Multiboot image" });
    expect(await t.session.bootDefault()).toBe("not a Multiboot image");
    expect(t.session.state()).toEqual({ kind: "empty" });
    const f = setup({ afterGreeting: "wait" }, async () => {
      throw new Error("HTTP 404");
    });
    expect(await f.session.bootDefault()).toBe(`could not fetch the guest ${DEFAULT_GUEST}: HTTP 404`);
    expect(f.session.run()).toMatch(/no guest/);
  });

  it("boots bundled guests by file name only", async () => {
    const fetched: string[] = [];
    const t = setup({ afterGreeting: "wait" }, async (name) => {
      fetched.push(name);
      return { name, image: new Uint8Array([1]) };
    });
    expect(await t.session.bootGuest("../secret.elf")).toMatch(/not a bundled guest/);
    expect(await t.session.bootGuest("echo.elf")).toBeNull();
    // Booting another guest while one runs stops the first (zx_vcpu_kick) and replaces the machine.
    expect(await t.session.bootGuest("bench-int.elf")).toBeNull();
    expect(fetched).toEqual(["echo.elf", "bench-int.elf"]);
    expect(t.machines[0].disposed).toBe(true);
    expect(t.session.state()).toEqual({ kind: "running" });
    await t.session.pause();
  });

  it("boots a bundled guest the way the page says: Multiboot by default, a flat image on request, kept across Reset", async () => {
    const t = setup({ afterGreeting: "wait" });
    expect(await t.session.bootGuest("hello.elf")).toBeNull();
    expect(t.machines[0].spec).toEqual({ boot: "multiboot", image: new Uint8Array([1, 2, 3]), cmdline: undefined, imageName: "hello.elf" });
    expect(await t.session.bootGuest("journey-boot.bin", { boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 })).toBeNull();
    expect(t.machines[1].spec).toEqual({ boot: "flat", image: new Uint8Array([1, 2, 3]), mode: "real", load: 0x7c00, entry: 0x7c00 });
    await t.session.pause();
    expect(await t.session.reset()).toBeNull();
    expect(t.machines[2].spec).toMatchObject({ boot: "flat", mode: "real", load: 0x7c00 });
    // The boot method crosses from the page: anything but a well-formed one is refused before fetching.
    const bad = [{ boot: "linux", initrd: "initrd.img" }, { boot: "uefi" }, { boot: "flat", mode: "v86" }, { boot: "flat", load: -1 }, { boot: "flat", entry: "0x7c00" }, null];
    for (const boot of bad) {
      expect(await t.session.bootGuest("journey-boot.bin", boot as never)).toMatch(/^journey-boot\.bin: /);
    }
    expect(t.machines.length).toBe(3);
    expect(await t.session.load({ name: "x.bin", image: new Uint8Array([1]), boot: { boot: "uefi" } as never })).toMatch(/not multiboot, flat, elf or linux/);
    expect(await t.session.load({ name: "x.bin", image: new Uint8Array([1]), boot: { boot: "linux", initrd: [1, 2] } as never })).toMatch(/initrd must be bytes/);
    expect(await t.session.load({ name: "x.elf", image: new Uint8Array([1]), boot: { boot: "elf" } })).toBeNull();
    expect(t.machines.at(-1)!.spec).toEqual({ boot: "elf", image: new Uint8Array([1]) });
    await t.session.dispose();
  });

  it("forwards console input and exposes RAM", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.load({ name: "g", image: new Uint8Array([1]) });
    t.session.consoleInput(new Uint8Array([0x61, 0x0d]));
    expect(t.machines[0].input).toEqual([0x61, 0x0d]);
    expect(t.session.getRam()!.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe("toArchRegisters", () => {
  it("widens numbers to bigints and drops non-integers", () => {
    expect(toArchRegisters({ rip: 5n, cr0: 0x11, name: "x" })).toEqual({ rip: 5n, cr0: 0x11n });
    expect(toArchRegisters(null)).toBeNull();
  });
  it("unwraps the kernel extension's { status, state } and shows segments by selector", () => {
    expect(toArchRegisters({
      status: 0,
      state: { rip: 0x100000n, cs: { selector: 0x10, base: 0n }, gdtr: { base: 0x1000n, limit: 23 }, instructions_retired: 5n },
    })).toEqual({ rip: 0x100000n, cs: 0x10n, gdtr: 0x1000n });
    expect(toArchRegisters({ status: -11 })).toBeNull();
  });
});

describe("HypervisorSession: the debugger", () => {
  it("applies breakpoints to every machine and reports a stop at one", async () => {
    const t = setup({ afterGreeting: "breakpoint" });
    expect(t.session.setBreakpoints([0x100040n])).toBeNull();
    expect(await t.session.load({ name: "g.elf", image: new Uint8Array([1]) })).toBeNull();
    expect(t.machines[0].breakpoints).toEqual([0x100040n]);
    expect(t.session.run()).toBeNull();
    await t.settle();
    expect(t.session.state()).toEqual({ kind: "paused", reason: "breakpoint", address: 0x100040n });
    expect(await t.session.reset()).toBeNull();
    expect(t.machines[1].breakpoints).toEqual([0x100040n]);
    expect(t.session.setBreakpoints(["x" as unknown as bigint])).toMatch(/bigints/);
  });

  it("steps to the next exit and says so", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.load({ name: "g.elf", image: new Uint8Array([1]) });
    const result = await t.session.stepToExit();
    expect(result.error).toBeNull();
    expect(t.session.state()).toEqual({ kind: "paused", reason: "exit" });
    expect(result.registers!.detail!.rip).toBe(0x10000an);
  });

  it("reads the full architectural state with the decoding mode", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.load({ name: "g.elf", image: new Uint8Array([1]) });
    const regs = t.session.readRegisters()!;
    expect(regs.detail).toMatchObject({ mode: "protected32", bits: 32, gdtr: { base: 0x1000n, limit: 23 } });
    expect(regs.detail!.segments.cs).toEqual({ selector: 8, base: 0n, limit: 0xffffffff, accessRights: 0xc09b });
  });

  it("writes general registers through the VMM, keeping RFLAGS bit 1", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.load({ name: "g.elf", image: new Uint8Array([1]) });
    expect(await t.session.writeRegisters({ rbx: 0x1234n, rflags: 0n })).toEqual({ status: 0, statusName: "ZX_OK" });
    expect(t.machines[0].written).toMatchObject({ rax: 0x2badb002n, rbx: 0x1234n, rflags: 2n });
    expect((await t.session.writeRegisters({ rip: 1n } as never)).statusName).toBe("ZX_ERR_INVALID_ARGS");
  });

  it("writes guest memory inside RAM only", async () => {
    const t = setup({ afterGreeting: "wait" });
    expect(t.session.writeMemory(0, new Uint8Array([1]))).toMatch(/no guest/);
    await t.session.load({ name: "g.elf", image: new Uint8Array([1]) });
    expect(t.session.writeMemory(0x10, new Uint8Array([0xaa, 0xbb]))).toBeNull();
    expect([...t.machines[0].memory.subarray(0x10, 0x12)]).toEqual([0xaa, 0xbb]);
    expect(t.session.writeMemory(4095, new Uint8Array([1, 2]))).toMatch(/outside guest RAM/);
  });

  it("describes the address space with permissions and trap kinds by name", async () => {
    const t = setup({ afterGreeting: "wait" });
    await t.session.load({ name: "g.elf", image: new Uint8Array([1]) });
    expect(t.session.addressSpace()).toEqual({
      guestKoid: 1031n,
      mappings: [{ addr: 0, size: 4096, vmoKoid: 1040n, vmoSize: 4096, vmoName: "", vmoOffset: 0, perms: "rwx" }],
      traps: [
        { kind: "io", addr: 0x3f8, len: 8, key: 1n, portKoid: 1050n },
        { kind: "mem", addr: 0xfec00000, len: 4096, key: 2n, portKoid: null },
      ],
    });
  });
});

describe("HypervisorSession: user traps", () => {
  const mem = { kind: "mem" as const, addr: 0xd0000000, size: 0x1000, key: 7n };
  const bell = { kind: "bell" as const, addr: 0xd0001000, size: 0x1000, key: 0xffff_ffff_ffff_ffffn };

  it("sets a trap on the current guest now and on every machine made later (reset, load)", async () => {
    const t = setup({ afterGreeting: "exit" });
    await t.session.bootDefault();
    expect(t.session.addTrap(mem)).toBeNull();
    expect(t.machines[0].traps).toEqual([mem]);
    expect(t.session.addTrap(bell)).toBeNull();
    expect(await t.session.reset()).toBeNull();
    expect(t.machines[1].traps).toEqual([mem, bell]);
    expect(await t.session.load({ name: "other.bin", image: new Uint8Array([1]) })).toBeNull();
    expect(t.machines[2].traps).toEqual([mem, bell]);
    expect(t.session.userTraps()).toEqual([mem, bell]);
  });

  it("remembers a trap only if the kernel took it, and says why not", async () => {
    const t = setup({ afterGreeting: "exit" });
    await t.session.bootDefault();
    expect(t.session.addTrap({ ...mem, addr: 0xfeb00000, key: 1n })).toMatch(/ZX_ERR_ALREADY_EXISTS/);
    expect(t.session.addTrap({ ...mem, kind: "io" } as never)).toMatch(/IO traps cannot be added/);
    expect(t.session.addTrap({ ...mem, key: 7 } as never)).toMatch(/64-bit unsigned bigint/);
    expect(t.session.userTraps()).toEqual([]);
  });

  it("replaces the list for the next load only; a trap that cannot be set fails the load, readably", async () => {
    const t = setup({ afterGreeting: "exit" });
    await t.session.bootDefault();
    expect(t.session.setTraps([mem])).toBeNull();
    // Zircon cannot remove a trap: the current guest keeps what it has (none here).
    expect(t.machines[0].traps).toEqual([]);
    await t.session.reset();
    expect(t.machines[1].traps).toEqual([mem]);
    expect(t.session.setTraps([{ ...mem, addr: -1 }])).toMatch(/^trap 1: trap addr "-1" is not a non-negative integer/);
    expect(t.session.userTraps()).toEqual([mem]);
    expect(t.session.setTraps([{ ...mem, addr: 0xfeb00000 }])).toBeNull();
    expect(await t.session.reset()).toMatch(/^zx_guest_set_trap\(MEM 0xfeb00000 .*ZX_ERR_ALREADY_EXISTS/);
    expect(t.session.state()).toEqual({ kind: "empty" });
    // Removed again, the guest boots.
    expect(t.session.setTraps([])).toBeNull();
    expect(await t.session.reset()).toBeNull();
    expect(t.session.state()).toEqual({ kind: "ready" });
  });
});

describe("Linux boots", () => {
  const kernel = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2);
  const bz = Uint8Array.of(0xaa, 0x55);
  const initrd = Uint8Array.of(0x1f, 0x8b, 8);

  it("validate the initrd's type and nothing else", () => {
    expect(whyNotGuestBoot({ boot: "linux" })).toBeNull();
    expect(whyNotGuestBoot({ boot: "linux", initrd })).toBeNull();
    for (const bad of ["initramfs.cpio.gz", [1, 2], initrd.buffer, null, 0]) {
      expect(whyNotGuestBoot({ boot: "linux", initrd: bad }), String(bad)).toBe("a Linux boot's initrd must be bytes (a Uint8Array)");
    }
    expect(whyNotGuestBoot({ boot: "bzimage" })).toBe('boot method "bzimage" is not multiboot, flat, elf or linux');
  });

  it("map to the VMM's BootSpec with the initrd, and LINUX_DEFAULT_CMDLINE unless the guest gives a command line", () => {
    expect(bootSpec({ name: "k", image: kernel, boot: { boot: "linux", initrd } })).toEqual({ boot: "linux", image: kernel, initrd, cmdline: LINUX_DEFAULT_CMDLINE });
    expect(bootSpec({ name: "k", image: kernel, boot: { boot: "linux" }, cmdline: "console=ttyS0 quiet" })).toEqual({ boot: "linux", image: kernel, cmdline: "console=ttyS0 quiet" });
    // An empty command line is the guest's choice, not "absent".
    expect(bootSpec({ name: "k", image: kernel, boot: { boot: "linux" }, cmdline: "" })).toEqual({ boot: "linux", image: kernel, cmdline: "" });
  });

  it("get 256 MiB unless the machine config names a size; other guests keep the VMM's default", () => {
    expect(effectiveMachine({ name: "k", image: kernel, boot: { boot: "linux" } })).toEqual({ memoryMiB: 256 });
    expect(effectiveMachine({ name: "k", image: kernel, boot: { boot: "linux" }, machine: { clock: "realtime" } })).toEqual({ memoryMiB: 256, clock: "realtime" });
    expect(effectiveMachine({ name: "k", image: kernel, boot: { boot: "linux" }, machine: { memoryMiB: 96 } })).toEqual({ memoryMiB: 96 });
    expect(effectiveMachine({ name: "k", image: kernel })).toBeUndefined();
    expect(effectiveMachine({ name: "k", image: kernel, boot: { boot: "elf" }, machine: { clock: "realtime" } })).toEqual({ clock: "realtime" });
  });

  /** A server holding `files` (path → bytes) under the app's base; anything else is absent. */
  function server(files: Record<string, Uint8Array>) {
    const asked: string[] = [];
    const fetchFile = async (path: string) => {
      asked.push(path);
      return Object.hasOwn(files, path) ? files[path] : null;
    };
    return { asked, fetchFile };
  }

  it("boot the bundled guest from guests/linux/: the vmlinux first, its initrd, 256 MiB, kept across Reset and reported back", async () => {
    const srv = server({ "guests/linux/vmlinux": kernel, "guests/linux/bzImage": bz, "guests/linux/initramfs.cpio": initrd });
    const t = setup({ afterGreeting: "wait" }, undefined, { fetchFile: srv.fetchFile });
    expect(await t.session.bootGuest("linux", { boot: "linux" })).toBeNull();
    expect(srv.asked).toEqual(["guests/linux/vmlinux", "guests/linux/initramfs.cpio"]);
    expect(t.machines[0].spec).toEqual({ boot: "linux", image: kernel, initrd, cmdline: LINUX_DEFAULT_CMDLINE });
    expect(t.configs[0]).toEqual({ memoryMiB: 256 });
    expect(t.session.state()).toEqual({ kind: "running" });
    // Share reads what was loaded: the bundled Linux guest by name, on the machine it really got.
    expect(t.session.loadedGuest()).toMatchObject({ name: "linux", image: kernel, boot: { boot: "linux", initrd }, machine: { memoryMiB: 256 } });
    await t.session.pause();
    expect(await t.session.reset()).toBeNull();
    expect(t.machines[1].spec).toEqual(t.machines[0].spec);
    expect(t.configs[1]).toEqual({ memoryMiB: 256 });
    await t.settle();
    expect(t.batches.find((b) => b.newMachine)?.guestName).toBe("linux");
    await t.session.dispose();
  });

  it("fall back to the bzImage when there is no vmlinux", async () => {
    const srv = server({ "guests/linux/bzImage": bz, "guests/linux/initramfs.cpio": initrd });
    const t = setup({ afterGreeting: "wait" }, undefined, { fetchFile: srv.fetchFile });
    // The boot method may be left out: "linux" is the Linux guest.
    expect(await t.session.bootGuest("linux")).toBeNull();
    expect(srv.asked).toEqual(["guests/linux/vmlinux", "guests/linux/initramfs.cpio", "guests/linux/bzImage"]);
    expect(t.machines[0].spec).toEqual({ boot: "linux", image: bz, initrd, cmdline: LINUX_DEFAULT_CMDLINE });
    await t.session.dispose();
  });

  it("say how to build the images when they are absent, and create no machine", async () => {
    const cases: Record<string, Uint8Array>[] = [{}, { "guests/linux/bzImage": bz }, { "guests/linux/initramfs.cpio": initrd }];
    for (const files of cases) {
      const t = setup({ afterGreeting: "wait" }, undefined, { fetchFile: server(files).fetchFile });
      const error = await t.session.bootGuest("linux", { boot: "linux" });
      expect(error).toMatch(/^The Linux guest is not built on this server: /);
      expect(error).toContain("`npm install && npm run guests:linux`");
      expect(error).toContain("downloads nothing");
      // It names exactly what is missing.
      expect(error!.includes("guests/linux/vmlinux or guests/linux/bzImage")).toBe(!("guests/linux/bzImage" in files));
      expect(error!.includes("the initrd (guests/linux/initramfs.cpio)")).toBe(!("guests/linux/initramfs.cpio" in files));
      expect(t.machines).toHaveLength(0);
      expect(t.session.state()).toEqual({ kind: "empty" });
      await t.settle();
      expect(t.batches.flatMap((b) => b.errors)).toEqual([error]);
    }
  });

  it("report a server failure, and a worker that cannot fetch files, readably", async () => {
    const broken = setup({ afterGreeting: "wait" }, undefined, {
      fetchFile: async (path) => {
        throw new Error(`/${path}: HTTP 500`);
      },
    });
    expect(await broken.session.bootGuest("linux")).toBe("could not fetch the Linux guest: /guests/linux/vmlinux: HTTP 500");
    const none = setup({ afterGreeting: "wait" });
    expect(await none.session.bootGuest("linux")).toBe("this worker cannot fetch the Linux guest's files");
    expect(none.session.state()).toEqual({ kind: "empty" });
  });

  it("refuse another boot method or a page's initrd for the bundled guest, before fetching", async () => {
    const srv = server({});
    const t = setup({ afterGreeting: "wait" }, undefined, { fetchFile: srv.fetchFile });
    expect(await t.session.bootGuest("linux", { boot: "multiboot" })).toBe('linux: the bundled Linux guest boots only as Linux ({ boot: "linux" })');
    expect(await t.session.bootGuest("linux", { boot: "linux", initrd })).toBe("linux: the bundled Linux guest brings its own initrd");
    expect(await t.session.bootGuest("linux", null as never)).toMatch(/^linux: /);
    expect(srv.asked).toEqual([]);
  });

  it("load a kernel and initrd the page opened, with the machine it asks for", async () => {
    const t = setup({ afterGreeting: "wait" });
    expect(await t.session.load({ name: "bzImage + initrd.img", image: bz, boot: { boot: "linux", initrd }, machine: { memoryMiB: 512 } })).toBeNull();
    expect(t.machines[0].spec).toEqual({ boot: "linux", image: bz, initrd, cmdline: LINUX_DEFAULT_CMDLINE });
    expect(t.configs[0]).toEqual({ memoryMiB: 512 });
    // Typing reaches the UART, Ctrl-C (0x03) included.
    t.session.consoleInput(Uint8Array.of(0x6c, 0x73, 0x0d, 0x03));
    expect(t.machines[0].input).toEqual([0x6c, 0x73, 0x0d, 0x03]);
  });
});
