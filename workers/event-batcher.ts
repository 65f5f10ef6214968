/**
 * Collects the worker's events and hands them to the page in batches, at most once per
 * FLUSH_INTERVAL_MS (about an animation frame), as STYLE.md §E asks: one postMessage per frame
 * instead of one per console byte or per syscall.
 *
 * Syscalls are kept raw and formatted only at flush time, and only the newest
 * MAX_SYSCALLS_PER_BATCH of them; older ones are counted as dropped. A guest in a tight I/O loop
 * therefore costs the page a bounded amount of work per frame. Exits likewise. (A batch that
 * starts a machine keeps more: workers/api.ts STEADY_*.)
 *
 * Both are kept in fixed rings, overwritten in place: at a million exits a second, records that are
 * dropped must die young. (A list trimmed now and then kept each record alive for thousands of
 * calls; enough of them outlived the young generation that garbage collection took a third of the
 * worker's time.)
 */
import {
  FLUSH_INTERVAL_MS,
  MAX_EXITS_PER_BATCH,
  MAX_SYSCALLS_PER_BATCH,
  STEADY_EXITS_PER_BATCH,
  STEADY_SYSCALLS_PER_BATCH,
  type EventBatch,
  type ExitRecord,
  type HandleRow,
  type MachineState,
  type MachineStats,
  type RegisterSnapshot,
  type SyscallLogEntry,
} from "./api";
import type { RawSyscall } from "./format";

/** Console bytes kept while nobody listens (or between flushes) before the oldest are dropped. */
const MAX_PENDING_CONSOLE_BYTES = 4 << 20;

/** The newest `capacity` items pushed, oldest first; older ones are only counted. */
export class NewestRing<T> {
  private readonly items: (T | undefined)[];
  /** Index of the next write. */
  private next = 0;
  private size = 0;
  /** Pushed since the last take() but overwritten before it. */
  dropped = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(Math.max(1, capacity)).fill(undefined);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    const items = this.items;
    if (this.size === items.length) this.dropped++;
    else this.size++;
    items[this.next] = item;
    this.next = this.next + 1 === items.length ? 0 : this.next + 1;
  }

  /**
   * The newest `max` items (all, by default), oldest first, and empties the ring; the items left
   * out are added to `dropped` (which is left to the caller to reset).
   */
  take(max = this.items.length): T[] {
    const items = this.items;
    const n = Math.min(this.size, max);
    this.dropped += this.size - n;
    const out = new Array<T>(n);
    let at = (this.next - this.size + items.length) % items.length;
    for (let i = 0; i < this.size - n; i++) {
      items[at] = undefined;
      at = at + 1 === items.length ? 0 : at + 1;
    }
    for (let i = 0; i < n; i++) {
      out[i] = items[at] as T;
      items[at] = undefined;
      at = at + 1 === items.length ? 0 : at + 1;
    }
    this.size = 0;
    this.next = 0;
    return out;
  }
}

export type Scheduler = (fn: () => void, delayMs: number) => unknown;

export interface EventBatcherOptions {
  formatSyscall: (raw: RawSyscall, seq: number) => SyscallLogEntry;
  /** Defaults to setTimeout; tests pass a manual scheduler. */
  schedule?: Scheduler;
  intervalMs?: number;
  /** Newest syscalls / exits kept in the batch that starts a machine. */
  maxSyscalls?: number;
  maxExits?: number;
  /** ... and in every later batch. */
  steadySyscalls?: number;
  steadyExits?: number;
  /** Called just before a batch is built, so the owner can attach fresh stats. */
  beforeFlush?: () => void;
}

export class EventBatcher {
  private listener: ((batch: EventBatch) => void) | null = null;
  private readonly formatSyscall: EventBatcherOptions["formatSyscall"];
  private readonly schedule: Scheduler;
  private readonly intervalMs: number;
  private readonly maxSyscalls: number;
  private readonly maxExits: number;
  private readonly steadySyscalls: number;
  private readonly steadyExits: number;
  private readonly beforeFlush: (() => void) | undefined;

  // Pending contents of the next batch. Raw syscalls carry their global sequence number.
  private consoleChunks: Uint8Array[] = [];
  private consoleBytes = 0;
  private readonly syscalls: NewestRing<{ raw: RawSyscall; seq: number }>;
  private readonly exits: NewestRing<ExitRecord>;
  private pendingState: MachineState | null = null;
  private pendingRegisters: RegisterSnapshot | null = null;
  private pendingHandles: HandleRow[] | null = null;
  private pendingStats: MachineStats | null = null;
  private errors: string[] = [];
  private pendingNewMachine = false;
  /** The guest the new machine is loaded from (newMachine's argument). */
  private pendingGuestName: string | undefined = undefined;

  private nextSyscallSeq = 0;
  private nextBatchSeq = 0;
  private flushScheduled = false;

  constructor(options: EventBatcherOptions) {
    this.formatSyscall = options.formatSyscall;
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this.intervalMs = options.intervalMs ?? FLUSH_INTERVAL_MS;
    this.maxSyscalls = options.maxSyscalls ?? MAX_SYSCALLS_PER_BATCH;
    this.maxExits = options.maxExits ?? MAX_EXITS_PER_BATCH;
    this.steadySyscalls = Math.min(this.maxSyscalls, options.steadySyscalls ?? STEADY_SYSCALLS_PER_BATCH);
    this.steadyExits = Math.min(this.maxExits, options.steadyExits ?? STEADY_EXITS_PER_BATCH);
    this.beforeFlush = options.beforeFlush;
    this.syscalls = new NewestRing(this.maxSyscalls);
    this.exits = new NewestRing(this.maxExits);
  }

  /** Sets (or clears) the listener; pending events go to the new listener at the next flush. */
  setListener(listener: ((batch: EventBatch) => void) | null): void {
    this.listener = listener;
    if (listener) this.requestFlush();
  }

  console(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // Copy: the VMM may reuse its buffer after the callback returns.
    this.consoleChunks.push(bytes.slice());
    this.consoleBytes += bytes.length;
    while (this.consoleBytes > MAX_PENDING_CONSOLE_BYTES && this.consoleChunks.length > 1) {
      this.consoleBytes -= this.consoleChunks.shift()!.length;
    }
    this.requestFlush();
  }

  syscall(raw: RawSyscall): void {
    this.syscalls.push({ raw, seq: this.nextSyscallSeq++ });
    this.requestFlush();
  }

  exit(record: ExitRecord): void {
    // Kept as given: the VMM makes a new record for every exit.
    this.exits.push(record);
    this.requestFlush();
  }

  /**
   * Marks the start of a new machine. Whatever is pending belongs to the old one and is flushed
   * first, so that one batch never mixes output of two machines (the page clears on the marker).
   */
  newMachine(guestName?: string): void {
    if (this.hasPending()) this.flush();
    this.pendingNewMachine = true;
    this.pendingGuestName = guestName;
    this.requestFlush();
  }

  state(state: MachineState): void {
    this.pendingState = state;
    this.requestFlush();
  }

  registers(snapshot: RegisterSnapshot): void {
    this.pendingRegisters = snapshot;
    this.requestFlush();
  }

  handles(rows: HandleRow[]): void {
    this.pendingHandles = rows;
    this.requestFlush();
  }

  stats(stats: MachineStats): void {
    this.pendingStats = stats;
    this.requestFlush();
  }

  error(message: string): void {
    this.errors.push(message);
    this.requestFlush();
  }

  /**
   * Builds the pending batch and delivers it to the listener. Returns the batch (or null when there
   * was nothing to send or nobody to send it to).
   */
  flush(): EventBatch | null {
    this.flushScheduled = false;
    if (!this.listener) return null;
    this.beforeFlush?.();
    if (!this.hasPending()) return null;

    let console: Uint8Array | null = null;
    if (this.consoleChunks.length === 1) console = this.consoleChunks[0];
    else if (this.consoleChunks.length > 1) {
      console = new Uint8Array(this.consoleBytes);
      let at = 0;
      for (const chunk of this.consoleChunks) {
        console.set(chunk, at);
        at += chunk.length;
      }
    }

    const first = this.pendingNewMachine;
    const kept = this.syscalls.take(first ? this.maxSyscalls : this.steadySyscalls);
    const syscallsDropped = this.syscalls.dropped;
    this.syscalls.dropped = 0;
    const exits = this.exits.take(first ? this.maxExits : this.steadyExits);
    const exitsDropped = this.exits.dropped;
    this.exits.dropped = 0;

    const batch: EventBatch = {
      seq: this.nextBatchSeq++,
      newMachine: this.pendingNewMachine,
      ...(this.pendingNewMachine && this.pendingGuestName !== undefined ? { guestName: this.pendingGuestName } : {}),
      console,
      syscalls: kept.map(({ raw, seq }) => this.formatSyscall(raw, seq)),
      syscallsDropped,
      exits,
      exitsDropped,
      state: this.pendingState,
      registers: this.pendingRegisters,
      handles: this.pendingHandles,
      stats: this.pendingStats,
      errors: this.errors,
    };
    this.consoleChunks = [];
    this.consoleBytes = 0;
    this.pendingState = null;
    this.pendingRegisters = null;
    this.pendingHandles = null;
    this.pendingStats = null;
    this.errors = [];
    this.pendingNewMachine = false;
    this.pendingGuestName = undefined;

    const listener = this.listener;
    try {
      // Through Comlink the listener is a proxy whose call returns a Promise; a rejection (page gone,
      // listener threw) must not become an unhandled rejection in the worker.
      const pending: unknown = listener(batch);
      if (pending instanceof Promise) pending.catch(() => {});
    } catch (error) {
      // A page-side failure must not stop the worker's event flow; report it in the next batch.
      this.error(`event listener failed: ${String(error)}`);
    }
    return batch;
  }

  private hasPending(): boolean {
    return (
      this.pendingNewMachine ||
      this.consoleChunks.length > 0 ||
      this.syscalls.length > 0 ||
      this.syscalls.dropped > 0 ||
      this.exits.length > 0 ||
      this.exits.dropped > 0 ||
      this.pendingState !== null ||
      this.pendingRegisters !== null ||
      this.pendingHandles !== null ||
      this.pendingStats !== null ||
      this.errors.length > 0
    );
  }

  private requestFlush(): void {
    if (this.flushScheduled || !this.listener) return;
    this.flushScheduled = true;
    this.schedule(() => this.flush(), this.intervalMs);
  }
}
