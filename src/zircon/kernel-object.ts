/**
 * The base of every kernel object, after Zircon's Dispatcher (`object/dispatcher.h`): a koid, a
 * type tag, default rights and a handle count. An object's `onZeroHandles` runs when its last handle
 * closes (Zircon's on_zero_handles); objects referenced by other objects (a guest by its VCPUs, a
 * port by a trap) stay usable after that, as Zircon's RefPtrs keep them.
 */
import type { Clock } from "./clock";
import type { GuestPhysicalMemory, VirtualCpu } from "../x86";

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
  /** Internal errors and guest-visible oddities worth a line in the host log. */
  log(message: string): void;
}

export abstract class KernelObject {
  abstract readonly type: number;
  readonly koid: bigint;
  /** Handles to this object across all processes. */
  handleCount = 0;

  constructor(readonly kernel: KernelContext) {
    this.koid = kernel.allocKoid();
  }

  /** The koid of a related object for zx_info_handle_basic_t (0 when none). */
  get relatedKoid(): bigint {
    return 0n;
  }

  /** Called when the last handle to this object is closed. */
  onZeroHandles(): void {}
}
