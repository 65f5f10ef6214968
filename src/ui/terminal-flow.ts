/**
 * Flow control between the guest's console output and xterm.js (the "flow control" guide of
 * xterm.js: writes with callbacks). The terminal gets one write per animation frame, and the next
 * only once it has parsed the last; each write is sized so that parsing it takes about
 * PARSE_MS_PER_FRAME, from how fast the terminal parsed the previous ones (plain lines go at
 * megabytes a second; a guest's one endless line, wrapping and scrolling at every 80 columns, at a
 * tenth of that). Parsing and drawing console output costs the page far more than printing it costs
 * the guest, and a guest printing flat out (hundreds of thousands of OUTs a second) must not take the
 * page's frames. What waits here is bounded: beyond MAX_QUEUED bytes the oldest queued output is
 * dropped, down to half of that, and a notice in the terminal says how much was skipped (the worker's
 * own drops, reported with its batches, are counted in the same notice). Dropping to half leaves a
 * long stretch of output between two notices: a guest printing faster than the terminal parses, for
 * ever, shows its output with a notice now and then, not a notice at every frame and nothing else.
 * A burst below MAX_QUEUED (a kernel's boot log, a long listing) is shown whole, over a few frames.
 */
export const PARSE_MS_PER_FRAME = 6;
export const MIN_FRAME_BYTES = 1024;
export const MAX_FRAME_BYTES = 64 * 1024;
/** The first write's size, before anything is known of the terminal's speed. */
export const FIRST_FRAME_BYTES = 16 * 1024;
export const MAX_QUEUED = 512 * 1024;
/**
 * While output is being dropped (here or in the worker, within this long), the terminal gets a
 * write every FLOOD_FRAMES frames: the guest prints faster than any reader can follow, and each
 * write costs xterm.js a redraw of every row as the screen scrolls, on top of the parsing, and the
 * page a new frame. A burst that fits (a boot log) still comes at every frame. (Measured without a
 * GPU, at 1440×900, the page drew 53–60 frames a second during console-flood.asm whether the
 * terminal was written every frame at 1×, every other at 1× or every 4th at 2×.)
 */
export const FLOOD_HOLD_MS = 1000;
/**
 * During a flood (FLOOD_HOLD_MS), one write per this many frames (15 a second at 60 Hz), each of
 * FLOOD_WRITE_SCALE times the usual size (~12 ms of parsing in one frame of four).
 */
export const FLOOD_FRAMES = 4;
export const FLOOD_WRITE_SCALE = 2;
/** What is left queued after a drop (see above). */
export const QUEUED_AFTER_DROP = MAX_QUEUED / 2;

/** Runs `fn` at the next animation frame. */
export type FrameScheduler = (fn: () => void) => void;

const defaultFrame: FrameScheduler = (fn) => {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => fn());
  else setTimeout(fn, 16);
};

const encoder = new TextEncoder();

/** "1,234 bytes", "56.7 KB", "8.9 MB" (decimal units, as a rate of output is usually quoted). */
export function formatAmount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n.toLocaleString("en-US")} bytes`;
}

/** The line the terminal shows where output was skipped. */
export function droppedNotice(bytes: number): Uint8Array {
  return encoder.encode(
    `\r\n\x1b[33m[console: ${formatAmount(bytes)} of output skipped: the guest prints faster than the console can show]\x1b[0m\r\n`,
  );
}

export class TerminalFlow {
  /** A write handed to the terminal whose callback has not come back yet. */
  private busy = false;
  /** whenIdle()'s callers. */
  private idleWaiters: (() => void)[] = [];
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  /** Bytes skipped since the last notice (here and in the worker). */
  private skipped = 0;
  private frameScheduled = false;
  private generation = 0;
  /** Bytes for the next write (see PARSE_MS_PER_FRAME). */
  private frameBytes = FIRST_FRAME_BYTES;
  /** When output was last dropped (FLOOD_HOLD_MS). */
  private lastDrop = -Infinity;

  constructor(
    private readonly sink: (data: Uint8Array, done: () => void) => void,
    private readonly frame: FrameScheduler = defaultFrame,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The size of the next write to the terminal (for tests and the UI). */
  get budget(): number {
    return this.frameBytes;
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.queue.push(data);
    this.queued += data.length;
    // Over the bound: the oldest output goes, whole chunks or the front of one, down to QUEUED_AFTER_DROP.
    if (this.queued > MAX_QUEUED) {
      this.dropOldestDownTo(QUEUED_AFTER_DROP);
      this.lastDrop = this.now();
    }
    this.schedule();
  }

  /** Drops the oldest output queued until `target` bytes are left (counted as skipped). */
  private dropOldestDownTo(target: number): void {
    while (this.queued > target) {
      const excess = this.queued - target;
      const oldest = this.queue[0];
      if (oldest.length <= excess) {
        this.queue.shift();
        this.queued -= oldest.length;
        this.skipped += oldest.length;
      } else {
        this.queue[0] = oldest.subarray(excess);
        this.queued -= excess;
        this.skipped += excess;
      }
    }
  }

  /**
   * `bytes` of output never reached this page (the worker dropped them, being this far behind):
   * what still waits here is older than that gap and goes too, so the notice stands where the gap is.
   */
  noteDropped(bytes: number): void {
    if (bytes <= 0) return;
    this.skipped += bytes + this.queued;
    this.queue.length = 0;
    this.queued = 0;
    this.lastDrop = this.now();
    this.schedule();
  }

  /** Forget everything pending (the console was cleared or the terminal is going away). */
  clear(): void {
    this.queue.length = 0;
    this.queued = 0;
    this.skipped = 0;
    this.busy = false;
    this.generation++;
    this.settle();
  }

  /**
   * Resolves once everything written so far is in the terminal (handed over and parsed), e.g. for
   * the console's Save, whose file must end with the output already shown as the page's text. A
   * guest that keeps printing may keep it from ever being so: callers bound the wait.
   */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get idle(): boolean {
    return !this.busy && this.queued === 0 && this.skipped === 0;
  }

  /** Wakes whenIdle's waiters if nothing waits here any more. */
  private settle(): void {
    if (this.idleWaiters.length === 0 || !this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Bytes waiting here (for tests and the UI). */
  get pending(): number {
    return this.queued;
  }

  /** Whether output was dropped within FLOOD_HOLD_MS. */
  private flooding(): boolean {
    return this.now() - this.lastDrop < FLOOD_HOLD_MS;
  }

  /** Pumps at the next frame, or FLOOD_FRAMES frames from now during a flood (FLOOD_HOLD_MS). */
  private schedule(flood = false): void {
    if (this.frameScheduled) return;
    this.frameScheduled = true;
    const gen = this.generation;
    let frames = flood ? FLOOD_FRAMES : 1;
    const run = () => {
      if (--frames > 0) {
        this.frame(run);
        return;
      }
      this.frameScheduled = false;
      if (gen === this.generation) this.pump();
      else if (this.queued > 0 || this.skipped > 0) this.schedule();
    };
    this.frame(run);
  }

  /** At a frame: hands the terminal the next write, if it has parsed what it had. */
  private pump(): void {
    if (this.busy) return; // the write's callback pumps again
    if (this.skipped > 0) {
      const notice = droppedNotice(this.skipped);
      this.skipped = 0;
      this.send(notice);
      return;
    }
    if (this.queued === 0) return;
    const budget = this.flooding() ? this.frameBytes * FLOOD_WRITE_SCALE : this.frameBytes;
    let chunk: Uint8Array;
    if (this.queue[0].length >= budget || this.queue.length === 1) {
      const first = this.queue[0];
      chunk = first.length > budget ? first.subarray(0, budget) : first;
      if (chunk.length === first.length) this.queue.shift();
      else this.queue[0] = first.subarray(budget);
    } else {
      // Many small chunks (a batch per frame of a few bytes each): join up to the budget.
      let n = 0;
      for (const c of this.queue) {
        if (n + c.length > budget) break;
        n += c.length;
      }
      chunk = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const c = this.queue.shift()!;
        chunk.set(c, at);
        at += c.length;
      }
    }
    this.queued -= chunk.length;
    this.send(chunk);
  }

  private send(data: Uint8Array): void {
    this.busy = true;
    const gen = this.generation;
    const start = this.now();
    this.sink(data, () => {
      if (gen !== this.generation) return;
      this.busy = false;
      // Size the next write from this one's pace (halfway there, so one odd write does not swing it).
      if (data.length >= MIN_FRAME_BYTES) {
        const perMs = data.length / Math.max(0.5, this.now() - start);
        const target = Math.min(MAX_FRAME_BYTES, Math.max(MIN_FRAME_BYTES, perMs * PARSE_MS_PER_FRAME));
        this.frameBytes = Math.round((this.frameBytes + target) / 2);
      }
      if (this.queued > 0 || this.skipped > 0) this.schedule(this.flooding());
      else this.settle();
    });
  }
}
