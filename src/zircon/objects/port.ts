/**
 * Ports (`object/port_dispatcher.cc`): a FIFO of 48-byte packets that threads wait on.
 *
 * - One waiter is released per packet, in the order the waiters arrived (thread-pool friendly).
 * - User packets (zx_port_queue) are capped per port: 2048 outstanding → ZX_ERR_SHOULD_WAIT
 *   (the 2018 kernel's 16384 / 8). Kernel packets (BELL traps) come from their trap's own pool and
 *   are not counted against that cap (test guest_set_trap_with_bell_and_max_user).
 * - A port whose handles are all closed refuses kernel packets with ZX_ERR_BAD_STATE
 *   (PortDispatcher::Queue checks zero_handles_), which zx_vcpu_resume passes on.
 * - zx_object_wait_async (PortObserver, `port_dispatcher.cc`): a one-shot observer on the waited
 *   object. When any trigger signal is asserted (at once if already asserted) it queues one
 *   ZX_PKT_TYPE_SIGNAL_ONE packet { trigger, observed = the whole state, count = 1 } and ends. Its
 *   packet is not counted against the user-packet cap. A port without handles drops it silently
 *   (Queue's BAD_HANDLE is ignored) and, on losing its last handle, removes its observers.
 */
import { ZX_OBJ_TYPE_PORT, ZX_PKT_TYPE_SIGNAL_ONE, ZX_PKT_TYPE_USER, ZX_WAIT_ASYNC_TIMESTAMP } from "../constants";
import { KernelObject, type KernelContext, type SignalObserver } from "../kernel-object";
import { ZX_ERR_BAD_STATE, ZX_ERR_NOT_SUPPORTED, ZX_ERR_SHOULD_WAIT, ZX_ERR_TIMED_OUT, ZX_OK } from "../status";
import type { zx_port_packet_t } from "../abi/port-packet";

export const MAX_USER_PACKETS_PER_PORT = 2048;

interface Queued {
  packet: zx_port_packet_t;
  /** The trap that produced a kernel packet (so guest destruction can cancel it); null for user packets. */
  origin: object | null;
  /** Runs when the packet leaves the port (delivered or cancelled): returns a trap pool slot. */
  onRemove: (() => void) | null;
}

/** As ResumeResult: `packet` is all zeros unless status is ZX_OK. */
export interface PortWaitResult {
  status: number;
  packet: zx_port_packet_t;
}
const empty = (): zx_port_packet_t => ({ key: 0n, type: 0, status: 0 });

interface Waiter {
  resolve: (r: PortWaitResult) => void;
  timer: number;
}

/** One zx_object_wait_async in progress (Zircon's PortObserver). */
class PortObserver implements SignalObserver {
  constructor(
    readonly port: PortObject,
    readonly object: KernelObject,
    readonly handleTable: object,
    readonly handleValue: number,
    readonly key: bigint,
    readonly trigger: number,
    readonly options: number,
  ) {}

  /** MaybeQueue: nothing until a trigger signal is asserted; then one packet, and the wait is over. */
  onStateChange(signals: number): boolean {
    if ((this.trigger & signals) === 0) return false;
    this.port.queueSignal(this, signals);
    return true;
  }

  onCancel(): void {
    this.port.forgetObserver(this);
  }

  matches(port: object, key: bigint): boolean {
    return port === this.port && key === this.key;
  }
}

export class PortObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_PORT;
  private readonly queue: Queued[] = [];
  private readonly waiters: Waiter[] = [];
  private userPackets = 0;
  /** Armed zx_object_wait_async observers that deliver here. */
  private readonly armed = new Set<PortObserver>();
  /** BELL traps naming this port (Zircon's Trap holds a RefPtr<PortDispatcher>): they keep it alive. */
  private trapRefs = 0;

  constructor(kernel: KernelContext, readonly options: number) {
    super(kernel);
  }

  /** Packets currently queued (for the UI and tests). */
  get length(): number {
    return this.queue.length;
  }

  /** zx_port_queue: the packet's type is forced to ZX_PKT_TYPE_USER. */
  queueUser(packet: zx_port_packet_t): number {
    if (this.userPackets >= MAX_USER_PACKETS_PER_PORT) return ZX_ERR_SHOULD_WAIT;
    this.userPackets++;
    this.deliver({ packet: { ...packet, type: ZX_PKT_TYPE_USER }, origin: null, onRemove: null });
    return ZX_OK;
  }

  /** A kernel packet (BELL). Fails with BAD_STATE once the port has no handles left. */
  queueKernel(packet: zx_port_packet_t, origin: object, onRemove: () => void): number {
    if (this.handleCount === 0) return ZX_ERR_BAD_STATE;
    this.deliver({ packet, origin, onRemove });
    return ZX_OK;
  }

  /**
   * PortDispatcher::MakeObserver: watch `object` (reached through the handle (handleTable,
   * handleValue)) for `signals`. NOT_SUPPORTED when the object cannot be waited on.
   */
  makeObserver(object: KernelObject, handleTable: object, handleValue: number, key: bigint, signals: number, options: number): number {
    if (!object.waitable) return ZX_ERR_NOT_SUPPORTED;
    const observer = new PortObserver(this, object, handleTable, handleValue, key, signals, options);
    this.armed.add(observer);
    object.addObserver(observer);
    return ZX_OK;
  }

  /** An observer's trigger fired: queue its signal packet (dropped if the port has no handles left). */
  queueSignal(observer: PortObserver, observed: number): void {
    this.armed.delete(observer);
    if (this.handleCount === 0) return;
    const timestamp = (observer.options & ZX_WAIT_ASYNC_TIMESTAMP) !== 0 ? this.kernel.clock.now() : 0n;
    const packet: zx_port_packet_t = {
      key: observer.key,
      type: ZX_PKT_TYPE_SIGNAL_ONE,
      status: ZX_OK,
      signal: { trigger: observer.trigger, observed, count: 1n, timestamp, reserved1: 0n },
    };
    this.deliver({ packet, origin: observer, onRemove: null });
  }

  /** The observer ended without firing (its handle closed, or zx_port_cancel). */
  forgetObserver(observer: PortObserver): void {
    this.armed.delete(observer);
  }

  /**
   * zx_port_cancel's CancelQueued: drop queued signal packets of waits made through the handle
   * (handleTable, handleValue) with `key`. Returns whether any was removed.
   */
  cancelQueued(handleTable: object, handleValue: number, key: bigint): boolean {
    let removed = false;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const o = this.queue[i].origin;
      if (o instanceof PortObserver && o.handleTable === handleTable && o.handleValue === handleValue && o.key === key) {
        this.queue.splice(i, 1);
        removed = true;
      }
    }
    return removed;
  }

  /**
   * on_zero_handles: the port's observers leave the objects they watch (no packet can arrive now).
   * The port is destroyed unless a guest's BELL trap still holds it.
   */
  override onZeroHandles(): void {
    for (const o of this.armed) o.object.removeObserver(o);
    this.armed.clear();
    if (this.trapRefs === 0) this.markDead();
  }

  /** A BELL trap now names this port. */
  retainForTrap(): void {
    this.trapRefs++;
  }
  /** A BELL trap naming this port is gone (its guest was destroyed). */
  releaseForTrap(): void {
    this.trapRefs--;
    if (this.trapRefs === 0 && this.handleCount === 0) this.markDead();
  }

  /** Remove every queued packet that `origin` produced (guest destruction cancels its BELL packets). */
  cancel(origin: object): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const q = this.queue[i];
      if (q.origin === origin) {
        this.queue.splice(i, 1);
        q.onRemove?.();
      }
    }
  }

  /**
   * zx_port_wait. `deadline` in ns of the kernel clock (Infinity = ZX_TIME_INFINITE). A packet already
   * queued is taken now, synchronously, so the order of calls decides who gets what.
   */
  wait(deadline: number): Promise<PortWaitResult> {
    if (this.queue.length > 0 && this.waiters.length === 0) return Promise.resolve({ status: ZX_OK, packet: this.take() });
    const clock = this.kernel.clock;
    if (deadline <= clock.nowNs()) return Promise.resolve({ status: ZX_ERR_TIMED_OUT, packet: empty() });
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: 0 };
      if (deadline !== Infinity) {
        waiter.timer = clock.schedule(deadline, () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          this.kernel.wakeups++;
          resolve({ status: ZX_ERR_TIMED_OUT, packet: empty() });
        });
      }
      this.waiters.push(waiter);
    });
  }

  private take(): zx_port_packet_t {
    const q = this.queue.shift()!;
    if (q.origin === null) this.userPackets--;
    q.onRemove?.();
    return q.packet;
  }

  private deliver(q: Queued): void {
    this.queue.push(q);
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const w = this.waiters.shift()!;
      if (w.timer) this.kernel.clock.cancel(w.timer);
      this.kernel.wakeups++;
      w.resolve({ status: ZX_OK, packet: this.take() });
    }
  }
}
