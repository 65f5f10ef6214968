/**
 * Device time. A timed device model (PIT, RTC) never reads the wall clock: it is handed a
 * `DeviceClock`, reads the time from it and asks it for a callback at the next moment something it
 * owns becomes visible to the guest (an interrupt edge). Devices compute their registers from
 * `now()` when the guest looks, so nothing runs per tick (QEMU's timer-based models work the same way,
 * e.g. hw/timer/i8254.c computes counts from `qemu_clock_get_ns` and arms a timer for the next OUT edge).
 *
 * The VMM backs the clock with the guest's instruction-derived time (deterministic mode) or with the
 * wall clock (real-time mode); tests back it with `TimerQueue`, which they advance by hand.
 *
 * Contract for implementations: `now()` never goes backwards, and every callback due at or before a
 * time is run before a device sees an access at a later time. A callback may schedule further
 * callbacks, including ones already due, which then run in the same pass.
 */
export interface DeviceClock {
  /** The current time in nanoseconds; monotonic. */
  now(): number;
  /** Run `fn` once the clock reaches `atNs` (at once on the next pass if `atNs` is already past); returns an id for `cancel`. */
  schedule(atNs: number, fn: () => void): number;
  /** Forget a scheduled callback. Cancelling an id that already ran or never existed is harmless. */
  cancel(id: number): void;
}

/**
 * A deterministic `DeviceClock`: time moves only through `advance(toNs)`, which runs every due
 * callback in deadline order (equal deadlines in the order they were scheduled, i.e. by id), with
 * `now()` reading each callback's deadline while it runs. A binary heap keyed by (deadline, id)
 * holds the pending callbacks; cancelled ones are dropped lazily when they reach the top.
 */
export class TimerQueue implements DeviceClock {
  private time: number;
  private nextId = 1;
  private readonly heapAt: number[] = [];
  private readonly heapId: number[] = [];
  private readonly callbacks = new Map<number, () => void>();
  /**
   * The id at the heap's top when it was last found live (0: none known): nextDeadline runs at
   * every device access, and looks the top up in `callbacks` only when it changed or was cancelled.
   */
  private liveTop = 0;

  constructor(startNs = 0) {
    if (!Number.isFinite(startNs) || startNs < 0) throw new RangeError(`TimerQueue: bad start time ${startNs}`);
    this.time = startNs;
  }

  now(): number {
    return this.time;
  }

  schedule(atNs: number, fn: () => void): number {
    if (!Number.isFinite(atNs)) throw new RangeError(`TimerQueue: cannot schedule at ${atNs}`);
    const id = this.nextId++;
    this.callbacks.set(id, fn);
    this.push(atNs, id);
    return id;
  }

  cancel(id: number): void {
    this.callbacks.delete(id);
    if (id === this.liveTop) this.liveTop = 0;
  }

  /** Callbacks still waiting (cancelled ones excluded). */
  pending(): number {
    return this.callbacks.size;
  }

  /** The deadline of the earliest pending callback, or Infinity when none is pending. */
  nextDeadline(): number {
    this.dropCancelled();
    return this.heapAt.length > 0 ? this.heapAt[0] : Infinity;
  }

  /** Moves time forward to `toNs`, running every callback due on the way. Time never moves back. */
  advance(toNs: number): void {
    if (Number.isNaN(toNs) || toNs < this.time) throw new RangeError(`TimerQueue: cannot go back from ${this.time} to ${toNs}`);
    for (;;) {
      // The heap's top is its earliest entry, cancelled or not: when even that is later, nothing is
      // due (checked first, so the common "nothing due" costs no Map lookup).
      if (this.heapAt.length === 0 || this.heapAt[0] > toNs) break;
      this.dropCancelled();
      if (this.heapAt.length === 0 || this.heapAt[0] > toNs) break;
      const at = this.heapAt[0];
      const id = this.heapId[0];
      this.pop();
      const fn = this.callbacks.get(id)!;
      this.callbacks.delete(id);
      // A callback scheduled in the past runs now; time itself stays monotonic.
      if (at > this.time) this.time = at;
      fn();
    }
    this.time = toNs;
  }

  /** Advances by `deltaNs` from now. */
  advanceBy(deltaNs: number): void {
    this.advance(this.time + deltaNs);
  }

  private dropCancelled(): void {
    const ids = this.heapId;
    if (ids.length > 0 && ids[0] === this.liveTop) return;
    while (ids.length > 0 && !this.callbacks.has(ids[0])) this.pop();
    this.liveTop = ids.length > 0 ? ids[0] : 0;
  }

  private less(i: number, j: number): boolean {
    const a = this.heapAt[i];
    const b = this.heapAt[j];
    return a < b || (a === b && this.heapId[i] < this.heapId[j]);
  }

  private swap(i: number, j: number): void {
    const at = this.heapAt[i];
    this.heapAt[i] = this.heapAt[j];
    this.heapAt[j] = at;
    const id = this.heapId[i];
    this.heapId[i] = this.heapId[j];
    this.heapId[j] = id;
  }

  private push(at: number, id: number): void {
    this.heapAt.push(at);
    this.heapId.push(id);
    let i = this.heapAt.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.heapAt.length - 1;
    this.swap(0, last);
    this.heapAt.pop();
    this.heapId.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
