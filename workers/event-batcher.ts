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
 *
 * One batch is in flight at a time (BATCH_ACK_TIMEOUT_MS): the listener's promise settles once the
 * page has shown it, and only then is the next one built. A page that falls behind (a slow machine,
 * a guest printing flat out) thus gets fewer, fuller batches, never a queue of them ahead of its
 * input events; what happens meanwhile waits here, bounded: the rings above, and console bytes in
 * one buffer of at most MAX_PENDING_CONSOLE_BYTES whose oldest bytes give way (counted in the batch).
 */
import {
  BATCH_ACK_TIMEOUT_MS,
  FLUSH_INTERVAL_MS,
  MAX_PENDING_CONSOLE_BYTES,
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
import type { zx_port_packet_t } from "../src/zircon/abi/port-packet";

/**
 * The newest `limit` items pushed (at most `capacity`), oldest first; older ones are only counted.
 *
 * The slots are an array of `limit` entries, and a fresh one after every take(). The rings get an
 * item per VM exit (a million a second), and storing a just-made object into an array that has
 * lived long enough to be in V8's old generation goes through the write barrier's slow path (the
 * old-to-new remembered set): ~6% of the worker's time on bench-exits in Chromium. An array made at
 * the last batch is young itself, as its items are.
 */
export class NewestRing<T> {
  private items: (T | undefined)[];
  /** Index of the next write. */
  private next = 0;
  private size = 0;
  /** Pushed since the last take() but overwritten before it. */
  dropped = 0;
  /** How many of the newest items are kept (at most capacity): setLimit. The slots' length. */
  private limit: number;

  constructor(readonly capacity: number) {
    this.limit = Math.max(1, capacity);
    this.items = new Array<T | undefined>(this.limit).fill(undefined);
  }

  get length(): number {
    return this.size;
  }

  /** How many of the newest items are kept now (setLimit). */
  get kept(): number {
    return this.limit;
  }

  /**
   * Keeps only the newest `n` (1 … capacity) from now on; items beyond that are let go at once
   * (counted as dropped). Whatever is pushed lives until `n` newer ones come, so a smaller limit
   * lets it die sooner: fewer survivors for the garbage collector's young generation.
   */
  setLimit(n: number): void {
    const limit = Math.max(1, Math.min(Math.max(1, this.capacity), n));
    if (limit === this.limit) return;
    const keep = Math.min(this.size, limit);
    const kept = this.newest(keep);
    this.dropped += this.size - keep;
    this.limit = limit;
    this.items = new Array<T | undefined>(limit).fill(undefined);
    for (let i = 0; i < keep; i++) this.items[i] = kept[i];
    this.size = keep;
    this.next = keep === limit ? 0 : keep;
  }

  push(item: T): void {
    const items = this.items;
    // Full: the oldest item's slot is the next one, and the new item takes it.
    if (this.size === this.limit) this.dropped++;
    else this.size++;
    items[this.next] = item;
    this.next = this.next + 1 === items.length ? 0 : this.next + 1;
  }

  /** The newest `n` items (n ≤ size), oldest first. */
  private newest(n: number): T[] {
    const items = this.items;
    const out = new Array<T>(n);
    let at = (this.next - n + items.length) % items.length;
    for (let i = 0; i < n; i++) {
      out[i] = items[at] as T;
      at = at + 1 === items.length ? 0 : at + 1;
    }
    return out;
  }

  /**
   * The newest `max` items (all, by default), oldest first, and empties the ring; the items left
   * out are added to `dropped` (which is left to the caller to reset).
   */
  take(max = this.limit): T[] {
    const n = Math.min(this.size, max);
    this.dropped += this.size - n;
    const out = this.newest(n);
    // Fresh slots: young again, and nothing keeps the taken items alive.
    this.items = new Array<T | undefined>(this.limit).fill(undefined);
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
  /** How long to wait for the listener to settle a batch before sending the next (BATCH_ACK_TIMEOUT_MS). */
  ackTimeoutMs?: number;
}

export class EventBatcher {
  private listener: ((batch: EventBatch) => unknown) | null = null;
  private readonly formatSyscall: EventBatcherOptions["formatSyscall"];
  private readonly schedule: Scheduler;
  private readonly intervalMs: number;
  private readonly maxSyscalls: number;
  private readonly maxExits: number;
  private readonly steadySyscalls: number;
  private readonly steadyExits: number;
  private readonly beforeFlush: (() => void) | undefined;

  // Pending contents of the next batch.
  /** Console bytes, in [0, consoleBytes) of a buffer that grows up to the cap. */
  private consoleBuffer = new Uint8Array(4096);
  private consoleBytes = 0;
  private consoleDropped = 0;
  /** Raw syscalls; their sequence numbers are consecutive, so the newest one's is nextSyscallSeq - 1. */
  private readonly syscalls: NewestRing<RawSyscall>;
  /** Copies of transient syscall records (keepTransient), used in turn: one more than the ring keeps. */
  private transientPool: (RawSyscall | undefined)[] = [];
  private transientNext = 0;
  /** Copies of exit records (exit()), used in turn: one more than the exit ring keeps. */
  private exitPool: (ExitRecord | undefined)[] = [];
  private exitNext = 0;
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
  /** The delay of the flush that is scheduled (when flushScheduled). */
  private scheduledDelay = 0;
  /** Bumped per scheduled flush: a timer that a sooner one replaced does nothing when it fires. */
  private flushTimer = 0;
  /** A state change is pending: the next batch goes at once, even past an unsettled one. */
  private urgent = false;
  /** The last batch has not been settled by the listener yet. */
  private inFlight = false;
  /** Bumped per delivery, so a late answer (or its timeout) for an older batch is ignored. */
  private delivery = 0;
  private readonly ackTimeoutMs: number;

  constructor(options: EventBatcherOptions) {
    this.formatSyscall = options.formatSyscall;
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this.intervalMs = options.intervalMs ?? FLUSH_INTERVAL_MS;
    this.ackTimeoutMs = options.ackTimeoutMs ?? BATCH_ACK_TIMEOUT_MS;
    this.maxSyscalls = options.maxSyscalls ?? MAX_SYSCALLS_PER_BATCH;
    this.maxExits = options.maxExits ?? MAX_EXITS_PER_BATCH;
    this.steadySyscalls = Math.min(this.maxSyscalls, options.steadySyscalls ?? STEADY_SYSCALLS_PER_BATCH);
    this.steadyExits = Math.min(this.maxExits, options.steadyExits ?? STEADY_EXITS_PER_BATCH);
    this.beforeFlush = options.beforeFlush;
    this.syscalls = new NewestRing(this.maxSyscalls);
    this.exits = new NewestRing(this.maxExits);
    this.fitTransientPool();
    this.fitExitPool();
  }

  /** Sets (or clears) the listener; pending events go to the new listener at the next flush. */
  setListener(listener: ((batch: EventBatch) => unknown) | null): void {
    this.listener = listener;
    // A new listener owes nothing for batches the old one got.
    this.inFlight = false;
    this.delivery++;
    if (listener) this.requestFlush();
  }

  console(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    // Copied into one buffer (the VMM may reuse `bytes`): a guest printing a byte per OUT must not
    // cost an array per byte.
    if (n >= MAX_PENDING_CONSOLE_BYTES) {
      this.consoleDropped += this.consoleBytes + n - MAX_PENDING_CONSOLE_BYTES;
      this.consoleBuffer = bytes.slice(n - MAX_PENDING_CONSOLE_BYTES);
      this.consoleBytes = MAX_PENDING_CONSOLE_BYTES;
    } else {
      if (this.consoleBytes + n > MAX_PENDING_CONSOLE_BYTES) {
        // Full: the oldest bytes give way, half the buffer at a time (so this copy is rare).
        const drop = Math.max(this.consoleBytes + n - MAX_PENDING_CONSOLE_BYTES, MAX_PENDING_CONSOLE_BYTES >> 1);
        const keep = Math.max(0, this.consoleBytes - drop);
        this.consoleBuffer.copyWithin(0, this.consoleBytes - keep, this.consoleBytes);
        this.consoleDropped += this.consoleBytes - keep;
        this.consoleBytes = keep;
      }
      if (this.consoleBytes + n > this.consoleBuffer.length) {
        let size = this.consoleBuffer.length * 2;
        while (size < this.consoleBytes + n) size *= 2;
        const grown = new Uint8Array(Math.min(size, MAX_PENDING_CONSOLE_BYTES));
        grown.set(this.consoleBuffer.subarray(0, this.consoleBytes));
        this.consoleBuffer = grown;
      }
      this.consoleBuffer.set(bytes, this.consoleBytes);
      this.consoleBytes += n;
    }
    this.requestFlush();
  }

  syscall(raw: RawSyscall): void {
    this.syscalls.push(raw.transient ? this.keepTransient(raw) : raw);
    this.nextSyscallSeq++;
    this.requestFlush();
  }

  /**
   * A copy of a transient record (RawSyscall.transient: the kernel reuses it, and its IO packet,
   * for the next exit) in one of the pool's records, used in turn. The pool has one record more
   * than the ring keeps: by the time one is used again, that many newer syscalls have been pushed,
   * so the ring no longer holds it (a flush formats what it takes at once). No objects per exit,
   * and in the steady state (STEADY_SYSCALLS_PER_BATCH) few enough records to stay in the cache:
   * a pool as large as the first batch's ring cost a cache miss per field copied.
   */
  private keepTransient(raw: RawSyscall): RawSyscall {
    const from = raw.result as { status: number; packet: zx_port_packet_t };
    const p = from.packet;
    let slot = this.transientPool[this.transientNext];
    if (slot === undefined) {
      const packet: zx_port_packet_t = { key: 0n, type: 0, status: 0, guest_io: { port: 0, access_size: 1, input: false, u8: 0, u16: 0, u32: 0, data: new Uint8Array(4) } };
      slot = { thread: raw.thread, name: raw.name, args: raw.args, result: { status: 0, packet } };
      this.transientPool[this.transientNext] = slot;
    }
    this.transientNext = this.transientNext + 1 === this.transientPool.length ? 0 : this.transientNext + 1;
    slot.thread = raw.thread;
    slot.name = raw.name;
    // Argument lists are never changed once traced (thread.ts keeps one per VCPU): shared.
    slot.args = raw.args;
    const result = slot.result as { status: number; packet: zx_port_packet_t };
    result.status = from.status;
    const q = result.packet;
    q.key = p.key;
    q.type = p.type;
    q.status = p.status;
    // Transient records carry IO packets only (SyscallTrace.transient); copied field by field
    // (TypedArray.prototype.set is a slow call for four bytes).
    const io = p.guest_io!;
    const c = q.guest_io!;
    c.port = io.port;
    c.access_size = io.access_size;
    c.input = io.input;
    c.u8 = io.u8;
    c.u16 = io.u16;
    c.u32 = io.u32;
    const d = c.data;
    const e = io.data;
    d[0] = e[0];
    d[1] = e[1];
    d[2] = e[2];
    d[3] = e[3];
    return slot;
  }

  /**
   * After the ring's limit changed: a new pool of limit + 1 records. The old pool's records that
   * the ring still holds stay as they are (nothing writes them again).
   */
  private fitTransientPool(): void {
    const size = this.syscalls.kept + 1;
    if (this.transientPool.length === size) return;
    this.transientPool = new Array<RawSyscall | undefined>(size).fill(undefined);
    this.transientNext = 0;
  }

  /**
   * An exit record, copied (the VMM reuses its record: MachineSinks.exit) into one of a pool of
   * records used in turn, one more than the ring keeps, as keepTransient does for syscalls.
   */
  exit(record: Readonly<ExitRecord>): void {
    let slot = this.exitPool[this.exitNext];
    if (slot === undefined) {
      slot = { seq: 0, status: 0, kind: "status", summary: "", instructions: 0, rip: null };
      this.exitPool[this.exitNext] = slot;
    }
    this.exitNext = this.exitNext + 1 === this.exitPool.length ? 0 : this.exitNext + 1;
    slot.seq = record.seq;
    slot.status = record.status;
    slot.kind = record.kind;
    slot.summary = record.summary;
    slot.instructions = record.instructions;
    slot.rip = record.rip;
    this.exits.push(slot);
    this.requestFlush();
  }

  /** After the exit ring's limit changed: a new pool of limit + 1 records (see fitTransientPool). */
  private fitExitPool(): void {
    const size = this.exits.kept + 1;
    if (this.exitPool.length === size) return;
    this.exitPool = new Array<ExitRecord | undefined>(size).fill(undefined);
    this.exitNext = 0;
  }

  /**
   * Marks the start of a new machine. Whatever is pending belongs to the old one and is flushed
   * first, so that one batch never mixes output of two machines (the page clears on the marker).
   */
  newMachine(guestName?: string): void {
    // Even past an unsettled batch: a new machine is rare, and its marker must not swallow the old
    // machine's last output.
    if (this.hasPending()) this.flush(true);
    this.pendingNewMachine = true;
    this.syscalls.setLimit(this.maxSyscalls);
    this.fitTransientPool();
    this.exits.setLimit(this.maxExits);
    this.fitExitPool();
    this.pendingGuestName = guestName;
    this.requestFlush();
  }

  /**
   * A change of the machine's state goes to the page at once (at the end of this task, so that the
   * snapshot of a stop joins it), past a batch the page has not settled: a user who clicks Pause
   * waits for it, and there are a few per click, not a stream.
   */
  state(state: MachineState): void {
    this.pendingState = state;
    this.urgent = true;
    this.requestFlush(0);
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
   * was nothing to send or nobody to send it to, or the last batch is still unsettled and `force`
   * is not set).
   */
  flush(force = false): EventBatch | null {
    this.flushScheduled = false;
    // The page has not settled the last batch: this one waits for it (settled() flushes again).
    if (!this.listener || (this.inFlight && !force && !this.urgent)) return null;
    this.urgent = false;
    this.beforeFlush?.();
    if (!this.hasPending()) return null;

    const console = this.consoleBytes > 0 ? this.consoleBuffer.slice(0, this.consoleBytes) : null;
    const consoleDropped = this.consoleDropped;

    const first = this.pendingNewMachine;
    const kept = this.syscalls.take(first ? this.maxSyscalls : this.steadySyscalls);
    const firstSeq = this.nextSyscallSeq - kept.length;
    const syscallsDropped = this.syscalls.dropped;
    this.syscalls.dropped = 0;
    // Copies: the ring's records are the pool's, which later exits fill anew (exit()).
    const exits = this.exits.take(first ? this.maxExits : this.steadyExits).map((r) => ({ ...r }));
    const exitsDropped = this.exits.dropped;
    this.exits.dropped = 0;
    // Later batches keep fewer: the rings need hold no more than that until the next machine.
    this.syscalls.setLimit(this.steadySyscalls);
    this.fitTransientPool();
    this.exits.setLimit(this.steadyExits);
    this.fitExitPool();

    const batch: EventBatch = {
      seq: this.nextBatchSeq++,
      newMachine: this.pendingNewMachine,
      ...(this.pendingNewMachine && this.pendingGuestName !== undefined ? { guestName: this.pendingGuestName } : {}),
      console,
      consoleDropped,
      syscalls: kept.map((raw, i) => this.formatSyscall(raw, firstSeq + i)),
      syscallsDropped,
      exits,
      exitsDropped,
      state: this.pendingState,
      registers: this.pendingRegisters,
      handles: this.pendingHandles,
      stats: this.pendingStats,
      errors: this.errors,
    };
    this.consoleBytes = 0;
    this.consoleDropped = 0;
    // Let a burst's buffer go once it has been sent.
    if (this.consoleBuffer.length > 65536) this.consoleBuffer = new Uint8Array(4096);
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
      if (pending instanceof Promise) this.awaitSettled(pending);
    } catch (error) {
      // A page-side failure must not stop the worker's event flow; report it in the next batch.
      this.error(`event listener failed: ${String(error)}`);
    }
    return batch;
  }

  /** Holds the next batch until `pending` settles, or BATCH_ACK_TIMEOUT_MS passes. */
  private awaitSettled(pending: Promise<unknown>): void {
    this.inFlight = true;
    const delivery = ++this.delivery;
    const settled = () => {
      if (delivery !== this.delivery || !this.inFlight) return;
      this.inFlight = false;
      // Events held back by this batch have waited a flush interval already, and the answer means
      // the page has painted since: they go at once (the guest's first console byte waits here
      // while a new page renders). Events whose interval is still running keep their timer.
      if (this.hasPending() && !this.flushScheduled) this.requestFlush(0);
    };
    pending.then(settled, settled);
    this.schedule(settled, this.ackTimeoutMs);
  }

  private hasPending(): boolean {
    return (
      this.pendingNewMachine ||
      this.consoleBytes > 0 ||
      this.consoleDropped > 0 ||
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

  private requestFlush(delayMs = this.intervalMs): void {
    if ((this.flushScheduled && this.scheduledDelay <= delayMs) || !this.listener) return;
    this.scheduleFlush(delayMs);
  }

  /**
   * requestFlush's slow path, a method of its own: the timer's closure captures `this` and `timer`,
   * and V8 allocates a function's context at its entry, early return or not. In requestFlush, which
   * runs at every exit and syscall, that was ~60 bytes of garbage per call, half of the worker's
   * allocation on bench-exits.
   */
  private scheduleFlush(delayMs: number): void {
    this.flushScheduled = true;
    this.scheduledDelay = delayMs;
    const timer = ++this.flushTimer;
    this.schedule(() => {
      if (timer === this.flushTimer) this.flush();
    }, delayMs);
  }
}
