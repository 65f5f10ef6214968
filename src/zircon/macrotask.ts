/**
 * A macrotask yield built on MessageChannel (not setTimeout, which browsers clamp to ≥ 4 ms after a
 * few nested calls). Works in Node ≥ 15 and in workers. A VCPU's run loop awaits it between slices so
 * that other tasks (a kick, an interrupt, the UI) get a turn, as other threads would in Zircon.
 */

type NodePort = MessagePort & { ref?: () => void; unref?: () => void };

let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];

function port(): MessageChannel {
  if (channel) return channel;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    const resolve = waiting.shift();
    // In Node an idle MessagePort with a listener keeps the process alive: hold a reference only
    // while a yield is outstanding.
    if (waiting.length === 0) (ch.port1 as NodePort).unref?.();
    resolve?.();
  };
  (ch.port1 as NodePort).unref?.();
  channel = ch;
  return ch;
}

/** Resolve after the event loop has run one macrotask turn. */
export function yieldMacrotask(): Promise<void> {
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
