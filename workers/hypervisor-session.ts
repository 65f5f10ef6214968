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
  CONTROL_PREEMPT,
  CONTROL_RUN_END,
  CONTROL_RUN_ENDS,
  CONTROL_WORDS,
  DEFAULT_GUEST,
  GUEST_FILE_NAME,
  LINUX_DEFAULT_CMDLINE,
  LINUX_DEFAULT_MEMORY_MIB,
  LINUX_GUEST,
  RUN_END_OTHER,
  RUN_END_PAUSE,
  SEGMENT_NAMES,
  ZX_SYSCALL_NAME,
  type AddressSpaceView,
  type ArchDetail,
  type ArchRegisters,
  type CpuMode,
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
  type UserTrap,
} from "./api";
import { EventBatcher, type Scheduler } from "./event-batcher";
import { fetchLinuxGuest } from "./linux-guest";
import { explainVcpuStop } from "./explain";
import { Translator } from "../src/x86/page-walk";
import { disassemble } from "../src/x86/disasm";
import type { RawSyscall } from "./format";
import type { BootSpec, ExitRecord, GeneralRegisters, MachineSinks, RunOutcome } from "../src/vmm/api";
import { ExitHash } from "../src/vmm/exit-hash";

/** hvplay_guest_describe's answer (src/zircon/syscalls/extensions.ts), as the session reads it. */
export interface GuestDescription {
  status: number;
  koid?: bigint;
  mappings?: { addr: number; size: number; vmo_koid: bigint; vmo_size: number; vmo_offset: number; perms: number }[];
  traps?: { kind: number; addr: number; len: number; key: bigint; port_koid: bigint | null }[];
}

/** The part of src/vmm's Machine the session uses. */
export interface MachineLike {
  load(spec: BootSpec): string | null;
  run(maxInstructions?: number): Promise<RunOutcome>;
  step(): Promise<RunOutcome>;
  stepToExit(): Promise<RunOutcome>;
  setBreakpoints(rips: readonly bigint[]): number;
  /** zx_guest_set_trap for a user trap, after the VMM's own: null or a readable reason. */
  setUserTrap(trap: UserTrap): string | null;
  describeAddressSpace(): GuestDescription;
  pause(): void;
  consoleInput(bytes: Uint8Array): void;
  readRegisters(): GeneralRegisters | null;
  writeRegisters(regs: GeneralRegisters): number;
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
  /** The kernel's most recent log lines, oldest first (as `dlog` would show them); optional for test backends. */
  kernelLog?(): readonly string[];
}

/** What the session needs from the outside world; hypervisor.worker.ts passes the real one. */
export interface SessionBackend {
  /** Creates a kernel, a process (tracing every syscall into `onSyscall`) and a Machine. */
  create(sinks: Required<MachineSinks>, onSyscall: (raw: RawSyscall) => void, config?: MachineConfig, preempt?: Int32Array | null): MachineInstance | string;
  formatSyscall(raw: RawSyscall, seq: number): SyscallLogEntry;
  statusName(status: number): string;
  /** Fetches public/guests/<name> (name already checked against GUEST_FILE_NAME). */
  fetchGuest(name: string): Promise<GuestImage>;
  /**
   * Fetches a file served with the app, by its path relative to the app's base URL (only
   * LINUX_GUEST_PATH's files are asked for): its bytes, or null when the server does not have it
   * (HTTP 404, or a single-page fallback's index.html). Throws for any other failure. Without it,
   * the bundled Linux guest cannot be booted.
   */
  fetchFile?(path: string): Promise<Uint8Array | null>;
}

export interface SessionOptions {
  schedule?: Scheduler;
  /** How often stats are pushed while running (ms). */
  statsIntervalMs?: number;
  /** How long pause() waits for the VCPU loop to stop before reporting a stuck machine. */
  pauseTimeoutMs?: number;
}

/** zx_status_t values the session returns itself (src/zircon/status.ts). */
const ZX_ERR_INTERNAL = -1;
const ZX_ERR_INVALID_ARGS = -10;
const ZX_ERR_BAD_STATE = -20;

/** Instructions Step over runs as a whole (NASM text from src/x86/disasm.ts). */
const STEP_OVER = /^(?:(?:o16 |o32 |o64 |a16 |a32 |a64 )*call |int |into$|(?:rep|repe|repz|repne|repnz) |loop)/;

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
    if (key === "instructions_retired" || key === "last_exit_rip") continue;
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

const CR0_PE = 1n;
const RFLAGS_VM = 1n << 17n;
const EFER_LMA = 1n << 10n;
const AR_L = 1 << 13;
const AR_DB = 1 << 14;

/** The decoding mode from CR0.PE, RFLAGS.VM, EFER.LMA and CS's L and D/B bits (Intel SDM Vol. 3A §2.2, §5.2.1). */
export function cpuMode(cr0: bigint, rflags: bigint, efer: bigint, csAccessRights: number): { mode: CpuMode; bits: 16 | 32 | 64 } {
  if ((cr0 & CR0_PE) === 0n) return { mode: "real", bits: 16 };
  if ((rflags & RFLAGS_VM) !== 0n) return { mode: "v86", bits: 16 };
  const d = (csAccessRights & AR_DB) !== 0;
  if ((efer & EFER_LMA) !== 0n) {
    if ((csAccessRights & AR_L) !== 0) return { mode: "long64", bits: 64 };
    return d ? { mode: "compat32", bits: 32 } : { mode: "compat16", bits: 16 };
  }
  return d ? { mode: "protected32", bits: 32 } : { mode: "protected16", bits: 16 };
}

/** hvplay_vcpu_read_arch_state's answer in full (segments with hidden parts), or null. */
export function toArchDetail(result: object | null): ArchDetail | null {
  if (!result || !("status" in result) || result.status !== 0 || !("state" in result)) return null;
  const st = result.state as Record<string, unknown> | null;
  if (!st || typeof st !== "object") return null;
  const big = (v: unknown): bigint => (typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : 0n);
  const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0);
  const segments = {} as ArchDetail["segments"];
  for (const name of SEGMENT_NAMES) {
    const seg = (st[name] ?? {}) as Record<string, unknown>;
    segments[name] = { selector: num(seg.selector), base: big(seg.base), limit: num(seg.limit), accessRights: num(seg.access_rights) };
  }
  const table = (v: unknown) => {
    const t = (v ?? {}) as Record<string, unknown>;
    return { base: big(t.base), limit: num(t.limit) };
  };
  const cr0 = big(st.cr0), rflags = big(st.rflags), efer = big(st.efer);
  const { mode, bits } = cpuMode(cr0, rflags, efer, segments.cs.accessRights);
  return {
    rip: big(st.rip), rflags, cr0, cr2: big(st.cr2), cr3: big(st.cr3), cr4: big(st.cr4), efer,
    segments, gdtr: table(st.gdtr), idtr: table(st.idtr), mode, bits,
  };
}

/** Why `boot` (which came from the page) is not a GuestBoot the VMM takes, or null if it is. */
export function whyNotGuestBoot(boot: unknown): string | null {
  if (typeof boot !== "object" || boot === null) return "the boot method must be an object";
  const b = boot as Record<string, unknown>;
  if (b.boot === "multiboot" || b.boot === "elf") return null;
  if (b.boot === "linux") return b.initrd === undefined || b.initrd instanceof Uint8Array ? null : "a Linux boot's initrd must be bytes (a Uint8Array)";
  if (b.boot !== "flat") return `boot method ${JSON.stringify(b.boot)} is not multiboot, flat, elf or linux`;
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

/** User traps a session remembers, at most (a share link carries as many: src/share's LIMITS.traps). */
export const MAX_USER_TRAPS = 64;

/**
 * Why `trap` (which came from the page) is not a UserTrap, or null if it is. Only the shape: the
 * kernel judges the range (alignment, overlap) when the trap is set, and says so with its status.
 */
export function whyNotUserTrap(trap: unknown): string | null {
  if (typeof trap !== "object" || trap === null) return "a trap must be an object";
  const t = trap as Record<string, unknown>;
  if (t.kind === "io") return "IO traps cannot be added: the VMM already traps every I/O port, and Zircon has no call that removes a trap";
  if (t.kind !== "mem" && t.kind !== "bell") return `trap kind ${JSON.stringify(t.kind)} is not mem or bell`;
  for (const key of ["addr", "size"] as const) {
    const v = t[key];
    if (!(typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return `trap ${key} ${JSON.stringify(String(v))} is not a non-negative integer`;
  }
  if (typeof t.key !== "bigint" || t.key < 0n || t.key >= 1n << 64n) return "a trap's key must be a 64-bit unsigned bigint";
  return null;
}

/**
 * The machine a guest gets: its own config, with LINUX_DEFAULT_MEMORY_MIB for a Linux boot that
 * names no memory size (the VMM's 128 MiB default suits the small guests; Linux wants more).
 */
export function effectiveMachine(guest: GuestImage): MachineConfig | undefined {
  if (guest.boot?.boot !== "linux" || guest.machine?.memoryMiB !== undefined) return guest.machine;
  return { ...guest.machine, memoryMiB: LINUX_DEFAULT_MEMORY_MIB };
}

/** The VMM's BootSpec for a guest image (Multiboot unless the image says otherwise). */
export function bootSpec(guest: GuestImage): BootSpec {
  const boot = guest.boot ?? { boot: "multiboot" };
  if (boot.boot === "flat") return { boot: "flat", image: guest.image, mode: boot.mode, load: boot.load, entry: boot.entry };
  if (boot.boot === "elf") return { boot: "elf", image: guest.image };
  if (boot.boot === "linux") {
    const spec: BootSpec = { boot: "linux", image: guest.image, cmdline: guest.cmdline ?? LINUX_DEFAULT_CMDLINE };
    if (boot.initrd !== undefined) spec.initrd = boot.initrd;
    return spec;
  }
  // QEMU's Multiboot command line is "<kernel file name> <append>"; the VMM builds it from both.
  return { boot: "multiboot", image: guest.image, cmdline: guest.cmdline, imageName: guest.name };
}

export class HypervisorSession implements HypervisorApi {
  private readonly backend: SessionBackend;
  private readonly events: EventBatcher;
  private readonly statsIntervalMs: number;
  private readonly pauseTimeoutMs: number;

  private instance: MachineInstance | null = null;
  /** The fingerprint of the current machine's exits (see load()). */
  private exitHash = new ExitHash();
  /** The image to reload on reset. */
  private guest: GuestImage | null = null;
  private current: MachineState = { kind: "empty" };
  /** The promise of the running VCPU loop, or null when stopped. */
  private running: Promise<void> | null = null;
  private pauseRequested = false;
  /** controlWords(): word CONTROL_PREEMPT is KernelContext.preempt of every machine this session makes. */
  private readonly control = typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS)) : null;
  /** Bumped by every load; a bundled guest whose fetch was overtaken by a later load is dropped. */
  private loadGeneration = 0;
  /** Breakpoints (RIP values) the page set; applied to every machine created. */
  private breakpoints: bigint[] = [];
  /** User traps (addTrap, setTraps); set on every machine created, after the VMM's own traps. */
  private traps: UserTrap[] = [];
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
    return this.events.flush(true);
  }

  private setState(state: MachineState): void {
    const control = this.control;
    if (control !== null && this.current.kind === "running" && state.kind !== "running") {
      // A run ended: say how before counting it (the page reads the count first; controlWords()).
      Atomics.store(control, CONTROL_RUN_END, state.kind === "paused" && state.reason === "pause" ? RUN_END_PAUSE : RUN_END_OTHER);
      Atomics.add(control, CONTROL_RUN_ENDS, 1);
    }
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

  private fail(message: string, status: number | null = null, explanation: string | null = null): void {
    this.events.error(message);
    this.setState({
      kind: "error",
      message,
      status,
      statusName: status === null ? null : this.backend.statusName(status),
      ...(explanation ? { explanation } : {}),
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
    const linux = name === LINUX_GUEST;
    if (!linux && !GUEST_FILE_NAME.test(name)) {
      const message = `not a bundled guest's name: ${JSON.stringify(name)}`;
      this.events.error(message);
      return message;
    }
    const bad = boot === undefined ? null
      : linux && (boot as { boot?: unknown } | null)?.boot !== "linux" ? "the bundled Linux guest boots only as Linux ({ boot: \"linux\" })"
      : linux && (boot as { initrd?: unknown }).initrd !== undefined ? "the bundled Linux guest brings its own initrd"
      : whyNotGuestBoot(boot);
    if (bad) {
      const message = `${name}: ${bad}`;
      this.events.error(message);
      return message;
    }
    await this.stopRunning();
    this.setState({ kind: "loading", what: name });
    const generation = ++this.loadGeneration;
    let guest: GuestImage;
    try {
      if (linux) {
        const fetchFile = this.backend.fetchFile;
        const fetched = fetchFile ? await fetchLinuxGuest((path) => fetchFile.call(this.backend, path)) : "this worker cannot fetch the Linux guest's files";
        if (generation !== this.loadGeneration) return null;
        if (typeof fetched === "string") {
          this.events.error(fetched);
          this.setState({ kind: "empty" });
          return fetched;
        }
        // Its own boot method (with the initrd it fetched), whatever the page sent.
        boot = undefined;
        guest = fetched;
      } else guest = await this.backend.fetchGuest(name);
      // A load that arrived while the image was on its way (the editor's Assemble & run) wins.
      if (generation !== this.loadGeneration) return null;
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
    this.loadGeneration++;
    await this.stopRunning();
    this.disposeMachine();
    this.guest = guest;
    this.events.newMachine(guest.name);
    this.setState({ kind: "loading", what: guest.name });
    let created: MachineInstance | string;
    const badConfig = guest.machine === undefined ? null : whyNotMachineConfig(guest.machine);
    if (badConfig) {
      this.events.error(`${guest.name}: ${badConfig}`);
      this.setState({ kind: "empty" });
      return badConfig;
    }
    // What was really built (a Linux boot's default memory included): reset and share see the same.
    const machine = effectiveMachine(guest);
    if (machine !== guest.machine) {
      guest = { ...guest, machine };
      this.guest = guest;
    }
    // Every exit record of this machine, fingerprinted (stats().exitHash): the same guest gives the
    // same hash here and in `hvplay run --exit-hash` (e2e/determinism.spec.ts).
    const exitHash = new ExitHash();
    this.exitHash = exitHash;
    try {
      created = this.backend.create(
        {
          console: (bytes) => this.events.console(bytes),
          exit: (record: ExitRecord, summaryHash?: number) => {
            exitHash.add(record, summaryHash);
            this.events.exit(record);
          },
        },
        (raw) => this.events.syscall(raw),
        guest.machine,
        this.control,
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
    // The user's traps, after the VMM's (set in Machine.create): a trap that cannot be set fails
    // the load, so that a link never boots a machine other than the one it describes.
    loadError ??= this.applyTraps(created.machine);
    if (loadError) {
      this.events.error(`${guest.name}: ${loadError}`);
      this.events.handles(this.safeHandles());
      this.setState({ kind: "empty" });
      return loadError;
    }
    this.applyBreakpoints();
    this.setState({ kind: "ready" });
    this.pushStopSnapshot();
    return null;
  }

  private applyBreakpoints(): string | null {
    if (!this.instance) return null;
    try {
      const status = this.instance.machine.setBreakpoints(this.breakpoints);
      if (status !== 0) return `hvplay_vcpu_set_breakpoints: ${this.backend.statusName(status)}`;
      return null;
    } catch (error) {
      return `setting breakpoints threw: ${describe(error)}`;
    }
  }

  /** Sets `traps` (the remembered ones by default) on `machine`; the first refusal, or null. */
  private applyTraps(machine: MachineLike, traps: readonly UserTrap[] = this.traps): string | null {
    for (const trap of traps) {
      try {
        const error = machine.setUserTrap(trap);
        if (error) return error;
      } catch (error) {
        return `setting a trap threw: ${describe(error)}`;
      }
    }
    return null;
  }

  addTrap(trap: UserTrap): string | null {
    const bad = whyNotUserTrap(trap);
    const error = bad ?? (this.traps.length >= MAX_USER_TRAPS ? `at most ${MAX_USER_TRAPS} traps can be added` : null) ?? (this.instance ? this.applyTraps(this.instance.machine, [trap]) : null);
    // Returned, not reported as an error event: the page shows it beside the form that asked.
    if (error) return error;
    this.traps = [...this.traps, { kind: trap.kind, addr: trap.addr, size: trap.size, key: trap.key }];
    // The address space changed: the page's panels refresh on a new handle table.
    this.events.handles(this.safeHandles());
    return null;
  }

  setTraps(traps: UserTrap[]): string | null {
    if (!Array.isArray(traps)) return "traps must be a list";
    if (traps.length > MAX_USER_TRAPS) return `at most ${MAX_USER_TRAPS} traps can be added`;
    for (const [i, trap] of traps.entries()) {
      const bad = whyNotUserTrap(trap);
      if (bad) return `trap ${i + 1}: ${bad}`;
    }
    this.traps = traps.map((t) => ({ kind: t.kind, addr: t.addr, size: t.size, key: t.key }));
    return null;
  }

  userTraps(): UserTrap[] {
    return this.traps.map((t) => ({ ...t }));
  }

  setBreakpoints(addresses: bigint[]): string | null {
    if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== "bigint")) return "breakpoints must be a list of addresses (bigints)";
    this.breakpoints = [...new Set(addresses.map((a) => BigInt.asUintN(64, a)))];
    const error = this.applyBreakpoints();
    if (error) this.events.error(error);
    return error;
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

  private stopped(outcome: RunOutcome, reason: "pause" | "step" | "exit" | "limit"): void {
    switch (outcome.kind) {
      case "paused":
        this.setState({ kind: "paused", reason: reason === "step" || reason === "exit" ? reason : "pause" });
        break;
      case "breakpoint":
        this.setState({ kind: "paused", reason: "breakpoint", address: outcome.rip });
        break;
      case "limit":
        this.setState({ kind: "paused", reason });
        break;
      case "exit-device":
        this.setState({ kind: "exited", exitStatus: outcome.exitStatus });
        break;
      case "error":
        // Explained only when zx_vcpu_resume itself failed (the VMM's message names it); a VMM-side
        // problem (an MMIO instruction it cannot decode, say) says what it is already.
        this.fail(outcome.message, outcome.status,
          outcome.message.startsWith("zx_vcpu_resume:") ? explainVcpuStop(outcome.status, this.instance?.kernelLog?.() ?? []) : null);
        break;
      case "reset":
        // A PC would reboot; the playground stops, as QEMU does with -no-reboot, and Reset boots again.
        this.fail("the guest reset the machine (i8042 command 0xfe or port 0x92); press Reset to boot it again", null);
        break;
    }
    this.pushStopSnapshot();
  }

  controlWords(): Int32Array | null {
    return this.control;
  }

  /** A call the page let in with CONTROL_PREEMPT has come: its 1 is taken back (never below 0). */
  private preemptAnswered(): void {
    const word = this.control;
    if (word === null) return;
    for (;;) {
      const n = Atomics.load(word, CONTROL_PREEMPT);
      if (n <= 0 || Atomics.compareExchange(word, CONTROL_PREEMPT, n, n - 1) === n) return;
    }
  }

  async pause(): Promise<void> {
    this.preemptAnswered();
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

  step(): Promise<StepResult> {
    return this.stepWith("step", "step", (machine) => machine.step());
  }

  stepToExit(): Promise<StepResult> {
    return this.stepWith("step to exit", "exit", (machine) => machine.stepToExit());
  }

  async stepOver(): Promise<StepResult> {
    const why = this.whyNotRunnable();
    if (why) return { error: why, registers: this.readRegisters() };
    const next = this.instructionAfterCall();
    if (next === null) return this.step();
    // Run to the instruction after the CALL / INT / REP with a temporary breakpoint there.
    const machine = this.instance!.machine;
    const temporary = this.breakpoints.includes(next) ? this.breakpoints : [...this.breakpoints, next];
    machine.setBreakpoints(temporary);
    try {
      // The first instruction runs even if a breakpoint sits on it (the VCPU is stopped there).
      return await this.stepWith("step over", "step", async (m) => {
        const outcome = await m.run();
        return outcome.kind === "breakpoint" && outcome.rip === next && !this.breakpoints.includes(next) ? { kind: "limit" } : outcome;
      });
    } finally {
      this.applyBreakpoints();
    }
  }

  /**
   * The address after the instruction at RIP if it is one a debugger steps over (CALL, INT n, INTO,
   * INT3? no: INT3 traps into the guest's debugger; REP/REPE/REPNE string instructions, LOOP), else
   * null. Reads the instruction through the guest's page tables.
   */
  private instructionAfterCall(): bigint | null {
    const detail = this.readDetail();
    if (!detail || !this.instance) return null;
    const ram = this.safeRam();
    if (!ram) return null;
    const linear = detail.bits === 64 ? detail.rip : (detail.segments.cs.base + detail.rip) & 0xffff_ffffn;
    // Up to 16 bytes through the guest's page tables (fewer at the end of a mapping).
    const bytes = new Translator(ram, detail).bytes(linear, 16);
    if (bytes.length === 0) return null;
    const { length, text } = disassemble(bytes, 0, detail.bits, detail.rip);
    if (!STEP_OVER.test(text)) return null;
    const mask = detail.bits === 64 ? (1n << 64n) - 1n : detail.bits === 32 ? 0xffff_ffffn : 0xffffn;
    return (detail.rip + BigInt(length)) & mask;
  }

  private readDetail(): ArchDetail | null {
    if (!this.instance || this.running) return null;
    try {
      return toArchDetail(this.instance.machine.readArchState());
    } catch {
      return null;
    }
  }

  private safeRam(): Uint8Array | null {
    try {
      return this.instance ? this.instance.machine.ram() : null;
    } catch {
      return null;
    }
  }

  private async stepWith(what: string, reason: "step" | "exit", go: (machine: MachineLike) => Promise<RunOutcome>): Promise<StepResult> {
    const why = this.whyNotRunnable();
    if (why) return { error: why, registers: this.readRegisters() };
    const machine = this.instance!.machine;
    this.pauseRequested = false;
    this.setState({ kind: "running" });
    let outcome: RunOutcome;
    const done = go(machine);
    this.running = done.then(() => undefined, () => undefined);
    try {
      outcome = await done;
    } catch (error) {
      this.running = null;
      this.fail(`${what} threw: ${describe(error)}`);
      return { error: describe(error), registers: null };
    }
    this.running = null;
    this.stopped(outcome, this.pauseRequested ? "pause" : reason);
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
      if (!general && !this.instance.machine.readArchState()) return null;
      const raw = this.instance.machine.readArchState();
      const detail = toArchDetail(raw);
      return { general, arch: toArchRegisters(raw), detail, instructions: this.instance.machine.stats().instructionsRetired };
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
      // Caller buffers (read_state, vmo_read, get_info) were filled in the worker's copy: send them back.
      const buffers = args.filter((a): a is Uint8Array => a instanceof Uint8Array);
      return buffers.length > 0 ? { result, error: null, buffers } : { result, error: null };
    } catch (error) {
      // The binding never throws for bad arguments; anything here is a bug worth showing.
      this.events.error(`${name} failed: ${describe(error)}`);
      return { result: null, error: describe(error) };
    }
  }

  async writeRegisters(changes: Partial<GeneralRegisters>): Promise<{ status: number; statusName: string }> {
    const badState = { status: ZX_ERR_BAD_STATE, statusName: "ZX_ERR_BAD_STATE" };
    if (!this.instance || this.running) return badState;
    if (typeof changes !== "object" || changes === null) return { status: ZX_ERR_INVALID_ARGS, statusName: "ZX_ERR_INVALID_ARGS" };
    try {
      const current = this.instance.machine.readRegisters();
      if (!current) return badState;
      const next: GeneralRegisters = { ...current };
      for (const [key, value] of Object.entries(changes)) {
        if (!(key in current) || typeof value !== "bigint") return { status: ZX_ERR_INVALID_ARGS, statusName: "ZX_ERR_INVALID_ARGS" };
        next[key as keyof GeneralRegisters] = BigInt.asUintN(64, value);
      }
      // zx_vcpu_write_state takes RFLAGS only with the reserved bit 1 set (Zircon's rule); keep it set.
      next.rflags |= 2n;
      const status = this.instance.machine.writeRegisters(next);
      if (status === 0) {
        const regs = this.readRegisters();
        if (regs) this.events.registers(regs);
      }
      return { status, statusName: this.backend.statusName(status) };
    } catch (error) {
      this.events.error(`writing registers failed: ${describe(error)}`);
      return { status: ZX_ERR_INTERNAL, statusName: "ZX_ERR_INTERNAL" };
    }
  }

  writeMemory(address: number, bytes: Uint8Array): string | null {
    const ram = this.safeRam();
    if (!ram) return "no guest is loaded";
    if (!(bytes instanceof Uint8Array)) return "the bytes must be a Uint8Array";
    if (!Number.isSafeInteger(address) || address < 0 || address + bytes.length > ram.length) {
      return `0x${Math.max(0, Number(address) || 0).toString(16)}+${bytes.length} is outside guest RAM (0x${ram.length.toString(16)} bytes)`;
    }
    // The VMM writes through its mapping of the RAM VMO; the CPU re-checks cached instructions
    // against memory at its next entry, so code written here runs as written.
    ram.set(bytes, address);
    return null;
  }

  addressSpace(guest?: number): AddressSpaceView | null {
    if (!this.instance) return null;
    try {
      // Another guest (one made through the page's zx_guest_create): described on the page's thread.
      const d = (guest === undefined
        ? this.instance.machine.describeAddressSpace()
        : this.instance.syscall("hvplay_guest_describe", [guest])) as GuestDescription | undefined;
      if (!d) return null;
      if (d.status !== 0 || d.koid === undefined) return null;
      const perms = (p: number) => `${p & 1 ? "r" : "-"}${p & 2 ? "w" : "-"}${p & 4 ? "x" : "-"}`;
      const kinds = ["bell", "mem", "io"] as const;
      return {
        guestKoid: d.koid,
        mappings: (d.mappings ?? []).map((m) => ({
          addr: m.addr, size: m.size, vmoKoid: m.vmo_koid, vmoSize: m.vmo_size, vmoName: "", vmoOffset: m.vmo_offset, perms: perms(m.perms),
        })),
        traps: (d.traps ?? []).map((t) => ({ kind: kinds[t.kind] ?? "mem", addr: t.addr, len: t.len, key: t.key, portKoid: t.port_koid })),
      };
    } catch (error) {
      this.events.error(`reading the address space failed: ${describe(error)}`);
      return null;
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
      return { ...this.instance.machine.stats(), exitHash: this.exitHash.hex() };
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
