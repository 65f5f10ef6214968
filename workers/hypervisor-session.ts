/**
 * The worker's engine: owns one machine (kernel + process + VMM), drives it on behalf of the page,
 * and turns everything that happens into events. Implements `HypervisorApi`; the worker entry
 * (hypervisor.worker.ts) only wires it to Comlink and to the real kernel and VMM (zircon-backend.ts).
 *
 * Invariants:
 * - At most one VCPU loop runs at a time (`running` holds its promise); run/step/load/reset wait
 *   for it to stop first, so the Machine is never re-entered.
 * - Nothing thrown by the VMM or the kernel escapes: it becomes state "error" plus an error event
 *   (STYLE.md §C: an exception inside src/zircon is a bug; the page shows it, the worker lives on).
 */
import {
  DEFAULT_GUEST,
  GUEST_FILE_NAME,
  ZX_SYSCALL_NAME,
  type ArchRegisters,
  type EventBatch,
  type GuestBoot,
  type GuestImage,
  type HandleRow,
  type HypervisorApi,
  type MachineConfig,
  type MachineState,
  type MachineStats,
  type RegisterSnapshot,
  type StepResult,
  type SyscallLogEntry,
  type SyscallResult,
} from "./api";
import { EventBatcher, type Scheduler } from "./event-batcher";
import type { RawSyscall } from "./format";
import type { BootSpec, ExitRecord, GeneralRegisters, MachineSinks, RunOutcome } from "../src/vmm/api";

/** The part of src/vmm's Machine the session uses. */
export interface MachineLike {
  load(spec: BootSpec): string | null;
  run(maxInstructions?: number): Promise<RunOutcome>;
  step(): Promise<RunOutcome>;
  pause(): void;
  consoleInput(bytes: Uint8Array): void;
  readRegisters(): GeneralRegisters | null;
  readArchState(): object | null;
  ram(): Uint8Array;
  stats(): MachineStats;
  dispose(): void;
}

/** A fresh kernel, process and machine, with the process's handle table. */
export interface MachineInstance {
  machine: MachineLike;
  listHandles(): HandleRow[];
  /** Calls the zx_* method `name` (already checked against ZX_SYSCALL_NAME) of the process's main thread; undefined if there is none. */
  syscall(name: string, args: unknown[]): unknown;
}

/** What the session needs from the outside world; hypervisor.worker.ts passes the real one. */
export interface SessionBackend {
  /** Creates a kernel, a process (tracing every syscall into `onSyscall`) and a Machine. */
  create(sinks: Required<MachineSinks>, onSyscall: (raw: RawSyscall) => void, config?: MachineConfig): MachineInstance | string;
  formatSyscall(raw: RawSyscall, seq: number): SyscallLogEntry;
  statusName(status: number): string;
  /** Fetches public/guests/<name> (name already checked against GUEST_FILE_NAME). */
  fetchGuest(name: string): Promise<GuestImage>;
}

export interface SessionOptions {
  schedule?: Scheduler;
  /** How often stats are pushed while running (ms). */
  statsIntervalMs?: number;
  /** How long pause() waits for the VCPU loop to stop before reporting a stuck machine. */
  pauseTimeoutMs?: number;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Converts Machine.readArchState()'s answer to bigints. The VMM returns the kernel extension's result
 * (`{ status, state }`, hvplay_vcpu_read_arch_state); a bare state object is accepted too. Numbers
 * are widened; a segment register `{ selector, base, ... }` is shown by its selector and a
 * descriptor-table register `{ base, limit }` by its base. The instruction count is not a register
 * (the panel shows it in its header) and is left out.
 */
export function toArchRegisters(result: object | null): ArchRegisters | null {
  if (!result) return null;
  let state: object = result;
  if ("status" in result && typeof result.status === "number") {
    if (result.status !== 0 || !("state" in result) || typeof result.state !== "object" || result.state === null) return null;
    state = result.state;
  }
  const out: ArchRegisters = {};
  for (const [key, value] of Object.entries(state)) {
    if (key === "instructions_retired") continue;
    if (typeof value === "bigint") out[key] = value;
    else if (typeof value === "number" && Number.isInteger(value)) out[key] = BigInt(value);
    else if (typeof value === "object" && value !== null && "selector" in value) {
      const selector = (value as { selector: unknown }).selector;
      if (typeof selector === "number" || typeof selector === "bigint") out[key] = BigInt(selector);
    } else if (typeof value === "object" && value !== null && "base" in value) {
      const base = (value as { base: unknown }).base;
      if (typeof base === "number" || typeof base === "bigint") out[key] = BigInt(base);
    }
  }
  return out;
}

/** Why `boot` (which came from the page) is not a GuestBoot the VMM takes, or null if it is. */
export function whyNotGuestBoot(boot: unknown): string | null {
  if (typeof boot !== "object" || boot === null) return "the boot method must be an object";
  const b = boot as Record<string, unknown>;
  if (b.boot === "multiboot") return null;
  if (b.boot !== "flat") return `boot method ${JSON.stringify(b.boot)} is not multiboot or flat`;
  if (b.mode !== undefined && b.mode !== "real" && b.mode !== "protected" && b.mode !== "long") return `flat mode ${JSON.stringify(b.mode)} is not real, protected or long`;
  for (const key of ["load", "entry"] as const) {
    const v = b[key];
    if (v !== undefined && !(typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return `flat ${key} address ${JSON.stringify(v)} is not a non-negative integer`;
  }
  return null;
}

/** Why `config` (which came from the page) is not a MachineConfig the backend takes, or null if it is. */
export function whyNotMachineConfig(config: unknown): string | null {
  if (typeof config !== "object" || config === null) return "the machine config must be an object";
  const c = config as Record<string, unknown>;
  if (c.clock !== undefined && c.clock !== "deterministic" && c.clock !== "realtime") return `clock ${JSON.stringify(c.clock)} is not deterministic or realtime`;
  // The memory size is checked by Machine.create, which says what it takes.
  if (c.memoryMiB !== undefined && typeof c.memoryMiB !== "number") return `memory size ${JSON.stringify(c.memoryMiB)} is not a number of MiB`;
  return null;
}

/** The VMM's BootSpec for a guest image (Multiboot unless the image says otherwise). */
export function bootSpec(guest: GuestImage): BootSpec {
  const boot = guest.boot ?? { boot: "multiboot" };
  if (boot.boot === "flat") return { boot: "flat", image: guest.image, mode: boot.mode, load: boot.load, entry: boot.entry };
  // QEMU's Multiboot command line is "<kernel file name> <append>"; the VMM builds it from both.
  return { boot: "multiboot", image: guest.image, cmdline: guest.cmdline, imageName: guest.name };
}

export class HypervisorSession implements HypervisorApi {
  private readonly backend: SessionBackend;
  private readonly events: EventBatcher;
  private readonly statsIntervalMs: number;
  private readonly pauseTimeoutMs: number;

  private instance: MachineInstance | null = null;
  /** The image to reload on reset. */
  private guest: GuestImage | null = null;
  private current: MachineState = { kind: "empty" };
  /** The promise of the running VCPU loop, or null when stopped. */
  private running: Promise<void> | null = null;
  private pauseRequested = false;
  private statsTimer: ReturnType<typeof setInterval> | null = null;

  constructor(backend: SessionBackend, options: SessionOptions = {}) {
    this.backend = backend;
    this.statsIntervalMs = options.statsIntervalMs ?? 250;
    this.pauseTimeoutMs = options.pauseTimeoutMs ?? 5000;
    this.events = new EventBatcher({
      formatSyscall: (raw, seq) => backend.formatSyscall(raw, seq),
      schedule: options.schedule,
    });
  }

  // ---- events ------------------------------------------------------------------------------

  subscribe(listener: (batch: EventBatch) => void): void {
    this.events.setListener(listener);
    // A new subscriber (e.g. after a page reload of the controller) gets the full picture.
    this.events.state(this.current);
    if (this.instance) {
      this.events.handles(this.safeHandles());
      const regs = this.readRegisters();
      if (regs) this.events.registers(regs);
    }
  }

  /** Sends pending events now (tests; and the worker before answering a stop). */
  flushEvents(): EventBatch | null {
    return this.events.flush();
  }

  private setState(state: MachineState): void {
    this.current = state;
    this.events.state(state);
    if (state.kind === "running") {
      if (this.statsTimer === null && this.statsIntervalMs > 0) {
        this.statsTimer = setInterval(() => this.pushStats(), this.statsIntervalMs);
      }
    } else if (this.statsTimer !== null) {
      clearInterval(this.statsTimer);
      this.statsTimer = null;
    }
  }

  private fail(message: string, status: number | null = null): void {
    this.events.error(message);
    this.setState({
      kind: "error",
      message,
      status,
      statusName: status === null ? null : this.backend.statusName(status),
    });
  }

  private pushStats(): void {
    const stats = this.stats();
    if (stats) this.events.stats(stats);
  }

  private pushStopSnapshot(): void {
    const regs = this.readRegisters();
    if (regs) this.events.registers(regs);
    this.events.handles(this.safeHandles());
    this.pushStats();
  }

  private safeHandles(): HandleRow[] {
    try {
      return this.instance ? this.instance.listHandles() : [];
    } catch (error) {
      this.events.error(`listHandles failed: ${describe(error)}`);
      return [];
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  bootDefault(): Promise<string | null> {
    return this.bootGuest(DEFAULT_GUEST);
  }

  async bootGuest(name: string, boot?: GuestBoot): Promise<string | null> {
    if (!GUEST_FILE_NAME.test(name)) {
      const message = `not a bundled guest's name: ${JSON.stringify(name)}`;
      this.events.error(message);
      return message;
    }
    const bad = boot === undefined ? null : whyNotGuestBoot(boot);
    if (bad) {
      const message = `${name}: ${bad}`;
      this.events.error(message);
      return message;
    }
    await this.stopRunning();
    this.setState({ kind: "loading", what: name });
    let guest: GuestImage;
    try {
      guest = await this.backend.fetchGuest(name);
    } catch (error) {
      const message = `could not fetch the guest ${name}: ${error instanceof Error ? error.message : String(error)}`;
      this.events.error(message);
      this.setState({ kind: "empty" });
      return message;
    }
    const loadError = await this.load(boot ? { ...guest, boot } : guest);
    if (loadError) return loadError;
    return this.run();
  }

  async load(guest: GuestImage): Promise<string | null> {
    await this.stopRunning();
    this.disposeMachine();
    this.guest = guest;
    this.events.newMachine();
    this.setState({ kind: "loading", what: guest.name });
    let created: MachineInstance | string;
    const badConfig = guest.machine === undefined ? null : whyNotMachineConfig(guest.machine);
    if (badConfig) {
      this.events.error(`${guest.name}: ${badConfig}`);
      this.setState({ kind: "empty" });
      return badConfig;
    }
    try {
      created = this.backend.create(
        {
          console: (bytes) => this.events.console(bytes),
          exit: (record: ExitRecord) => this.events.exit(record),
        },
        (raw) => this.events.syscall(raw),
        guest.machine,
      );
    } catch (error) {
      created = `creating the machine threw: ${describe(error)}`;
    }
    if (typeof created === "string") {
      this.events.error(created);
      this.setState({ kind: "empty" });
      return created;
    }
    this.instance = created;
    let loadError: string | null;
    try {
      const bad = guest.boot === undefined ? null : whyNotGuestBoot(guest.boot);
      loadError = bad ?? created.machine.load(bootSpec(guest));
    } catch (error) {
      loadError = `loading ${guest.name} threw: ${describe(error)}`;
    }
    if (loadError) {
      this.events.error(`${guest.name}: ${loadError}`);
      this.events.handles(this.safeHandles());
      this.setState({ kind: "empty" });
      return loadError;
    }
    this.setState({ kind: "ready" });
    this.pushStopSnapshot();
    return null;
  }

  async reset(): Promise<string | null> {
    if (!this.guest) return "nothing to reset: no guest has been loaded";
    return this.load(this.guest);
  }

  private disposeMachine(): void {
    if (!this.instance) return;
    try {
      this.instance.machine.dispose();
    } catch (error) {
      this.events.error(`dispose failed: ${describe(error)}`);
    }
    this.instance = null;
  }

  /** Why the machine cannot execute guest code right now, or null if it can. */
  private whyNotRunnable(): string | null {
    if (!this.instance) return "no guest is loaded";
    switch (this.current.kind) {
      case "running":
        return "the machine is already running";
      case "exited":
        return "the guest has exited; press Reset to start it again";
      case "error":
        return "the machine stopped with an error; press Reset";
      case "loading":
        return "a guest is being loaded";
      default:
        return null;
    }
  }

  run(): string | null {
    const why = this.whyNotRunnable();
    if (why) return why;
    const machine = this.instance!.machine;
    this.pauseRequested = false;
    this.setState({ kind: "running" });
    let outcome: Promise<RunOutcome>;
    try {
      outcome = machine.run();
    } catch (error) {
      this.fail(`run threw: ${describe(error)}`);
      return null;
    }
    // Clear `running` before reporting, so the stop snapshot can read the registers.
    this.running = outcome.then(
      (result) => {
        this.running = null;
        this.stopped(result, this.pauseRequested ? "pause" : "limit");
      },
      (error: unknown) => {
        this.running = null;
        this.fail(`the VMM threw: ${describe(error)}`);
      },
    );
    return null;
  }

  private stopped(outcome: RunOutcome, reason: "pause" | "step" | "limit"): void {
    switch (outcome.kind) {
      case "paused":
        this.setState({ kind: "paused", reason: reason === "step" ? "step" : "pause" });
        break;
      case "limit":
        this.setState({ kind: "paused", reason });
        break;
      case "exit-device":
        this.setState({ kind: "exited", exitStatus: outcome.exitStatus });
        break;
      case "error":
        this.fail(outcome.message, outcome.status);
        break;
      case "reset":
        // A PC would reboot; the playground stops, as QEMU does with -no-reboot, and Reset boots again.
        this.fail("the guest reset the machine (i8042 command 0xfe or port 0x92); press Reset to boot it again", null);
        break;
    }
    this.pushStopSnapshot();
  }

  async pause(): Promise<void> {
    if (!this.running || !this.instance) return;
    this.pauseRequested = true;
    try {
      this.instance.machine.pause();
    } catch (error) {
      this.fail(`pause threw: ${describe(error)}`);
      return;
    }
    await this.stopRunning();
  }

  /** Waits for the running loop to stop (kicking it if needed); reports a loop that will not stop. */
  private async stopRunning(): Promise<void> {
    const loop = this.running;
    if (!loop) return;
    if (!this.pauseRequested && this.instance) {
      this.pauseRequested = true;
      try {
        this.instance.machine.pause();
      } catch (error) {
        this.events.error(`pause threw: ${describe(error)}`);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      loop.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.pauseTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.running = null;
      this.fail(`the VCPU did not stop within ${this.pauseTimeoutMs} ms of zx_vcpu_kick`);
    }
  }

  async step(): Promise<StepResult> {
    const why = this.whyNotRunnable();
    if (why) return { error: why, registers: this.readRegisters() };
    const machine = this.instance!.machine;
    this.setState({ kind: "running" });
    let outcome: RunOutcome;
    try {
      outcome = await machine.step();
    } catch (error) {
      this.fail(`step threw: ${describe(error)}`);
      return { error: describe(error), registers: null };
    }
    this.stopped(outcome, "step");
    return { error: outcome.kind === "error" ? outcome.message : null, registers: this.readRegisters() };
  }

  // ---- state views ---------------------------------------------------------------------------

  state(): MachineState {
    return this.current;
  }

  readRegisters(): RegisterSnapshot | null {
    if (!this.instance || this.running) return null;
    try {
      const general = this.instance.machine.readRegisters();
      const arch = toArchRegisters(this.instance.machine.readArchState());
      if (!general && !arch) return null;
      return { general, arch, instructions: this.instance.machine.stats().instructionsRetired };
    } catch (error) {
      this.events.error(`reading registers failed: ${describe(error)}`);
      return null;
    }
  }

  readArchState(): ArchRegisters | null {
    if (!this.instance || this.running) return null;
    try {
      return toArchRegisters(this.instance.machine.readArchState());
    } catch (error) {
      this.events.error(`reading the architectural state failed: ${describe(error)}`);
      return null;
    }
  }

  listHandles(): HandleRow[] {
    return this.safeHandles();
  }

  async syscall(name: string, args: unknown[]): Promise<SyscallResult> {
    if (!this.instance) return { result: null, error: "no machine: boot a guest first" };
    if (typeof name !== "string" || !ZX_SYSCALL_NAME.test(name) || !Array.isArray(args)) {
      return { result: null, error: `not a zx_* syscall: ${JSON.stringify(name)}` };
    }
    try {
      const result = await this.instance.syscall(name, args);
      if (result === undefined) return { result: null, error: `no such syscall: ${name}` };
      this.events.handles(this.safeHandles());
      return { result, error: null };
    } catch (error) {
      // The binding never throws for bad arguments; anything here is a bug worth showing.
      this.events.error(`${name} failed: ${describe(error)}`);
      return { result: null, error: describe(error) };
    }
  }

  consoleInput(bytes: Uint8Array): void {
    if (!this.instance) return;
    try {
      this.instance.machine.consoleInput(bytes);
    } catch (error) {
      this.events.error(`console input failed: ${describe(error)}`);
    }
  }

  getRam(): Uint8Array | null {
    if (!this.instance) return null;
    try {
      return this.instance.machine.ram();
    } catch (error) {
      this.events.error(`ram() failed: ${describe(error)}`);
      return null;
    }
  }

  stats(): MachineStats | null {
    if (!this.instance) return null;
    try {
      return this.instance.machine.stats();
    } catch {
      return null;
    }
  }

  ping(nonce: number): number {
    return nonce;
  }

  loadedGuest(): GuestImage | null {
    return this.guest;
  }

  /** Surfaces a problem found outside the session (the worker's global error handlers). */
  reportError(message: string): void {
    this.events.error(message);
  }

  /** Stops everything (worker shutdown, tests). */
  async dispose(): Promise<void> {
    await this.stopRunning();
    this.disposeMachine();
    if (this.statsTimer !== null) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.events.setListener(null);
  }
}
