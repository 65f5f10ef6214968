/**
 * Flow control between the guest's console output and xterm.js (the "flow control" guide of
 * xterm.js: writes with callbacks and watermarks). Bytes handed to the terminal but not yet parsed
 * are counted; above HIGH_WATER further chunks wait here and are released as the terminal reports
 * progress, below LOW_WATER. What waits here is bounded too: beyond MAX_QUEUED bytes the oldest
 * queued output is dropped and a one-line notice takes its place, so a guest printing flat out can
 * never make the page's memory or frame time run away.
 */
export const HIGH_WATER = 256 * 1024;
export const LOW_WATER = 32 * 1024;
export const MAX_QUEUED = 4 * 1024 * 1024;

const NOTICE = new TextEncoder().encode("\r\n\x1b[33m[console: output dropped, the terminal could not keep up]\x1b[0m\r\n");

export class TerminalFlow {
  /** Bytes written to the terminal whose callback has not come back yet. */
  private inFlight = 0;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private dropped = false;
  private generation = 0;

  constructor(private readonly sink: (data: Uint8Array, done: () => void) => void) {}

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.inFlight < HIGH_WATER && this.queue.length === 0) {
      this.send(data);
      return;
    }
    this.queue.push(data);
    this.queued += data.length;
    while (this.queued > MAX_QUEUED && this.queue.length > 1) {
      this.queued -= this.queue.shift()!.length;
      this.dropped = true;
    }
  }

  /** Forget everything pending (the console was cleared or the terminal is going away). */
  clear(): void {
    this.queue.length = 0;
    this.queued = 0;
    this.dropped = false;
    this.inFlight = 0;
    this.generation++;
  }

  /** Bytes waiting here (for tests and the UI). */
  get pending(): number {
    return this.queued;
  }

  private send(data: Uint8Array): void {
    this.inFlight += data.length;
    const gen = this.generation;
    this.sink(data, () => {
      if (gen !== this.generation) return;
      this.inFlight -= data.length;
      if (this.inFlight < LOW_WATER) this.drain();
    });
  }

  private drain(): void {
    if (this.dropped) {
      this.dropped = false;
      this.send(NOTICE);
    }
    while (this.queue.length > 0 && this.inFlight < HIGH_WATER) {
      const next = this.queue.shift()!;
      this.queued -= next.length;
      this.send(next);
    }
  }
}
