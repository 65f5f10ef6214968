/**
 * The base of every kernel object, after Zircon's Dispatcher (`object/dispatcher.h`): a koid, a
 * type tag, default rights and a handle count. An object's `onZeroHandles` runs when its last handle
 * closes (Zircon's on_zero_handles); objects referenced by other objects (a guest by its VCPUs, a
 * port by a trap) stay usable after that, as Zircon's RefPtrs keep them.
 *
 * Signals (`object/dispatcher.cc`): a waitable object (Zircon: one whose type's default rights hold
 * ZX_RIGHT_WAIT — timers, VCPUs, VMOs here) keeps a 32-bit signal state and a list of observers.
 * UpdateState notifies the observers only when the state actually changes; an observer added while
 * its trigger is already asserted fires at once (StateObserver::OnInitialize).
 */
import type { Clock } from "./clock";
import type { GuestPhysicalMemory, VirtualCpu } from "../x86";
import type { Cprng } from "./cprng";

/** How the kernel builds the machine a guest runs on (src/x86 by default; a test double in unit tests). */
export interface Machine {
  createMemory(): GuestPhysicalMemory;
  createCpu(memory: GuestPhysicalMemory): VirtualCpu;
}

/** What every object may reach of the kernel. */
export interface KernelContext {
  readonly clock: Clock;
  readonly machine: Machine;
  allocKoid(): bigint;
  /** VCPU run loops currently executing guest code (not halted): the deterministic clock's "busy". */
  runningVcpus: number;
  /** VCPUs waiting in HLT inside zx_vcpu_resume. */
  haltedVcpus: number;
  /** VCPU objects alive. */
  liveVcpus: number;
  /**
   * Counts the kernel's wake-ups of waiting threads (a port waiter given a packet or its timeout, a
   * VCPU woken from HLT): hvplay_vcpu_resume_nowait compares it before and after a run to learn
   * whether another thread became runnable meanwhile.
   */
  wakeups: number;
  /** Internal errors and guest-visible oddities worth a line in the host log. */
  log(message: string): void;
  /** The kernel's CPRNG (zx_cprng_draw; cprng.ts). Optional so that unit tests may build objects on a bare context. */
  readonly cprng?: Cprng;
  /**
   * Every kernel object not yet destroyed (KernelObject adds itself; markDead removes it). For tests
   * and leak checks: after a process closes every handle and exits, this set must be empty. Optional
   * so that unit tests may build objects on a bare context.
   */
  readonly liveObjects?: Set<KernelObject>;
  /**
   * The host's preemption request: a word in shared memory (index 0) that another thread of the
   * host (the page) makes non-zero when it has a call for this one that must not wait for the
   * running VCPU's slice to end (the user's Pause: zx_vcpu_kick). While it is non-zero, a VCPU in
   * zx_vcpu_resume ends its slice the next time its loop looks (after every long run of the CPU
   * core, which runs at most ~2 ms, to the slice's end or to the next timer deadline, and every
   * 32nd short one that ended in a VM exit: objects/vcpu.ts PREEMPT_POLL_TURNS), as a VCPU thread
   * is preempted when another thread of the host needs the CPU; the call, once it runs, takes its
   * request back. Nothing the guest or the VMM sees changes: a slice's end is invisible to both.
   * Optional: null or absent, none.
   */
  readonly preempt?: Int32Array | null;
}

/**
 * Zircon's StateObserver, as zx_object_wait_async's PortObserver uses it. The handle the wait was
 * made through (Zircon's Handle*) is the pair (handle table, handle value): closing that handle
 * cancels the observer (Dispatcher::Cancel), so a value can never name a later handle while it lives.
 */
export interface SignalObserver {
  readonly handleTable: object;
  readonly handleValue: number;
  /** The state changed, or the observer is being added: return true when it is done (remove it). */
  onStateChange(signals: number): boolean;
  /** Removed without firing: its handle closed, zx_port_cancel, or its port lost its last handle. */
  onCancel(): void;
  /** zx_port_cancel's match (Dispatcher::CancelByKey): same port and key. */
  matches(port: object, key: bigint): boolean;
}

export abstract class KernelObject {
  abstract readonly type: number;
  readonly koid: bigint;
  /** Handles to this object across all processes. */
  handleCount = 0;
  /** The asserted signals (zx_signals_t). Change them with updateSignals, which wakes observers. */
  signals = 0;
  private signalObservers: SignalObserver[] | null = null;

  constructor(readonly kernel: KernelContext) {
    this.koid = kernel.allocKoid();
    kernel.liveObjects?.add(this);
  }

  /**
   * The object is destroyed (Zircon: the last RefPtr to its dispatcher dropped), so it leaves
   * kernel.liveObjects. By default that is when its last handle closes; objects that something else
   * keeps alive call this themselves (a VMO while mapped, a guest while it has VCPUs, a port while a
   * guest trap holds it, a VCPU while a resume is in progress).
   */
  protected markDead(): void {
    this.kernel.liveObjects?.delete(this);
  }

  /** The koid of a related object for zx_info_handle_basic_t (0 when none). */
  get relatedKoid(): bigint {
    return 0n;
  }

  /** Called when the last handle to this object is closed. Nothing else holds the object by default. */
  onZeroHandles(): void {
    this.markDead();
  }

  /** Zircon's is_waitable(): the type's default rights include ZX_RIGHT_WAIT. */
  get waitable(): boolean {
    return false;
  }

  /** True while some observer watches this object (the handle table then cancels on close). */
  get observed(): boolean {
    return this.signalObservers !== null && this.signalObservers.length > 0;
  }

  /** Dispatcher::UpdateState: clear, then set; observers hear of it only if the state changed. */
  updateSignals(clear: number, set: number): void {
    const previous = this.signals;
    const next = ((previous & ~clear) | set) >>> 0;
    if (next === previous) return;
    this.signals = next;
    const list = this.signalObservers;
    if (list === null) return;
    for (let i = 0; i < list.length; ) {
      if (list[i].onStateChange(next)) list.splice(i, 1);
      else i++;
    }
  }

  /** Dispatcher::AddObserver: the observer sees the current state first and may finish at once. */
  addObserver(observer: SignalObserver): void {
    if (observer.onStateChange(this.signals)) return;
    (this.signalObservers ??= []).push(observer);
  }

  /** Remove one observer (its port went away). Returns whether it was still here. */
  removeObserver(observer: SignalObserver): boolean {
    const list = this.signalObservers;
    const i = list === null ? -1 : list.indexOf(observer);
    if (i < 0) return false;
    list!.splice(i, 1);
    return true;
  }

  /** Dispatcher::Cancel: the handle (table, value) is closing; its observers end without a packet. */
  cancelHandle(handleTable: object, handleValue: number): void {
    this.removeMatching((o) => o.handleTable === handleTable && o.handleValue === handleValue);
  }

  /** Dispatcher::CancelByKey (zx_port_cancel). Returns whether an observer was cancelled. */
  cancelByKey(handleTable: object, handleValue: number, port: object, key: bigint): boolean {
    return this.removeMatching((o) => o.handleTable === handleTable && o.handleValue === handleValue && o.matches(port, key));
  }

  private removeMatching(match: (o: SignalObserver) => boolean): boolean {
    const list = this.signalObservers;
    if (list === null) return false;
    let removed = false;
    for (let i = 0; i < list.length; ) {
      const o = list[i];
      if (match(o)) {
        list.splice(i, 1);
        o.onCancel();
        removed = true;
      } else i++;
    }
    return removed;
  }
}
