/**
 * The single place UI intents go (STYLE.md §E, after tldraw's Editor): it owns the worker, the
 * Comlink remote and the store. Components call `workbench.run()` etc. and read state from
 * `workbench.store`; they never talk to the worker themselves.
 *
 * Failure is visible and recoverable (after excalidraw's worker pool): a worker that fails to start,
 * dies, or stops answering the watchdog's ping becomes `connection: dead` with a readable message,
 * and `restart()` replaces it with a fresh one.
 */
import * as Comlink from "comlink";
import {
  CONTROL_PREEMPT,
  CONTROL_RUN_END,
  CONTROL_RUN_ENDS,
  DEFAULT_GUEST,
  RUN_END_PAUSE,
  hypervisorWorkerName,
  type AddressSpaceView,
  type EventBatch,
  type GeneralRegisters,
  type GuestBoot,
  type GuestImage,
  type HypervisorApi,
  type StepResult,
  type SyscallResult,
  type UserTrap,
} from "../../workers/api";
import { guestBoot } from "./guests";
import { guestFromFiles, type OpenedFile } from "./open-files";
import { WorkbenchStore, type ProgramInfo, type ThemeName } from "./store";

/** The watchdog pings this often, and declares the worker dead after this long without an answer. */
const PING_INTERVAL_MS = 2000;
const PING_TIMEOUT_MS = 8000;

/**
 * How long Pause waits, inside the click, for the worker to say (HypervisorApi.controlWords) that
 * the run ended. The worker answers within ~1-3 ms (the VCPU looks at the preemption word every
 * ~2 ms); the state event that says so would reach this thread only as a task of its own, after
 * the frame that was due, so a click in a frame's last few ms showed "paused" a frame late.
 * Waiting here lets the frame that follows the click show it. A worker that has not answered by
 * then (busy elsewhere) is left to the state event.
 */
export const PAUSE_WAIT_MS = 6;

/**
 * Spins (a page's thread may not Atomics.wait) until `words`' CONTROL_RUN_ENDS differs from
 * `ends` or `waitMs` has passed; true when the run ended because of a pause() (RUN_END_PAUSE).
 */
export function awaitPaused(words: Int32Array, ends: number, waitMs: number, now: () => number = () => performance.now()): boolean {
  const until = now() + waitMs;
  while (Atomics.load(words, CONTROL_RUN_ENDS) === ends) {
    if (now() >= until) return false;
  }
  return Atomics.load(words, CONTROL_RUN_END) === RUN_END_PAUSE;
}

/** Makes the hypervisor worker; `prefetch`: the bundled guest it will be asked to boot first (hypervisorWorkerName). */
export type WorkerFactory = (options?: { prefetch?: string }) => Worker;

/** Resolves at the next animation frame (or after a frame's time where there are none, as in tests). */
export function afterNextFrame(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => resolve());
    else setTimeout(resolve, 16);
  });
}

/**
 * The watchdog's judgement at a tick: the worker is "dead" after PING_TIMEOUT_MS without an answer,
 * unless this tick itself came late — then the page was blocked (a long render, a busy tab), the
 * worker's answers may be waiting in the queue, and the count starts again.
 */
export function watchdogVerdict(now: number, lastTick: number, lastPong: number): "alive" | "dead" | "page-was-blocked" {
  if (lastTick !== 0 && now - lastTick > PING_INTERVAL_MS * 2) return "page-was-blocked";
  return now - lastPong > PING_TIMEOUT_MS ? "dead" : "alive";
}

export const defaultWorkerFactory: WorkerFactory = (options) =>
  new Worker(new URL("../../workers/hypervisor.worker.ts", import.meta.url), { type: "module", name: hypervisorWorkerName(options?.prefetch) });

export class Workbench {
  readonly store: WorkbenchStore;
  private readonly createWorker: WorkerFactory;
  private worker: Worker | null = null;
  private api: Comlink.Remote<HypervisorApi> | null = null;
  /** The worker's shared control words (HypervisorApi.controlWords), once it has answered. */
  private control: Int32Array | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private lastPong = 0;
  /** When the watchdog last ran (0 before its first tick). */
  private lastTick = 0;
  private generation = 0;

  /** The bundled guest booted when the worker starts (and restarts). */
  private initialGuest: string;
  /**
   * The last guest loaded from bytes the page holds (the editor's program, a file the user opened,
   * a share link's image or source), kept so that a restart after a crash boots it again rather
   * than the bundled guest. Null when the last guest was a bundled one (`initialGuest`).
   */
  private lastImage: GuestImage | null = null;

  /** PAUSE_WAIT_MS, unless a test asks for longer (a loaded machine may be slower to answer). */
  private readonly pauseWaitMs: number;

  constructor(options: { isolated: boolean; initialGuest?: string; createWorker?: WorkerFactory; pauseWaitMs?: number }) {
    this.store = new WorkbenchStore(options.isolated);
    this.createWorker = options.createWorker ?? defaultWorkerFactory;
    this.initialGuest = options.initialGuest ?? DEFAULT_GUEST;
    this.pauseWaitMs = options.pauseWaitMs ?? PAUSE_WAIT_MS;
  }

  /** Starts a worker, subscribes to its events and boots the initial guest. */
  start(): void {
    const generation = ++this.generation;
    this.store.resetForNewWorker();
    let worker: Worker;
    // The bundled guest the new worker boots first (a guest file, or the Linux guest's kernel and
    // initrd): fetched as the worker starts (hypervisorWorkerName).
    const prefetch = this.lastImage === null ? this.initialGuest : undefined;
    try {
      worker = this.createWorker({ prefetch });
    } catch (error) {
      this.store.setConnection({ kind: "dead", message: `could not start the worker: ${String(error)}` });
      return;
    }
    this.worker = worker;
    worker.addEventListener("error", (event) => {
      // A module worker that fails to load reports an ErrorEvent without a message; say what it means.
      const message = event.message || "the hypervisor worker failed to load (see the browser console)";
      if (generation === this.generation) this.die(message);
    });
    worker.addEventListener("messageerror", () => {
      if (generation === this.generation) this.store.addError("a message from the worker could not be decoded");
    });
    const api = Comlink.wrap<HypervisorApi>(worker);
    this.api = api;
    this.control = null;
    api.controlWords().then((words) => {
      if (generation === this.generation) this.control = words;
    }, () => {});
    this.lastPong = Date.now();
    this.lastTick = 0;
    this.watchdog = setInterval(() => this.checkAlive(generation), PING_INTERVAL_MS);
    // The worker sends the next batch once this one's promise settles: after the next frame, so a
    // page that falls behind gets fewer, fuller batches instead of a queue of them (workers/api.ts).
    const listener = Comlink.proxy((batch: EventBatch): Promise<void> => {
      if (generation === this.generation) this.store.applyBatch(batch);
      return afterNextFrame();
    });
    // The calls go out together, without waiting for each answer: the worker takes its messages in
    // order, and an answer would wait for this thread, which is busy building the page meanwhile.
    const { breakpoints, traps } = this.store.getSnapshot();
    const subscribed = api.subscribe(listener).then(() => {
      if (generation === this.generation) this.store.setConnection({ kind: "connected" });
    });
    // Breakpoints outlive the worker (a restart keeps them).
    const breakpointsSet = breakpoints.length > 0 ? api.setBreakpoints([...breakpoints]) : null;
    // So do the user's traps: the new worker sets them on the guest it boots.
    const trapsSet = traps.length > 0 ? api.setTraps([...traps]) : null;
    // The guest the page last loaded boots again (a restart after a crash restores it). Its bytes
    // are copied to the worker, not transferred: the next restart needs them too.
    const last = this.lastImage;
    const booted = last
      ? api.load({ ...last, image: last.image.slice() }).then((error) => error ?? api.run())
      : api.bootGuest(this.initialGuest, guestBoot(this.initialGuest));
    void (async () => {
      try {
        const [, , trapError, error] = await Promise.all([subscribed, breakpointsSet, trapsSet, booted]);
        if (trapError && generation === this.generation) this.store.addError(`Traps: ${trapError}`);
        if (error && generation === this.generation) this.store.addError(error);
      } catch (error) {
        if (generation === this.generation) this.die(`the worker did not answer: ${String(error)}`);
      }
    })();
  }

  private checkAlive(generation: number): void {
    const api = this.api;
    if (!api || generation !== this.generation) return;
    const now = Date.now();
    const verdict = watchdogVerdict(now, this.lastTick, this.lastPong);
    this.lastTick = now;
    if (verdict === "page-was-blocked") this.lastPong = now;
    if (verdict === "dead") {
      this.die(`the hypervisor worker has not answered for ${Math.round(PING_TIMEOUT_MS / 1000)} s`);
      return;
    }
    const nonce = Date.now();
    api.ping(nonce).then((echo) => {
      if (echo === nonce && generation === this.generation) this.lastPong = Date.now();
    }, () => {});
  }

  private die(message: string): void {
    this.stopWorker();
    this.store.setConnection({ kind: "dead", message });
  }

  private stopWorker(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    this.api?.[Comlink.releaseProxy]();
    this.api = null;
    this.worker?.terminate();
    this.worker = null;
  }

  /** Replaces the worker (after a crash, or on demand). */
  restart(): void {
    this.stopWorker();
    this.start();
  }

  dispose(): void {
    this.generation++;
    this.stopWorker();
  }

  /** Runs `call` against the worker and turns failures into visible errors. */
  private async call<T>(what: string, call: (api: Comlink.Remote<HypervisorApi>) => Promise<T>): Promise<T | undefined> {
    const api = this.api;
    if (!api) {
      this.store.addError(`${what}: the worker is not running`);
      return undefined;
    }
    try {
      return await call(api);
    } catch (error) {
      this.store.addError(`${what} failed: ${String(error)}`);
      return undefined;
    }
  }

  async run(): Promise<void> {
    const error = await this.call("Run", (api) => api.run());
    if (error) this.store.addError(error);
  }

  async pause(): Promise<void> {
    await this.call("Pause", (api) => {
      const words = this.control;
      if (words === null) return api.pause();
      // Lets the call in before the running VCPU's slice ends, then waits a few ms for its answer
      // (HypervisorApi.controlWords), so that the next frame shows "paused" (PAUSE_WAIT_MS).
      const ends = Atomics.load(words, CONTROL_RUN_ENDS);
      Atomics.add(words, CONTROL_PREEMPT, 1);
      const answered = api.pause();
      if (this.store.getSnapshot().machine.kind === "running" && awaitPaused(words, ends, this.pauseWaitMs)) {
        this.store.setMachine({ kind: "paused", reason: "pause" });
      }
      return answered;
    });
  }

  private stepResult(result: StepResult | undefined): void {
    if (result?.error) this.store.addError(result.error);
    // After a step the code view follows RIP again.
    if (this.store.getSnapshot().codeFocus !== null) this.store.update({ codeFocus: null });
  }

  /** One instruction (F11). */
  async step(): Promise<void> {
    this.stepResult(await this.call("Step", (api) => api.step()));
  }

  /** One instruction, a CALL / INT / REP string instruction as a whole (F10). */
  async stepOver(): Promise<void> {
    this.stepResult(await this.call("Step over", (api) => api.stepOver()));
  }

  /** Runs to the next VM exit, handled (F8). */
  async stepToExit(): Promise<void> {
    this.stepResult(await this.call("Step to exit", (api) => api.stepToExit()));
  }

  // ---- breakpoints -----------------------------------------------------------------------------

  /** Replaces the breakpoint set (RIP values), here and in the worker. */
  async setBreakpoints(addresses: readonly bigint[]): Promise<void> {
    const sorted = [...new Set(addresses.map((a) => BigInt.asUintN(64, a)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.store.update({ breakpoints: sorted });
    const error = await this.call("Breakpoints", (api) => api.setBreakpoints(sorted));
    if (error) this.store.addError(error);
  }

  async toggleBreakpoint(address: bigint): Promise<void> {
    const current = this.store.getSnapshot().breakpoints;
    const a = BigInt.asUintN(64, address);
    await this.setBreakpoints(current.includes(a) ? current.filter((b) => b !== a) : [...current, a]);
  }

  // ---- user traps ------------------------------------------------------------------------------

  /**
   * Sets a MEM or BELL trap on the current guest now and remembers it, so that reset and every load
   * set it again and Share carries it. Null, or why not, for the caller to show (the form does).
   */
  async addTrap(trap: UserTrap): Promise<string | null> {
    const error = await this.call("Add trap", (api) => api.addTrap(trap));
    if (error === undefined) return "the worker did not answer";
    if (error === null) this.store.update({ traps: [...this.store.getSnapshot().traps, trap] });
    return error;
  }

  /**
   * Forgets the trap at `index`: gone from Share and from the next load or reset. Zircon has no call
   * that removes a trap, so the running guest keeps it until then.
   */
  async removeTrap(index: number): Promise<void> {
    await this.setTraps(this.store.getSnapshot().traps.filter((_, i) => i !== index));
  }

  /** Replaces the remembered traps (a share link's); they apply from the next load or reset. */
  async setTraps(traps: readonly UserTrap[]): Promise<string | null> {
    if (!this.api) {
      // No worker yet: start() sends them to the next one.
      this.store.update({ traps: [...traps] });
      return null;
    }
    const error = await this.call("Traps", (api) => api.setTraps([...traps]));
    if (error === undefined) return "the worker did not answer";
    if (error) this.store.addError(`Traps: ${error}`);
    else this.store.update({ traps: [...traps] });
    return error;
  }

  // ---- state edits -----------------------------------------------------------------------------

  /** zx_vcpu_write_state with some general registers changed; the status name, or null if the call could not be made. */
  async writeRegisters(changes: Partial<GeneralRegisters>): Promise<string | null> {
    const result = await this.call("Writing registers", (api) => api.writeRegisters(changes));
    if (!result) return null;
    if (result.status !== 0) this.store.addError(`zx_vcpu_write_state: ${result.statusName}`);
    return result.statusName;
  }

  /** Writes bytes at a guest-physical address. Null or an error (also shown). */
  async writeMemory(address: number, bytes: Uint8Array): Promise<string | null> {
    const error = (await this.call("Writing memory", (api) => api.writeMemory(address, bytes))) ?? "the worker did not answer";
    if (error) this.store.addError(error);
    return error;
  }

  /** Makes one zx_* call by hand (the workbench forms). */
  async syscall(name: string, args: unknown[]): Promise<SyscallResult> {
    const result = await this.call<SyscallResult>(name, (api) => api.syscall(name, args) as Promise<SyscallResult>);
    return result ?? { result: null, error: "the worker is not running" };
  }

  async addressSpace(guest?: number): Promise<AddressSpaceView | null> {
    return (await this.call("Reading the address space", (api) => api.addressSpace(guest))) ?? null;
  }

  // ---- views -----------------------------------------------------------------------------------

  /** Shows `address` in the code view (null: follow RIP again). */
  focusCode(address: bigint | null): void {
    this.store.update({ codeFocus: address });
  }

  focusMemory(address: bigint, space: "physical" | "virtual" = "physical"): void {
    this.store.update({ memoryFocus: { address, space } });
  }

  setTheme(theme: ThemeName): void {
    this.store.update({ theme });
  }

  /**
   * Loads an image assembled from source in the page (the editor) and runs it, remembering the
   * source and its line map so that breakpoints can be set on lines and the current line shown.
   */
  async loadProgram(program: ProgramInfo, image: Uint8Array, boot: GuestBoot, run = true): Promise<string | null> {
    this.store.update({ program });
    const guest: GuestImage = { name: program.name, image, boot };
    this.rememberImage(guest);
    const error = await this.call("Load", (api) => api.load(Comlink.transfer(guest, [image.buffer])));
    if (error) {
      this.store.addError(`${program.name}: ${error}`);
      return error;
    }
    if (run) await this.run();
    return null;
  }

  async reset(): Promise<void> {
    const error = await this.call("Reset", (api) => api.reset());
    if (error) this.store.addError(error);
  }

  /** Boots a bundled guest (public/guests/<file>) the way src/ui/guests.ts says, and runs it. */
  async bootGuest(file: string): Promise<void> {
    this.initialGuest = file;
    this.lastImage = null;
    this.store.update({ program: null });
    const error = await this.call("Boot", (api) => api.bootGuest(file, guestBoot(file)));
    if (error) this.store.addError(error);
  }

  /**
   * Loads the files the user picked or dropped (open-files.ts: one guest image, a bzImage alone, or
   * a Linux kernel and its initrd), and runs the guest. Problems become readable errors.
   */
  async loadFiles(files: readonly File[]): Promise<void> {
    this.store.update({ program: null });
    const opened: OpenedFile[] = [];
    for (const file of files) {
      try {
        opened.push({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
      } catch (error) {
        this.store.addError(`could not read ${file.name}: ${String(error)}`);
        return;
      }
    }
    const guest = guestFromFiles(opened);
    if (typeof guest === "string") {
      this.store.addError(`Open image: ${guest}`);
      return;
    }
    this.rememberImage(guest);
    const buffers = [guest.image.buffer, ...(guest.boot?.boot === "linux" && guest.boot.initrd ? [guest.boot.initrd.buffer] : [])];
    const error = await this.call("Load", (api) => api.load(Comlink.transfer(guest, buffers)));
    if (error) {
      this.store.addError(`${guest.name}: ${error}`);
      return;
    }
    await this.run();
  }

  /** Loads one image the user picked (a Multiboot kernel, or a bzImage), and runs it. */
  async loadFile(file: File): Promise<void> {
    await this.loadFiles([file]);
  }

  /**
   * Remembers a guest loaded from the page's bytes (a copy: the caller may transfer its buffers to
   * the worker), for a restart to boot again (see `lastImage`).
   */
  rememberImage(guest: GuestImage): void {
    const boot = guest.boot?.boot === "linux" && guest.boot.initrd ? { ...guest.boot, initrd: guest.boot.initrd.slice() } : guest.boot;
    this.lastImage = { ...guest, image: guest.image.slice(), ...(boot ? { boot } : {}) };
  }

  consoleInput(bytes: Uint8Array): void {
    void this.call("Console input", (api) => api.consoleInput(bytes));
  }

  /** Guest RAM as a view over the worker's SharedArrayBuffer (no copy), or null. */
  async getRam(): Promise<Uint8Array | null> {
    return (await this.call("Reading guest RAM", (api) => api.getRam())) ?? null;
  }
}
