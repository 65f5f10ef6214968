/**
 * The kernel and its processes: createKernel() → kernel.createProcess() → proc.mainThread.
 *
 * A process starts with handles it did not create, as a Fuchsia component would:
 * - proc.hypervisorResource: a resource of kind ZX_RSRC_KIND_HYPERVISOR;
 * - proc.otherResource: a resource of another kind (ZX_RSRC_KIND_IRQ), to show ACCESS_DENIED;
 * - proc.vmexResource: a ZX_RSRC_KIND_VMEX resource for zx_vmo_replace_as_executable;
 * - proc.rootVmar: its own address space (Zircon x86 user aspace: base 16 MiB, 2^47 − 16 MiB − 4 KiB).
 */
import { Cpu, PhysicalMemory } from "../x86";
import { Clock, type ClockMode } from "./clock";
import { createCprng, type Cprng } from "./cprng";
import { objTypeName, ZX_RSRC_KIND_HYPERVISOR, ZX_RSRC_KIND_IRQ, ZX_RSRC_KIND_VMEX, ZX_VM_CAN_MAP_EXECUTE, ZX_VM_CAN_MAP_READ, ZX_VM_CAN_MAP_SPECIFIC, ZX_VM_CAN_MAP_WRITE } from "./constants";
import { HandleTable } from "./handle-table";
import type { KernelContext, KernelObject, Machine } from "./kernel-object";
import { ResourceObject } from "./objects/resource";
import { VmarObject } from "./objects/vmar";
import { ZX_DEFAULT_RESOURCE_RIGHTS, ZX_DEFAULT_VMAR_RIGHTS, ZX_RIGHT_EXECUTE, ZX_RIGHT_READ, ZX_RIGHT_WRITE } from "./rights";
import { Thread, type SyscallTrace, type ThreadHost } from "./thread";
import type { VcpuObject } from "./objects/vcpu";

export const USER_ASPACE_BASE = 0x1000000;
export const USER_ASPACE_SIZE = 2 ** 47 - 4096 - USER_ASPACE_BASE;

export interface KernelOptions {
  /** "deterministic" (default): 1 ns per retired instruction; "realtime": performance.now(). */
  clock?: ClockMode;
  /** The machine guests run on (default: src/x86's PhysicalMemory and Cpu). */
  machine?: Machine;
  /** Seed for the per-process handle scramblers (default: random). */
  seed?: number;
  /** Where internal errors are reported (default: console.error). */
  log?: (message: string) => void;
  /** The host's preemption request word (KernelContext.preempt; default: none). */
  preempt?: Int32Array;
}

const defaultMachine: Machine = {
  createMemory: () => new PhysicalMemory(),
  createCpu: (memory) => new Cpu(memory as PhysicalMemory),
};

export interface HandleListing {
  handle: number;
  type: number;
  typeName: string;
  koid: bigint;
  rights: number;
}

export class Process implements ThreadHost {
  readonly koid: bigint;
  readonly handles: HandleTable;
  tracer: ((t: SyscallTrace) => void) | null = null;
  readonly threads: Thread[] = [];
  readonly mainThread: Thread;
  readonly hypervisorResource: number;
  readonly otherResource: number;
  readonly vmexResource: number;
  readonly rootVmar: number;
  private readonly rootVmarObject: VmarObject;

  constructor(readonly kernel: Kernel, mixer: number) {
    this.koid = kernel.allocKoid();
    this.handles = new HandleTable(mixer);
    this.hypervisorResource = this.handles.add(new ResourceObject(kernel, ZX_RSRC_KIND_HYPERVISOR, "hypervisor"), ZX_DEFAULT_RESOURCE_RIGHTS);
    this.otherResource = this.handles.add(new ResourceObject(kernel, ZX_RSRC_KIND_IRQ, "irq"), ZX_DEFAULT_RESOURCE_RIGHTS);
    this.vmexResource = this.handles.add(new ResourceObject(kernel, ZX_RSRC_KIND_VMEX, "vmex"), ZX_DEFAULT_RESOURCE_RIGHTS);
    const flags = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_CAN_MAP_SPECIFIC;
    this.rootVmarObject = new VmarObject(kernel, USER_ASPACE_BASE, USER_ASPACE_SIZE, flags, null, { physmem: null });
    this.rootVmar = this.handles.add(this.rootVmarObject, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE);
    this.mainThread = this.createThread("main");
  }

  createThread(name = `thread-${this.threads.length}`): Thread {
    const t = new Thread(this, name);
    this.threads.push(t);
    return t;
  }

  /** After every syscall of this process, fn gets { thread, name, args, result }. null to stop. */
  setTracer(fn: ((t: SyscallTrace) => void) | null): void {
    this.tracer = fn;
  }

  /**
   * User space dereferencing a mapping: a Uint8Array over the VMO's memory at [addr, addr+len) of this
   * process's address space (no copy), or null unless the whole range lies in one mapping.
   */
  view(addr: number | bigint, len: number): Uint8Array | null {
    const a = Number(addr);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(len) || len < 0) return null;
    const m = this.rootVmarObject.findMapping(a);
    if (!m || a + len > m.end) return null;
    const start = m.vmoOffset + (a - m.base);
    return m.vmo.bytes.subarray(start, start + len);
  }

  /** The handle table, for the UI's handle panel. */
  listHandles(): HandleListing[] {
    return this.handles.entries().map(({ handle, object, rights }) => ({
      handle, type: object.type, typeName: objTypeName(object.type), koid: object.koid, rights,
    }));
  }

  /**
   * The process ends: its threads die (a VCPU blocked in zx_vcpu_resume returns
   * ZX_ERR_INTERNAL_INTR_KILLED, which a dead thread never sees) and every handle is closed.
   */
  exit(): void {
    for (const t of this.threads) {
      t.dead = true;
      t.vcpu?.kill();
    }
    for (const { object } of this.handles.entries()) if (object.type === 21) (object as VcpuObject).kill();
    this.handles.clear();
    // ProcessDispatcher::Kill destroys the address space: every mapping goes, and with it the last
    // reference to VMOs that only a mapping kept alive.
    this.rootVmarObject.destroy();
  }
}

export class Kernel implements KernelContext {
  readonly clock: Clock;
  readonly machine: Machine;
  /** zx_cprng_draw's source: the host's CSPRNG with the realtime clock, a fixed-seed stream with the deterministic one. */
  readonly cprng: Cprng;
  runningVcpus = 0;
  /** VCPUs waiting in HLT inside zx_vcpu_resume (the deterministic clock may jump only then). */
  haltedVcpus = 0;
  /** VCPU objects alive: with none, idle time may always jump (ports and timers on their own). */
  liveVcpus = 0;
  /** Wake-ups of waiting threads so far (KernelContext.wakeups). */
  wakeups = 0;
  /** Every kernel object not yet destroyed, for leak checks (KernelContext.liveObjects). */
  readonly liveObjects = new Set<KernelObject>();
  readonly preempt: Int32Array | null;
  private nextKoid = 1024n;
  private seed: number;
  private readonly logFn: (message: string) => void;
  readonly processes: Process[] = [];

  constructor(options: KernelOptions = {}) {
    this.clock = new Clock(options.clock ?? "deterministic");
    this.cprng = createCprng(this.clock.mode);
    this.clock.isBusy = () => this.runningVcpus > 0;
    this.clock.hasWaiter = () => this.haltedVcpus > 0 || this.liveVcpus === 0;
    this.clock.paceIdle = () => this.liveVcpus > 0;
    this.machine = options.machine ?? defaultMachine;
    this.seed = (options.seed ?? Math.floor(Math.random() * 0x7fffffff)) >>> 0;
    this.logFn = options.log ?? ((m) => console.error(`[zircon] ${m}`));
    this.preempt = options.preempt ?? null;
  }

  allocKoid(): bigint {
    return this.nextKoid++;
  }

  log(message: string): void {
    this.logFn(message);
  }

  /** xorshift32: a per-process handle mixer from the kernel seed. */
  private nextMixer(): number {
    let x = this.seed || 0x9e3779b9;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  createProcess(): Process {
    const p = new Process(this, this.nextMixer());
    this.processes.push(p);
    return p;
  }
}

export function createKernel(options: KernelOptions = {}): Kernel {
  return new Kernel(options);
}
