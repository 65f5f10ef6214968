/**
 * A macrotask yield. A VCPU's run loop awaits it between slices so that other tasks (a kick, an
 * interrupt, a device timer, the UI) get a turn, as other threads would in Zircon.
 *
 * - In Node: setImmediate, which runs after the poll phase of every event-loop turn, so timers and
 *   I/O (stdin for the CLI) still run while a guest computes. (Node processes MessagePort messages
 *   in a way that can starve timers for seconds.)
 * - In browsers and workers: MessageChannel, not setTimeout, which browsers clamp to ≥ 4 ms after a
 *   few nested calls.
 */

type NodePort = MessagePort & { ref?: () => void; unref?: () => void };

const nodeSetImmediate: ((fn: () => void) => unknown) | undefined =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (globalThis as unknown as { setImmediate: (fn: () => void) => unknown }).setImmediate
    : undefined;

let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];

function port(): MessageChannel {
  if (channel) return channel;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    const resolve = waiting.shift();
    if (waiting.length === 0) (ch.port1 as NodePort).unref?.();
    resolve?.();
  };
  (ch.port1 as NodePort).unref?.();
  channel = ch;
  return ch;
}

/** Resolve after the event loop has run one macrotask turn. */
export function yieldMacrotask(): Promise<void> {
  if (nodeSetImmediate) return new Promise((resolve) => void nodeSetImmediate(resolve));
  const ch = port();
  return new Promise((resolve) => {
    if (waiting.length === 0) (ch.port1 as NodePort).ref?.();
    waiting.push(resolve);
    ch.port2.postMessage(0);
  });
}

/** Run `fn` in a later macrotask (fire and forget). */
export function queueMacrotask(fn: () => void): void {
  void yieldMacrotask().then(fn);
}
