/**
 * Ports (`object/port_dispatcher.cc`): a FIFO of 48-byte packets that threads wait on.
 *
 * - One waiter is released per packet, in the order the waiters arrived (thread-pool friendly).
 * - User packets (zx_port_queue) are capped per port: 2048 outstanding → ZX_ERR_SHOULD_WAIT
 *   (the 2018 kernel's 16384 / 8). Kernel packets (BELL traps) come from their trap's own pool and
 *   are not counted against that cap (test guest_set_trap_with_bell_and_max_user).
 * - A port whose handles are all closed refuses kernel packets with ZX_ERR_BAD_STATE
 *   (PortDispatcher::Queue checks zero_handles_), which zx_vcpu_resume passes on.
 */
import { ZX_OBJ_TYPE_PORT, ZX_PKT_TYPE_USER } from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";
import { ZX_ERR_BAD_STATE, ZX_ERR_SHOULD_WAIT, ZX_ERR_TIMED_OUT, ZX_OK } from "../status";
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

export class PortObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_PORT;
  private readonly queue: Queued[] = [];
  private readonly waiters: Waiter[] = [];
  private userPackets = 0;

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
      w.resolve({ status: ZX_OK, packet: this.take() });
    }
  }
}
