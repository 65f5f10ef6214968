/**
 * The syscall fuzzer's runner: plays a sequence of actions (actions.ts) against a fresh kernel and
 * checks, after every call and every action, that
 *
 * 1. nothing throws or rejects: every call returns (or resolves to) a value whose `status` is one
 *    of Zircon's status codes — never ZX_ERR_NEXT, never ZX_ERR_INTERNAL (the binding's catch-all
 *    for an exception inside the kernel), and nothing is logged as an internal error; a call on an
 *    exited thread is ZX_ERR_BAD_STATE; a failed call hands back no handle;
 * 2. the handle table is exactly what a model of the process's handles predicts (values, object
 *    types, koids, rights), with many statuses predicted exactly (handle ops, lookups in Zircon's
 *    order BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED, rights masks, port capacity…) and, where the
 *    model cannot predict the status, at least "an unusable handle never gives ZX_OK";
 * 3. packet accounting holds: user packets come back from zx_port_wait in the order they were
 *    queued and each exactly once, every signal packet answers a zx_object_wait_async that was made
 *    on that port, every BELL packet a BELL trap bound to it, the port's queue length equals what
 *    can be read back, and zx_port_queue says ZX_ERR_SHOULD_WAIT exactly at the user-packet cap;
 * 4. object lifetimes follow Zircon's reference rules: every object in kernel.liveObjects either
 *    has a handle or is held by something Zircon lets hold it (a mapping holds its VMO, a VCPU its
 *    guest, a guest's BELL trap its port, a resume in progress its VCPU); after the process closes
 *    every handle only mapped VMOs remain, and after it exits nothing does.
 *
 * Blocking calls cannot hang the run: zx_port_wait only gets deadlines in the past (or a wait that
 * the runner itself satisfies with zx_port_queue right after), and a zx_vcpu_resume that has not
 * returned after an event-loop turn is kicked (as another thread of a VMM would); one that still
 * does not return within a few seconds is reported as a hang.
 */
import {
  createKernel,
  decodeInfoHandleBasic,
  encodePortPacket,
  statusName,
  ZX_DEFAULT_GUEST_RIGHTS,
  ZX_DEFAULT_PORT_RIGHTS,
  ZX_DEFAULT_TIMER_RIGHTS,
  ZX_DEFAULT_VCPU_RIGHTS,
  ZX_DEFAULT_VMO_RIGHTS,
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_BAD_STATE,
  ZX_ERR_BUFFER_TOO_SMALL,
  ZX_ERR_INTERNAL,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NEXT,
  ZX_ERR_NO_MEMORY,
  ZX_ERR_NOT_SUPPORTED,
  ZX_ERR_OUT_OF_RANGE,
  ZX_ERR_SHOULD_WAIT,
  ZX_ERR_TIMED_OUT,
  ZX_ERR_WRONG_TYPE,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_GUEST_TRAP_MEM,
  ZX_HANDLE_INVALID,
  ZX_OBJ_TYPE_GUEST,
  ZX_OBJ_TYPE_PORT,
  ZX_OBJ_TYPE_RESOURCE,
  ZX_OBJ_TYPE_TIMER,
  ZX_OBJ_TYPE_VCPU,
  ZX_OBJ_TYPE_VMAR,
  ZX_OBJ_TYPE_VMO,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_BELL,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_PKT_TYPE_GUEST_VCPU,
  ZX_PKT_TYPE_SIGNAL_ONE,
  ZX_PKT_TYPE_USER,
  ZX_RIGHT_DUPLICATE,
  ZX_RIGHT_EXECUTE,
  ZX_RIGHT_INSPECT,
  ZX_RIGHT_MANAGE_PROCESS,
  ZX_RIGHT_MAP,
  ZX_RIGHT_NONE,
  ZX_RIGHT_READ,
  ZX_RIGHT_SAME_RIGHTS,
  ZX_RIGHT_SIGNAL,
  ZX_RIGHT_WAIT,
  ZX_RIGHT_WRITE,
  ZX_RSRC_KIND_HYPERVISOR,
  ZX_RSRC_KIND_VMEX,
  ZX_TIME_INFINITE,
  ZX_TIME_INFINITE_PAST,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
  type Kernel,
  type Process,
  type Thread,
  type zx_port_packet_t,
} from "../index";
import type { KernelObject } from "../kernel-object";
import type { GuestObject } from "../objects/guest";
import { MAX_USER_PACKETS_PER_PORT, type PortObject } from "../objects/port";
import type { ResourceObject } from "../objects/resource";
import type { VcpuObject } from "../objects/vcpu";
import type { VmarObject } from "../objects/vmar";
import type { VmoObject } from "../objects/vmo";
import { GUEST_VMAR_RIGHTS } from "../syscalls/hypervisor";
import { NOW, PROGRAMS, type Action, type BufferOperand, type DuringOp, type HandleOperand, type RightsOperand } from "./actions";

/** Calls and successes per syscall name, summed over runs (to show which paths the fuzzer reached). */
export type CallStats = Map<string, { calls: number; ok: number }>;

interface UserPacket {
  /** null: queued from a malformed-looking argument the kernel accepted; any key may come back. */
  key: bigint | null;
  payload: number | null;
}
interface PendingWait {
  key: bigint;
  signals: number;
  /** The handle value the wait was made through (zx_port_cancel matches on it). */
  via: number;
}
/** The model's view of one kernel object. */
interface MObject {
  readonly koid: bigint;
  readonly type: number;
  /** Resources: the kind. */
  kind?: number;
  /** VMOs: size in bytes. */
  size?: number;
  /** VCPUs: the index of the thread that created it. */
  owner?: number;
  /** Ports: user packets queued, oldest first. */
  users: UserPacket[];
  /** Ports: waits made with zx_object_wait_async whose packet has not been read (it may have fired). */
  waits: PendingWait[];
  /** Ports: keys of BELL traps bound to this port. */
  bellKeys: Set<bigint>;
}
interface MHandle {
  obj: MObject;
  rights: number;
}

// Model-side conversions, written from the binding's contract (thread.ts): numbers or bigints for
// integer parameters, out-of-range or non-integers are invalid. Independent of syscalls/args.ts.
function asU32(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : undefined;
  if (typeof v === "bigint") return v >= 0n && v <= 0xffffffffn ? Number(v) : undefined;
  return undefined;
}
function asU64(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v >= 0n && v < 2n ** 64n ? v : undefined;
  return undefined;
}
function asI64(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined;
  return undefined;
}

const WAITABLE_TYPES = [ZX_OBJ_TYPE_VMO, ZX_OBJ_TYPE_TIMER, ZX_OBJ_TYPE_VCPU] as const;
const WAITABLE = new Set<number>(WAITABLE_TYPES);
const RESUME_PACKET_TYPES = new Set([ZX_PKT_TYPE_GUEST_MEM, ZX_PKT_TYPE_GUEST_IO, ZX_PKT_TYPE_GUEST_VCPU]);
const USER_SIGNALS = 0xff000000;
const CAN_MAP_READ = 1 << 7, CAN_MAP_WRITE = 1 << 8, CAN_MAP_EXECUTE = 1 << 9;
const PAGE = 4096;

const show = (v: unknown): string => {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Number.isInteger(v) && v > 9 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === "symbol") return v.toString();
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
};
const st = (s: number): string => `${statusName(s)} (${s})`;

/** Thrown when a property fails; the message says which action, which call and why. */
export class FuzzFailure extends Error {}

export class SyscallFuzzRunner {
  readonly kernel: Kernel;
  readonly proc: Process;
  readonly threads: Thread[];
  private readonly dead = [false, false, false];
  private readonly handles = new Map<number, MHandle>();
  private readonly stale: number[] = [];
  private readonly objects = new Map<bigint, MObject>();
  private readonly internalErrors: string[] = [];
  /** Failures noticed in a promise callback, reported at the next check. */
  private readonly lateFailures: string[] = [];
  private nextUserKey = 0x5500_0000_0000_0000n;
  private nextWaitKey = 0x7700_0000_0000_0000n;
  /** The last zx_object_wait_async that succeeded (portCancel may aim at it). */
  private lastWait: { port: number; via: number; key: bigint } | null = null;
  private where = "setup";
  /** Syscalls made so far. */
  calls = 0;

  constructor(seed: number, private readonly stats: CallStats | null = null) {
    this.kernel = createKernel({
      seed,
      log: (m) => {
        if (m.includes("internal error")) this.internalErrors.push(m);
      },
    });
    this.proc = this.kernel.createProcess();
    this.threads = [this.proc.mainThread, this.proc.createThread("t1"), this.proc.createThread("t2")];
    for (const e of this.proc.handles.entries()) {
      const obj = this.newObject(e.object);
      if (e.object.type === ZX_OBJ_TYPE_RESOURCE) obj.kind = (e.object as ResourceObject).kind;
      this.handles.set(e.handle, { obj, rights: e.rights });
    }
  }

  // --- failing ---

  private fail(message: string): never {
    throw new FuzzFailure(`${this.where}: ${message}`);
  }

  private check(cond: boolean, message: () => string): void {
    if (!cond) this.fail(message());
  }

  // --- model helpers ---

  private newObject(o: KernelObject): MObject {
    this.check(!this.objects.has(o.koid), () => `koid ${o.koid} handed out twice`);
    const obj: MObject = { koid: o.koid, type: o.type, users: [], waits: [], bellKeys: new Set() };
    if (o.type === ZX_OBJ_TYPE_VMO) obj.size = (o as VmoObject).size;
    this.objects.set(o.koid, obj);
    return obj;
  }

  private live(v: unknown): MHandle | undefined {
    return typeof v === "number" ? this.handles.get(v) : undefined;
  }

  /** Zircon's lookup order for a handle that must be of `type` (−1: any) with `rights`. */
  private lookup(v: unknown, type: number, rights: number): number {
    const h = this.live(v);
    if (!h) return ZX_ERR_BAD_HANDLE;
    if (type >= 0 && h.obj.type !== type) return ZX_ERR_WRONG_TYPE;
    if ((h.rights & rights) >>> 0 !== rights >>> 0) return ZX_ERR_ACCESS_DENIED;
    return ZX_OK;
  }

  /** The value an operand names now; `want`: the object type(s) the call takes (null: any). */
  private resolve(op: HandleOperand, want: number | readonly number[] | null): unknown {
    switch (op.k) {
      case "live":
      case "any": {
        const all = [...this.handles.keys()];
        const types = want === null ? null : typeof want === "number" ? [want] : want;
        const typed = types === null || op.k === "any" ? all : all.filter((v) => types.includes(this.handles.get(v)!.obj.type));
        const list = typed.length > 0 ? typed : all;
        return list.length > 0 ? list[op.i % list.length] : ZX_HANDLE_INVALID;
      }
      case "stale":
        return this.stale.length > 0 ? this.stale[op.i % this.stale.length] : 0x7fffff3;
      case "zero":
        return ZX_HANDLE_INVALID;
      case "raw":
        return op.v;
    }
  }

  /** The kernel object behind a live handle value (test-side access, for watchdogs and lifetimes). */
  private object<T extends KernelObject>(v: unknown, type: number): T | null {
    const e = this.proc.handles.lookup(v);
    return e && e.object.type === type ? (e.object as T) : null;
  }

  private drop(v: number): void {
    const h = this.handles.get(v);
    if (!h) return;
    this.handles.delete(v);
    this.stale.push(v);
    if (this.stale.length > 64) this.stale.shift();
    if (![...this.handles.values()].some((x) => x.obj === h.obj)) {
      // The object's last handle: a port forgets its packets and waits (its queue is gone with it).
      h.obj.users = [];
      h.obj.waits = [];
    }
  }

  /** A call returned ZX_OK with a new handle `v` to an object of `type` with `rights`. */
  private adopt(v: unknown, type: number, rights: number, same?: MObject): MObject {
    this.check(typeof v === "number" && v !== ZX_HANDLE_INVALID, () => `ZX_OK but the new handle is ${show(v)}`);
    const value = v as number;
    this.check(!this.handles.has(value), () => `new handle ${show(value)} is a value already in use`);
    const e = this.proc.handles.lookup(value);
    if (!e) this.fail(`new handle ${show(value)} is not in the handle table`);
    this.check(e.object.type === type, () => `new handle has object type ${e.object.type}, expected ${type}`);
    this.check(e.rights === rights >>> 0, () => `new handle has rights 0x${e.rights.toString(16)}, expected 0x${(rights >>> 0).toString(16)}`);
    let obj: MObject;
    if (same) {
      this.check(e.object.koid === same.koid, () => `new handle names koid ${e.object.koid}, expected ${same.koid}`);
      obj = same;
    } else {
      obj = this.newObject(e.object);
    }
    this.handles.set(value, { obj, rights: rights >>> 0 });
    return obj;
  }

  private hasVcpu(t: number): boolean {
    return [...this.handles.values()].some((h) => h.obj.type === ZX_OBJ_TYPE_VCPU && h.obj.owner === t);
  }

  // --- results ---

  /** Every call's result goes through here: a Zircon status, BAD_STATE on an exited thread, no internal error. */
  private status(name: string, t: number, value: unknown): number {
    this.calls++;
    const s = value;
    if (typeof s !== "number" || !Number.isInteger(s)) this.fail(`${name} returned ${show(s)}, not a status`);
    this.check(!statusName(s).startsWith("(UNKNOWN") && s !== ZX_ERR_NEXT, () => `${name} returned ${s}, not a Zircon status`);
    if (this.internalErrors.length > 0) this.fail(`${name}: the kernel logged ${this.internalErrors[0].split("\n").slice(0, 3).join(" | ")}`);
    this.check(s !== ZX_ERR_INTERNAL, () => `${name} returned ZX_ERR_INTERNAL`);
    if (this.dead[t]) this.check(s === ZX_ERR_BAD_STATE, () => `${name} on an exited thread returned ${st(s)}`);
    if (this.stats) {
      const e = this.stats.get(name) ?? { calls: 0, ok: 0 };
      e.calls++;
      if (s === ZX_OK) e.ok++;
      this.stats.set(name, e);
    }
    return s;
  }

  /** A result object `{ status, ...}`: the status, and no handle out-params unless ZX_OK. */
  private result<R extends { status: number }>(name: string, t: number, r: R, outs: Array<keyof R> = []): R {
    if (typeof r !== "object" || r === null) this.fail(`${name} returned ${show(r)}, not an object`);
    const s = this.status(name, t, r.status);
    if (s !== ZX_OK) for (const k of outs) this.check(r[k] === ZX_HANDLE_INVALID, () => `${name} failed with ${st(s)} but ${String(k)} = ${show(r[k])}`);
    return r;
  }

  private expect(name: string, got: number, want: number): void {
    this.check(got === want, () => `${name} returned ${st(got)}, the model expected ${st(want)}`);
  }

  /** The model cannot predict the status, but an unusable handle (or a VCPU of another thread) must not give ZX_OK. */
  private notOkUnless(name: string, got: number, usable: boolean): void {
    if (!usable) this.check(got !== ZX_OK, () => `${name} returned ZX_OK with an unusable handle`);
  }

  /** What a call on thread t should return when the model predicts `want` (BAD_STATE on an exited thread). */
  private predicted(name: string, t: number, got: number, want: number): void {
    if (!this.dead[t]) this.expect(name, got, want);
  }

  private buffer(b: BufferOperand): unknown {
    if (b.k === "raw") return b.v;
    return new Uint8Array(b.len + b.offset).fill(b.fill).subarray(b.offset);
  }

  /** Await a blocking call without hanging: kick `vcpu` while it stays inside resume; report a hang. */
  private async settle<T>(name: string, p: Promise<T>, vcpu: VcpuObject | null): Promise<T> {
    this.check(p instanceof Promise, () => `${name} did not return a Promise`);
    let done = false;
    let rejected = false;
    let value: T | undefined;
    let error: unknown;
    p.then(
      (v) => {
        done = true;
        value = v;
      },
      (e: unknown) => {
        done = true;
        rejected = true;
        error = e;
      },
    );
    // Most calls settle within a few microtasks: look before giving the event loop (and timers) a turn.
    for (let i = 0; i < 20 && !done; i++) await Promise.resolve();
    const start = Date.now();
    for (let turn = 0; !done; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done) break;
      // Another thread of the VMM kicks a VCPU that does not come back (a loop, HLT).
      if (vcpu?.running) vcpu.kick();
      if (Date.now() - start > 5000) this.fail(`${name} did not return within 5 s (a hang)`);
    }
    if (rejected) this.fail(`${name} rejected: ${error instanceof Error ? error.stack ?? error.message : show(error)}`);
    return value as T;
  }

  // --- packets ---

  private packetEmpty(name: string, p: zx_port_packet_t): void {
    this.check(typeof p === "object" && p !== null && p.key === 0n && p.type === 0 && p.status === 0, () => `${name} failed but its packet is ${show(p)}`);
  }

  /** A packet read from the port `port`: it must be one the model expects there. */
  private onPortPacket(port: MObject, p: zx_port_packet_t): void {
    switch (p.type) {
      case ZX_PKT_TYPE_USER: {
        const head = port.users.shift();
        if (!head) this.fail(`zx_port_wait returned a user packet (key ${p.key}) that was never queued (or was read already)`);
        if (head.key !== null) this.check(p.key === head.key, () => `user packets out of order: got key 0x${p.key.toString(16)}, expected 0x${head.key!.toString(16)}`);
        if (head.payload !== null) this.check(p.user?.u8[0] === head.payload && p.user.u8[31] === head.payload, () => `user packet payload changed: ${show(p.user?.u8)}`);
        break;
      }
      case ZX_PKT_TYPE_SIGNAL_ONE: {
        const i = port.waits.findIndex((w) => w.key === p.key);
        this.check(i >= 0, () => `signal packet with key 0x${p.key.toString(16)} answers no zx_object_wait_async on this port`);
        const w = port.waits.splice(i, 1)[0];
        const sig = p.signal;
        this.check(sig !== undefined && sig.trigger === w.signals && (sig.trigger & sig.observed) !== 0 && sig.count === 1n, () => `signal packet ${show(sig)} for a wait on 0x${w.signals.toString(16)}`);
        break;
      }
      case ZX_PKT_TYPE_GUEST_BELL:
        this.check(port.bellKeys.has(p.key), () => `BELL packet with key ${p.key} but no BELL trap with that key is bound to this port`);
        break;
      default:
        this.fail(`zx_port_wait returned a packet of type ${p.type}`);
    }
  }

  /** Read every port the process can read until it is empty: what was queued is what comes back. */
  private async drainPorts(): Promise<void> {
    const seen = new Set<MObject>();
    for (const [v, h] of [...this.handles]) {
      if (h.obj.type !== ZX_OBJ_TYPE_PORT || seen.has(h.obj) || !(h.rights & ZX_RIGHT_READ)) continue;
      seen.add(h.obj);
      const port = this.object<PortObject>(v, ZX_OBJ_TYPE_PORT)!;
      const queued = port.length;
      let read = 0;
      for (;;) {
        const r = await this.settle("zx_port_wait", this.threads[0].zx_port_wait(v, ZX_TIME_INFINITE_PAST), null);
        const s = this.status("zx_port_wait", 0, r.status);
        if (s === ZX_ERR_TIMED_OUT) break;
        this.expect("zx_port_wait (drain)", s, ZX_OK);
        this.onPortPacket(h.obj, r.packet);
        read++;
        this.check(read <= queued, () => `port koid ${h.obj.koid} gave back more packets than the ${queued} it held`);
      }
      this.check(read === queued, () => `port koid ${h.obj.koid} held ${queued} packets but ${read} could be read`);
      this.check(h.obj.users.length === 0, () => `port koid ${h.obj.koid}: ${h.obj.users.length} queued user packets never came back`);
    }
  }

  // --- invariants after every action ---

  private checkTable(): void {
    const listing = this.proc.listHandles();
    this.check(listing.length === this.handles.size, () => `the handle table holds ${listing.length} handles, the model ${this.handles.size}`);
    for (const l of listing) {
      const m = this.handles.get(l.handle);
      if (!m) this.fail(`handle ${show(l.handle)} (${l.typeName}) is in the table but not in the model`);
      this.check(m.obj.koid === l.koid && m.obj.type === l.type && m.rights === l.rights,
        () => `handle ${show(l.handle)}: table says ${l.typeName} koid ${l.koid} rights 0x${l.rights.toString(16)}, model koid ${m.obj.koid} type ${m.obj.type} rights 0x${m.rights.toString(16)}`);
    }
  }

  /** Zircon's reference rules: what holds an object that has no handle. */
  private heldWithoutHandles(o: KernelObject): boolean {
    switch (o.type) {
      case ZX_OBJ_TYPE_VMO:
        return (o as VmoObject).mappingCount > 0;
      case ZX_OBJ_TYPE_GUEST:
        return (o as GuestObject).vcpus.size > 0;
      case ZX_OBJ_TYPE_VCPU:
        return (o as VcpuObject).running;
      case ZX_OBJ_TYPE_PORT:
        for (const g of this.kernel.liveObjects) {
          if (g.type === ZX_OBJ_TYPE_GUEST && (g as GuestObject).traps.all().some((trap) => trap.port === o)) return true;
        }
        return false;
      default:
        return false;
    }
  }

  private checkLifetimes(): void {
    if (this.lateFailures.length > 0) this.fail(this.lateFailures[0]);
    let vcpus = 0;
    for (const o of this.kernel.liveObjects) {
      if (o.type === ZX_OBJ_TYPE_VCPU) vcpus++;
      if (o.handleCount > 0) continue;
      this.check(this.heldWithoutHandles(o), () => `leak: ${o.constructor.name} koid ${o.koid} has no handle and nothing holds it, yet it is alive`);
    }
    this.check(vcpus === this.kernel.liveVcpus, () => `kernel.liveVcpus = ${this.kernel.liveVcpus} but ${vcpus} VCPU objects are alive`);
    this.check(this.kernel.runningVcpus === 0 && this.kernel.haltedVcpus === 0, () => `no resume is in progress, yet runningVcpus = ${this.kernel.runningVcpus}, haltedVcpus = ${this.kernel.haltedVcpus}`);
    for (const e of this.proc.handles.entries()) {
      this.check(this.kernel.liveObjects.has(e.object), () => `handle ${show(e.handle)} names a destroyed object (koid ${e.object.koid})`);
      if (e.object.type === ZX_OBJ_TYPE_VCPU) {
        const g = (e.object as VcpuObject).guest;
        this.check(this.kernel.liveObjects.has(g), () => `a live VCPU's guest (koid ${g.koid}) was destroyed`);
      }
    }
    for (const [i, t] of this.threads.entries()) {
      const v = t.vcpu;
      this.check(v === null || (this.kernel.liveObjects.has(v) && this.hasVcpu(i)), () => `thread ${i} still owns a VCPU that is gone (koid ${v?.koid})`);
    }
  }

  // --- the actions ---

  async run(actions: Action[]): Promise<void> {
    for (const [i, a] of actions.entries()) {
      this.where = `action #${i} ${a.op}`;
      await this.step(a);
      this.checkTable();
      this.checkLifetimes();
    }
    await this.finish();
  }

  /** Drain the ports, close every handle, exit: nothing may be left. */
  async finish(): Promise<void> {
    this.where = "finish";
    await this.drainPorts();
    for (const v of [...this.handles.keys()]) {
      this.expect("zx_handle_close", this.status("zx_handle_close", 0, this.threads[0].zx_handle_close(v)), ZX_OK);
      this.drop(v);
    }
    this.checkTable();
    this.checkLifetimes();
    for (const o of this.kernel.liveObjects) {
      this.check(o.type === ZX_OBJ_TYPE_VMO && (o as VmoObject).mappingCount > 0, () => `after closing every handle, ${o.constructor.name} koid ${o.koid} is still alive`);
    }
    this.proc.exit();
    this.check(this.kernel.liveObjects.size === 0, () => `after the process exited, ${this.kernel.liveObjects.size} objects are alive: ${[...this.kernel.liveObjects].map((o) => `${o.constructor.name} ${o.koid}`).join(", ")}`);
    this.check(this.kernel.liveVcpus === 0, () => `liveVcpus = ${this.kernel.liveVcpus} after exit`);
  }

  private async step(a: Action): Promise<void> {
    if (a.op === "exitThread") {
      this.threads[2].exit();
      this.dead[2] = true;
      return;
    }
    if (a.op === "drainPorts") return this.drainPorts();
    const t = a.t;
    const T = this.threads[t];
    switch (a.op) {
      case "close": {
        const v = this.resolve(a.h, null);
        const s = this.status("zx_handle_close", t, T.zx_handle_close(v as number));
        this.predicted("zx_handle_close", t, s, v === ZX_HANDLE_INVALID || this.live(v) ? ZX_OK : ZX_ERR_BAD_HANDLE);
        if (s === ZX_OK && typeof v === "number") this.drop(v);
        return;
      }
      case "duplicate":
      case "replace": {
        const v = this.resolve(a.h, null);
        const h = this.live(v);
        const name = a.op === "duplicate" ? "zx_handle_duplicate" : "zx_handle_replace";
        const requested = this.rightsArg(a.rights, h?.rights ?? 0);
        const r = this.result(name, t, a.op === "duplicate" ? T.zx_handle_duplicate(v as number, requested as number) : T.zx_handle_replace(v as number, requested as number), ["out"]);
        if (this.dead[t]) return;
        let want: number;
        let rights = 0;
        const req = asU32(requested);
        if (!h) want = ZX_ERR_BAD_HANDLE;
        else if (a.op === "duplicate" && !(h.rights & ZX_RIGHT_DUPLICATE)) want = ZX_ERR_ACCESS_DENIED;
        else if (req === undefined) want = ZX_ERR_INVALID_ARGS;
        else if (req === ZX_RIGHT_SAME_RIGHTS) [want, rights] = [ZX_OK, h.rights];
        else if ((req & ~h.rights) !== 0) want = ZX_ERR_INVALID_ARGS;
        else [want, rights] = [ZX_OK, req];
        this.expect(name, r.status, want);
        // The new handle exists before the old one goes (the object never loses its last handle in
        // between); zx_handle_replace invalidates the old one whatever happens, once it was a handle.
        if (want === ZX_OK) this.adopt(r.out, h!.obj.type, rights, h!.obj);
        if (a.op === "replace" && h) this.drop(v as number);
        return;
      }
      case "getInfo": {
        const v = this.resolve(a.h, null);
        const buf = a.buf === null ? undefined : this.buffer(a.buf);
        const r = this.result("zx_object_get_info", t, T.zx_object_get_info(v as number, a.topic as number, buf as Uint8Array));
        if (this.dead[t]) return;
        const topic = asU32(a.topic);
        const h = this.live(v);
        if (topic === 1) this.expect("zx_object_get_info(HANDLE_VALID)", r.status, h ? ZX_OK : ZX_ERR_BAD_HANDLE);
        else if (!h) this.expect("zx_object_get_info", r.status, ZX_ERR_BAD_HANDLE);
        else if (topic === 2) {
          const want = buf !== undefined && !(buf instanceof Uint8Array) ? ZX_ERR_INVALID_ARGS : !buf || buf.length < 32 ? ZX_ERR_BUFFER_TOO_SMALL : ZX_OK;
          this.expect("zx_object_get_info(HANDLE_BASIC)", r.status, want);
          if (want === ZX_OK) {
            const info = decodeInfoHandleBasic(buf as Uint8Array);
            const related = h.obj.type === ZX_OBJ_TYPE_VCPU ? this.object<VcpuObject>(v, ZX_OBJ_TYPE_VCPU)!.guest.koid : 0n;
            this.check(info.koid === h.obj.koid && info.rights === h.rights && info.type === h.obj.type && info.related_koid === related && info.props === (h.rights & ZX_RIGHT_WAIT ? 1 : 0),
              () => `zx_info_handle_basic_t ${show(info)} does not match the model`);
          }
        } else if (topic === 7) this.notOkUnless("zx_object_get_info(VMAR)", r.status, this.lookup(v, ZX_OBJ_TYPE_VMAR, ZX_RIGHT_INSPECT) === ZX_OK);
        else if (topic === 32) this.notOkUnless("zx_object_get_info(VCPU)", r.status, this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_INSPECT) === ZX_OK);
        else this.check(r.status !== ZX_OK, () => `zx_object_get_info with topic ${show(a.topic)} returned ZX_OK`);
        return;
      }
      case "vmoCreate": {
        const r = this.result("zx_vmo_create", t, T.zx_vmo_create(a.size as number, a.options as number), ["out"]);
        if (this.dead[t]) return;
        const size = asU64(a.size), options = asU32(a.options);
        let want: number[];
        if (size === undefined || options === undefined || (options & ~0x6) !== 0) want = [ZX_ERR_INVALID_ARGS];
        else {
          const rounded = (size + 4095n) & ~4095n;
          // Past 2^64 is OUT_OF_RANGE; past the playground's 4 GiB ceiling, or when the host has no
          // memory for a large one, NO_MEMORY.
          want = rounded >= 2n ** 64n ? [ZX_ERR_OUT_OF_RANGE] : rounded > 2n ** 32n ? [ZX_ERR_NO_MEMORY] : rounded > 2n ** 30n ? [ZX_OK, ZX_ERR_NO_MEMORY] : [ZX_OK];
        }
        this.check(want.includes(r.status), () => `zx_vmo_create(${show(a.size)}, ${show(a.options)}) returned ${st(r.status)}, expected ${want.map(st).join(" or ")}`);
        if (r.status === ZX_OK) {
          const obj = this.adopt(r.out, ZX_OBJ_TYPE_VMO, ZX_DEFAULT_VMO_RIGHTS);
          this.check(BigInt(obj.size!) === ((size! + 4095n) & ~4095n), () => `VMO of ${obj.size} bytes for a request of ${size}`);
        }
        return;
      }
      case "vmoRead":
      case "vmoWrite": {
        const v = this.resolve(a.h, ZX_OBJ_TYPE_VMO);
        const buf = this.buffer(a.buf);
        const write = a.op === "vmoWrite";
        const name = write ? "zx_vmo_write" : "zx_vmo_read";
        const s = this.status(name, t, write ? T.zx_vmo_write(v as number, buf as Uint8Array, a.offset as number) : T.zx_vmo_read(v as number, buf as Uint8Array, a.offset as number));
        let want = this.lookup(v, ZX_OBJ_TYPE_VMO, write ? ZX_RIGHT_WRITE : ZX_RIGHT_READ);
        const off = asU64(a.offset);
        if (want === ZX_OK) {
          if (!(buf instanceof Uint8Array) || off === undefined) want = ZX_ERR_INVALID_ARGS;
          else if (off + BigInt(buf.length) > BigInt(this.live(v)!.obj.size!)) want = ZX_ERR_OUT_OF_RANGE;
        }
        this.predicted(name, t, s, want);
        return;
      }
      case "vmoGetSize": {
        const v = this.resolve(a.h, ZX_OBJ_TYPE_VMO);
        const r = this.result("zx_vmo_get_size", t, T.zx_vmo_get_size(v as number));
        this.predicted("zx_vmo_get_size", t, r.status, this.lookup(v, ZX_OBJ_TYPE_VMO, ZX_RIGHT_NONE));
        if (r.status === ZX_OK) this.check(r.size === BigInt(this.live(v)!.obj.size!), () => `zx_vmo_get_size gave ${r.size}`);
        return;
      }
      case "vmoSetCachePolicy": {
        const v = this.resolve(a.h, ZX_OBJ_TYPE_VMO);
        const s = this.status("zx_vmo_set_cache_policy", t, T.zx_vmo_set_cache_policy(v as number, a.policy as number));
        const lookup = this.lookup(v, ZX_OBJ_TYPE_VMO, ZX_RIGHT_MAP);
        const p = asU32(a.policy);
        if (lookup !== ZX_OK) this.predicted("zx_vmo_set_cache_policy", t, s, lookup);
        else if (p === undefined || p > 3) this.predicted("zx_vmo_set_cache_policy", t, s, ZX_ERR_INVALID_ARGS);
        else this.predicted("zx_vmo_set_cache_policy", t, s, this.object<VmoObject>(v, ZX_OBJ_TYPE_VMO)!.mappingCount > 0 ? ZX_ERR_BAD_STATE : ZX_OK);
        return;
      }
      case "vmoReplaceAsExecutable": {
        const v = this.resolve(a.h, ZX_OBJ_TYPE_VMO);
        const vmex = a.vmex.k === "live" ? this.proc.vmexResource : this.resolve(a.vmex, ZX_OBJ_TYPE_RESOURCE);
        const h = this.live(v);
        let vmexStatus = ZX_OK;
        if (vmex !== ZX_HANDLE_INVALID) {
          vmexStatus = this.lookup(vmex, ZX_OBJ_TYPE_RESOURCE, ZX_RIGHT_NONE);
          if (vmexStatus === ZX_OK && this.live(vmex)!.obj.kind !== ZX_RSRC_KIND_VMEX) vmexStatus = ZX_ERR_ACCESS_DENIED;
        }
        const r = this.result("zx_vmo_replace_as_executable", t, T.zx_vmo_replace_as_executable(v as number, vmex as number), ["out"]);
        if (this.dead[t]) return;
        const want = !h ? ZX_ERR_BAD_HANDLE : vmexStatus !== ZX_OK ? vmexStatus : h.obj.type !== ZX_OBJ_TYPE_VMO ? ZX_ERR_WRONG_TYPE : ZX_OK;
        this.expect("zx_vmo_replace_as_executable", r.status, want);
        if (want === ZX_OK) this.adopt(r.out, ZX_OBJ_TYPE_VMO, h!.rights | ZX_RIGHT_EXECUTE, h!.obj);
        if (h) this.drop(v as number);
        return;
      }
      case "vmarMap": {
        const vmar = this.resolve(a.vmar, ZX_OBJ_TYPE_VMAR);
        const vmo = this.resolve(a.vmo, ZX_OBJ_TYPE_VMO);
        const r = this.result("zx_vmar_map", t, T.zx_vmar_map(vmar as number, a.options as number, a.vmarOffset as number, vmo as number, a.vmoOffset as number, a.len as number));
        this.notOkUnless("zx_vmar_map", r.status, this.lookup(vmar, ZX_OBJ_TYPE_VMAR, 0) === ZX_OK && this.lookup(vmo, ZX_OBJ_TYPE_VMO, ZX_RIGHT_MAP) === ZX_OK);
        if (r.status === ZX_OK) {
          const base = this.object<VmarObject>(vmar, ZX_OBJ_TYPE_VMAR)!;
          this.check(typeof r.mapped_addr === "bigint" && r.mapped_addr >= BigInt(base.base) && r.mapped_addr < BigInt(base.end) && r.mapped_addr % BigInt(PAGE) === 0n, () => `zx_vmar_map placed the mapping at ${show(r.mapped_addr)}`);
        }
        return;
      }
      case "vmarUnmap":
      case "vmarProtect": {
        const vmar = this.resolve(a.vmar, ZX_OBJ_TYPE_VMAR);
        const o = this.object<VmarObject>(vmar, ZX_OBJ_TYPE_VMAR);
        const addr = a.relative && o && typeof a.addr === "number" && Number.isSafeInteger(a.addr) ? o.base + a.addr : a.addr;
        const name = a.op === "vmarUnmap" ? "zx_vmar_unmap" : "zx_vmar_protect";
        const s = this.status(name, t, a.op === "vmarUnmap" ? T.zx_vmar_unmap(vmar as number, addr as number, a.len as number) : T.zx_vmar_protect(vmar as number, a.options as number, addr as number, a.len as number));
        this.notOkUnless(name, s, this.lookup(vmar, ZX_OBJ_TYPE_VMAR, 0) === ZX_OK);
        return;
      }
      case "vmarAllocate": {
        const vmar = this.resolve(a.vmar, ZX_OBJ_TYPE_VMAR);
        const r = this.result("zx_vmar_allocate", t, T.zx_vmar_allocate(vmar as number, a.options as number, a.offset as number, a.size as number), ["child_vmar"]);
        const parent = this.live(vmar);
        this.notOkUnless("zx_vmar_allocate", r.status, this.lookup(vmar, ZX_OBJ_TYPE_VMAR, 0) === ZX_OK);
        if (r.status === ZX_OK) {
          const o = asU32(a.options)!;
          let rights = parent!.rights;
          if (!(o & CAN_MAP_READ)) rights &= ~ZX_RIGHT_READ;
          if (!(o & CAN_MAP_WRITE)) rights &= ~ZX_RIGHT_WRITE;
          if (!(o & CAN_MAP_EXECUTE)) rights &= ~ZX_RIGHT_EXECUTE;
          this.adopt(r.child_vmar, ZX_OBJ_TYPE_VMAR, rights);
        }
        return;
      }
      case "guestCreate": {
        const res = a.resource === "hypervisor" ? this.proc.hypervisorResource : a.resource === "other" ? this.proc.otherResource : a.resource === "vmex" ? this.proc.vmexResource : this.resolve(a.resource, ZX_OBJ_TYPE_RESOURCE);
        const r = this.result("zx_guest_create", t, T.zx_guest_create(res as number, a.options as number), ["guest_handle", "vmar_handle"]);
        if (this.dead[t]) return;
        let want = asU32(a.options) !== 0 ? ZX_ERR_INVALID_ARGS : this.lookup(res, ZX_OBJ_TYPE_RESOURCE, ZX_RIGHT_NONE);
        if (want === ZX_OK && this.live(res)!.obj.kind !== ZX_RSRC_KIND_HYPERVISOR) want = ZX_ERR_ACCESS_DENIED;
        this.expect("zx_guest_create", r.status, want);
        if (want === ZX_OK) {
          this.adopt(r.guest_handle, ZX_OBJ_TYPE_GUEST, ZX_DEFAULT_GUEST_RIGHTS);
          this.adopt(r.vmar_handle, ZX_OBJ_TYPE_VMAR, GUEST_VMAR_RIGHTS);
        }
        return;
      }
      case "guestSetTrap": {
        const guest = this.resolve(a.guest, ZX_OBJ_TYPE_GUEST);
        const port = this.resolve(a.port, ZX_OBJ_TYPE_PORT);
        const s = this.status("zx_guest_set_trap", t, T.zx_guest_set_trap(guest as number, a.kind as number, a.addr as number, a.size as number, port as number, a.key as number));
        const portOk = port === ZX_HANDLE_INVALID || this.lookup(port, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE) === ZX_OK;
        this.notOkUnless("zx_guest_set_trap", s, this.lookup(guest, ZX_OBJ_TYPE_GUEST, ZX_RIGHT_WRITE) === ZX_OK && portOk);
        if (s === ZX_OK && asU32(a.kind) === ZX_GUEST_TRAP_BELL) {
          this.check(port !== ZX_HANDLE_INVALID, () => "a BELL trap without a port was accepted");
          this.live(port)!.obj.bellKeys.add(asU64(a.key)!);
        }
        return;
      }
      case "vcpuCreate": {
        const guest = this.resolve(a.guest, ZX_OBJ_TYPE_GUEST);
        const r = this.result("zx_vcpu_create", t, T.zx_vcpu_create(guest as number, a.options as number, a.entry as number), ["out"]);
        if (this.dead[t]) return;
        const entry = asU64(a.entry);
        let want = asU32(a.options) !== 0 ? ZX_ERR_INVALID_ARGS : this.lookup(guest, ZX_OBJ_TYPE_GUEST, ZX_RIGHT_MANAGE_PROCESS);
        if (want === ZX_OK && (entry === undefined || entry >= 2n ** 48n)) want = ZX_ERR_INVALID_ARGS;
        if (want === ZX_OK && this.hasVcpu(t)) want = ZX_ERR_BAD_STATE;
        this.expect("zx_vcpu_create", r.status, want);
        if (want === ZX_OK) this.adopt(r.out, ZX_OBJ_TYPE_VCPU, ZX_DEFAULT_VCPU_RIGHTS).owner = t;
        return;
      }
      case "vcpuResume":
        return this.resume(a.t, this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU), a.how, a.limit, a.during);
      case "vcpuKick": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        this.predicted("zx_vcpu_kick", t, this.status("zx_vcpu_kick", t, T.zx_vcpu_kick(v as number)), this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_EXECUTE));
        return;
      }
      case "vcpuInterrupt": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        const s = this.status("zx_vcpu_interrupt", t, T.zx_vcpu_interrupt(v as number, a.vector as number));
        let want = this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_SIGNAL);
        const vector = asU32(a.vector);
        if (want === ZX_OK) want = vector === undefined ? ZX_ERR_INVALID_ARGS : vector > 255 ? ZX_ERR_OUT_OF_RANGE : ZX_OK;
        this.predicted("zx_vcpu_interrupt", t, s, want);
        return;
      }
      case "vcpuReadState":
      case "vcpuWriteState": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        const buf = this.buffer(a.buf);
        const write = a.op === "vcpuWriteState";
        const name = write ? "zx_vcpu_write_state" : "zx_vcpu_read_state";
        const s = this.status(name, t, write ? T.zx_vcpu_write_state(v as number, a.kind as number, buf as Uint8Array) : T.zx_vcpu_read_state(v as number, a.kind as number, buf as Uint8Array));
        let want = this.ownVcpu(v, t, write ? ZX_RIGHT_WRITE : ZX_RIGHT_READ);
        if (want === ZX_OK) {
          const kind = asU32(a.kind);
          const bytes = buf instanceof Uint8Array ? buf : null;
          if (!bytes) want = ZX_ERR_INVALID_ARGS;
          else if (kind === 0 && bytes.length === 136) want = ZX_OK;
          else if (write && kind === 1 && bytes.length === 8) want = [1, 2, 4].includes(bytes[0]) ? ZX_OK : ZX_ERR_INVALID_ARGS;
          else want = ZX_ERR_INVALID_ARGS;
        }
        this.predicted(name, t, s, want);
        return;
      }
      case "readArchState": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        const r = this.result("hvplay_vcpu_read_arch_state", t, T.hvplay_vcpu_read_arch_state(v as number));
        this.predicted("hvplay_vcpu_read_arch_state", t, r.status, this.ownVcpu(v, t, ZX_RIGHT_READ));
        if (r.status === ZX_OK) this.check(typeof r.state?.rip === "bigint" && typeof r.state.cs.base === "bigint", () => "hvplay_vcpu_read_arch_state: malformed state");
        return;
      }
      case "writeArchState": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        const s = this.status("hvplay_vcpu_write_arch_state", t, T.hvplay_vcpu_write_arch_state(v as number, a.partial as object));
        const own = this.ownVcpu(v, t, ZX_RIGHT_WRITE);
        if (own !== ZX_OK) this.predicted("hvplay_vcpu_write_arch_state", t, s, own);
        else if (typeof a.partial !== "object" || a.partial === null) this.predicted("hvplay_vcpu_write_arch_state", t, s, ZX_ERR_INVALID_ARGS);
        return;
      }
      case "setBreakpoints": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        const s = this.status("hvplay_vcpu_set_breakpoints", t, T.hvplay_vcpu_set_breakpoints(v as number, a.rips as number[]));
        let want = this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_WRITE);
        if (want === ZX_OK) {
          if (!Array.isArray(a.rips)) want = ZX_ERR_INVALID_ARGS;
          else if (a.rips.length > 256) want = ZX_ERR_OUT_OF_RANGE;
          else if (a.rips.some((x) => asU64(x) === undefined)) want = ZX_ERR_INVALID_ARGS;
        }
        this.predicted("hvplay_vcpu_set_breakpoints", t, s, want);
        return;
      }
      case "instructionsRetired": {
        const v = this.resolve(a.vcpu, ZX_OBJ_TYPE_VCPU);
        const r = this.result("hvplay_vcpu_instructions_retired", t, T.hvplay_vcpu_instructions_retired(v as number));
        this.predicted("hvplay_vcpu_instructions_retired", t, r.status, this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_READ));
        if (r.status === ZX_OK) this.check(typeof r.count === "bigint" && r.count >= 0n, () => `instructions retired = ${show(r.count)}`);
        return;
      }
      case "guestDescribe": {
        const v = this.resolve(a.guest, ZX_OBJ_TYPE_GUEST);
        const r = this.result("hvplay_guest_describe", t, T.hvplay_guest_describe(v as number));
        this.predicted("hvplay_guest_describe", t, r.status, this.lookup(v, ZX_OBJ_TYPE_GUEST, ZX_RIGHT_INSPECT));
        if (r.status === ZX_OK) this.check(r.koid === this.live(v)!.obj.koid && Array.isArray(r.mappings) && Array.isArray(r.traps), () => "hvplay_guest_describe: wrong guest or malformed");
        return;
      }
      case "portCreate": {
        const r = this.result("zx_port_create", t, T.zx_port_create(a.options as number), ["out"]);
        const o = asU32(a.options);
        this.predicted("zx_port_create", t, r.status, o === undefined || (o & ~1) !== 0 ? ZX_ERR_INVALID_ARGS : ZX_OK);
        if (r.status === ZX_OK) this.adopt(r.out, ZX_OBJ_TYPE_PORT, ZX_DEFAULT_PORT_RIGHTS);
        return;
      }
      case "portQueue":
        this.portQueue(t, this.resolve(a.port, ZX_OBJ_TYPE_PORT), a.packet);
        return;
      case "portFlood": {
        const v = this.resolve(a.port, ZX_OBJ_TYPE_PORT);
        for (let i = 0; i < a.count; i++) this.portQueue(t, v, { k: "user", status: i, payload: i & 0xff, bytes: (i & 1) === 0 });
        return;
      }
      case "portWait": {
        const v = this.resolve(a.port, ZX_OBJ_TYPE_PORT);
        const deadline = a.deadline === NOW ? this.kernel.clock.now() : a.deadline;
        const r = await this.settle("zx_port_wait", T.zx_port_wait(v as number, deadline as number), null);
        const s = this.status("zx_port_wait", t, r.status);
        const lookup = this.lookup(v, ZX_OBJ_TYPE_PORT, ZX_RIGHT_READ);
        if (lookup !== ZX_OK || asI64(deadline) === undefined) this.predicted("zx_port_wait", t, s, lookup !== ZX_OK ? lookup : ZX_ERR_INVALID_ARGS);
        if (s !== ZX_OK) this.packetEmpty("zx_port_wait", r.packet);
        if (this.dead[t] || lookup !== ZX_OK) return;
        const port = this.live(v)!.obj;
        if (s === ZX_OK) this.onPortPacket(port, r.packet);
        else if (s === ZX_ERR_TIMED_OUT) {
          this.check(port.users.length === 0, () => `zx_port_wait timed out with ${port.users.length} user packets still queued`);
          this.check(this.object<PortObject>(v, ZX_OBJ_TYPE_PORT)!.length === 0, () => "zx_port_wait timed out on a port that holds packets");
        }
        return;
      }
      case "portWaitThenQueue": {
        const v = this.resolve(a.port, ZX_OBJ_TYPE_PORT);
        // Only on a port this thread can both wait on and queue to: the queued packet ends the wait.
        if (this.lookup(v, ZX_OBJ_TYPE_PORT, ZX_RIGHT_READ | ZX_RIGHT_WRITE) !== ZX_OK) return;
        // With packets queued the wait takes the oldest at once; on an empty port it blocks until the
        // packet queued right after it arrives.
        const empty = this.object<PortObject>(v, ZX_OBJ_TYPE_PORT)!.length === 0;
        const pending = T.zx_port_wait(v as number, ZX_TIME_INFINITE);
        if (!empty) this.onWaitResult(t, v, await this.settle("zx_port_wait", pending, null));
        this.portQueue(t, v, { k: "user", status: 7, payload: 0x5a, bytes: false });
        if (empty) this.onWaitResult(t, v, await this.settle("zx_port_wait", pending, null));
        return;
      }
      case "portCancel": {
        const last = a.lastWait ? this.lastWait : null;
        const v = last ? last.port : this.resolve(a.port, ZX_OBJ_TYPE_PORT);
        const source = last ? last.via : this.resolve(a.source, WAITABLE_TYPES);
        const key = last ? last.key : a.key;
        const s = this.status("zx_port_cancel", t, T.zx_port_cancel(v as number, source as number, key as number));
        const usable = this.lookup(v, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE) === ZX_OK && this.lookup(source, -1, ZX_RIGHT_WAIT) === ZX_OK;
        this.notOkUnless("zx_port_cancel", s, usable);
        if (s === ZX_OK) {
          const k = asU64(key);
          const port = this.live(v)!.obj;
          port.waits = port.waits.filter((w) => !(w.via === source && w.key === k));
        }
        return;
      }
      case "timerCreate": {
        const r = this.result("zx_timer_create", t, T.zx_timer_create(a.options as number, a.clock as number), ["out"]);
        const o = asU32(a.options);
        this.predicted("zx_timer_create", t, r.status, asU32(a.clock) !== 0 || o === undefined || o > 2 ? ZX_ERR_INVALID_ARGS : ZX_OK);
        if (r.status === ZX_OK) this.adopt(r.out, ZX_OBJ_TYPE_TIMER, ZX_DEFAULT_TIMER_RIGHTS);
        return;
      }
      case "timerSet": {
        const v = this.resolve(a.timer, ZX_OBJ_TYPE_TIMER);
        const deadline = a.deadline === NOW ? this.kernel.clock.now() : a.deadline;
        const s = this.status("zx_timer_set", t, T.zx_timer_set(v as number, deadline as number, a.slack as number));
        const slack = asI64(a.slack);
        const want = slack === undefined ? ZX_ERR_INVALID_ARGS : slack < 0n ? ZX_ERR_OUT_OF_RANGE : asI64(deadline) === undefined ? ZX_ERR_INVALID_ARGS : this.lookup(v, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_WRITE);
        this.predicted("zx_timer_set", t, s, want);
        return;
      }
      case "timerCancel": {
        const v = this.resolve(a.timer, ZX_OBJ_TYPE_TIMER);
        this.predicted("zx_timer_cancel", t, this.status("zx_timer_cancel", t, T.zx_timer_cancel(v as number)), this.lookup(v, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_WRITE));
        return;
      }
      case "waitAsync": {
        const v = this.resolve(a.h, WAITABLE_TYPES);
        const port = this.resolve(a.port, ZX_OBJ_TYPE_PORT);
        const key = this.nextWaitKey++;
        const s = this.status("zx_object_wait_async", t, T.zx_object_wait_async(v as number, port as number, key, a.signals as number, a.options as number));
        const o = asU32(a.options);
        let want = o === undefined || (o !== 0 && o !== 1) ? ZX_ERR_INVALID_ARGS : this.lookup(port, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE);
        if (want === ZX_OK) want = this.lookup(v, -1, ZX_RIGHT_WAIT);
        if (want === ZX_OK && asU32(a.signals) === undefined) want = ZX_ERR_INVALID_ARGS;
        if (want === ZX_OK && !WAITABLE.has(this.live(v)!.obj.type)) want = ZX_ERR_NOT_SUPPORTED;
        this.predicted("zx_object_wait_async", t, s, want);
        if (s === ZX_OK) {
          this.live(port)!.obj.waits.push({ key, signals: asU32(a.signals)!, via: v as number });
          this.lastWait = { port: port as number, via: v as number, key };
        }
        return;
      }
      case "objectSignal": {
        const v = this.resolve(a.h, WAITABLE_TYPES);
        const s = this.status("zx_object_signal", t, T.zx_object_signal(v as number, a.clear as number, a.set as number));
        const h = this.live(v);
        const clear = asU32(a.clear), set = asU32(a.set);
        const want = !h ? ZX_ERR_BAD_HANDLE : !(h.rights & ZX_RIGHT_SIGNAL) ? ZX_ERR_ACCESS_DENIED : !WAITABLE.has(h.obj.type) ? ZX_ERR_NOT_SUPPORTED
          : clear === undefined || set === undefined || (clear & ~USER_SIGNALS) !== 0 || (set & ~USER_SIGNALS) !== 0 ? ZX_ERR_INVALID_ARGS : ZX_OK;
        this.predicted("zx_object_signal", t, s, want);
        return;
      }
      case "clock": {
        this.calls += 2;
        const now = T.zx_clock_get_monotonic();
        const after = T.zx_deadline_after(a.after as number);
        this.check(typeof now === "bigint" && now >= 0n && typeof after === "bigint", () => `clock calls returned ${show(now)}, ${show(after)}`);
        return;
      }
      case "setupGuest":
        return this.setupGuest(t, a.program, a.traps);
      case "writeProgram": {
        const v = this.resolve(a.vmo, ZX_OBJ_TYPE_VMO);
        const s = this.status("zx_vmo_write", t, T.zx_vmo_write(v as number, a.code, 0x2000));
        let want = this.lookup(v, ZX_OBJ_TYPE_VMO, ZX_RIGHT_WRITE);
        if (want === ZX_OK && 0x2000 + a.code.length > this.live(v)!.obj.size!) want = ZX_ERR_OUT_OF_RANGE;
        this.predicted("zx_vmo_write", t, s, want);
        return;
      }
    }
  }

  /** A zx_port_wait on a port the model expects to hold a packet for it. */
  private onWaitResult(t: number, v: unknown, r: { status: number; packet: zx_port_packet_t }): void {
    const s = this.status("zx_port_wait", t, r.status);
    this.predicted("zx_port_wait", t, s, ZX_OK);
    if (s === ZX_OK) this.onPortPacket(this.live(v)!.obj, r.packet);
  }

  private rightsArg(r: RightsOperand, current: number): unknown {
    if (r.k === "same") return ZX_RIGHT_SAME_RIGHTS;
    if (r.k === "subset") return (current & r.mask) >>> 0;
    return r.v;
  }

  /** Vcpu::ReadState's checks: the handle, then the owning thread. */
  private ownVcpu(v: unknown, t: number, right: number): number {
    const lookup = this.lookup(v, ZX_OBJ_TYPE_VCPU, right);
    if (lookup !== ZX_OK) return lookup;
    return this.live(v)!.obj.owner === t ? ZX_OK : ZX_ERR_BAD_STATE;
  }

  private portQueue(t: number, v: unknown, packet: Extract<Action, { op: "portQueue" }>["packet"]): void {
    let arg: unknown;
    let expected: UserPacket | null = null;
    if (packet.k === "user") {
      const key = this.nextUserKey++;
      const input = { key, type: 3, status: packet.status, user: { u8: new Array<number>(32).fill(packet.payload) } };
      arg = packet.bytes ? encodePortPacket(input) : input;
      expected = { key, payload: packet.payload };
    } else {
      arg = packet.v;
    }
    const s = this.status("zx_port_queue", t, this.threads[t].zx_port_queue(v as number, arg as object));
    const lookup = this.lookup(v, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE);
    if (lookup !== ZX_OK) return this.predicted("zx_port_queue", t, s, lookup);
    if (this.dead[t]) return;
    const port = this.live(v)!.obj;
    if (expected) this.expect("zx_port_queue", s, port.users.length >= MAX_USER_PACKETS_PER_PORT ? ZX_ERR_SHOULD_WAIT : ZX_OK);
    else this.check(s === ZX_OK || s === ZX_ERR_INVALID_ARGS || s === ZX_ERR_SHOULD_WAIT, () => `zx_port_queue(${show(arg)}) returned ${st(s)}`);
    if (s === ZX_OK) port.users.push(expected ?? { key: null, payload: null });
  }

  /** zx_vcpu_resume (or zx_vcpu_enter, hvplay_vcpu_resume_limited), with calls made while it is pending. */
  private async resume(t: number, v: unknown, how: "resume" | "enter" | "limited", limit: unknown, during: DuringOp[]): Promise<void> {
    const T = this.threads[t];
    const vcpu = this.object<VcpuObject>(v, ZX_OBJ_TYPE_VCPU);
    const name = how === "resume" ? "zx_vcpu_resume" : how === "enter" ? "zx_vcpu_enter" : "hvplay_vcpu_resume_limited";
    const usable = this.ownVcpu(v, t, ZX_RIGHT_EXECUTE);
    const running = vcpu?.running ?? false;
    const pending = how === "resume" ? T.zx_vcpu_resume(v as number) : how === "enter" ? T.zx_vcpu_enter(v as number) : T.hvplay_vcpu_resume_limited(v as number, limit as number);
    const inside = vcpu !== null && vcpu.running && !running;
    for (const d of during) this.duringResume(d, t, v, inside);
    const r = await this.settle(name, pending, vcpu);
    this.check(typeof r === "object" && r !== null, () => `${name} resolved to ${show(r)}`);
    const s = this.status(name, t, r.status);
    this.notOkUnless(name, s, usable === ZX_OK);
    // hvplay_vcpu_resume_limited checks its count before the handle.
    if (how === "limited" && asU64(limit) === undefined) this.predicted(name, t, s, ZX_ERR_INVALID_ARGS);
    else if (usable !== ZX_OK) this.predicted(name, t, s, usable);
    if (s === ZX_OK) this.check(RESUME_PACKET_TYPES.has(r.packet.type), () => `${name} returned a packet of type ${r.packet.type}`);
    else this.packetEmpty(name, r.packet);
    if (vcpu !== null && vcpu.handleCount === 0) this.check(!this.kernel.liveObjects.has(vcpu), () => "a VCPU whose handles closed during resume outlived the resume");
  }

  /** A call made while thread t's resume of `v` is pending (`inside`: the VCPU is in its run loop). */
  private duringResume(d: DuringOp, t: number, v: unknown, inside: boolean): void {
    const T = this.threads[t];
    const other = this.threads[0];
    switch (d) {
      case "kick":
        this.predicted("zx_vcpu_kick", 0, this.status("zx_vcpu_kick", 0, other.zx_vcpu_kick(v as number)), this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_EXECUTE));
        return;
      case "close": {
        const s = this.status("zx_handle_close", 0, other.zx_handle_close(v as number));
        this.expect("zx_handle_close", s, v === ZX_HANDLE_INVALID || this.live(v) ? ZX_OK : ZX_ERR_BAD_HANDLE);
        if (s === ZX_OK && typeof v === "number") this.drop(v);
        return;
      }
      case "readState": {
        const s = this.status("zx_vcpu_read_state", t, T.zx_vcpu_read_state(v as number, 0, new Uint8Array(136)));
        const own = this.ownVcpu(v, t, ZX_RIGHT_READ);
        this.predicted("zx_vcpu_read_state (during resume)", t, s, own === ZX_OK && inside ? ZX_ERR_BAD_STATE : own);
        return;
      }
      case "writeArch": {
        const s = this.status("hvplay_vcpu_write_arch_state", t, T.hvplay_vcpu_write_arch_state(v as number, { rip: 0x2000 }));
        const own = this.ownVcpu(v, t, ZX_RIGHT_WRITE);
        this.predicted("hvplay_vcpu_write_arch_state (during resume)", t, s, own === ZX_OK && inside ? ZX_ERR_BAD_STATE : own);
        return;
      }
      case "again": {
        // A second resume of a VCPU that is inside resume is BAD_STATE at once (extensions.md).
        if (!inside) return;
        const own = this.ownVcpu(v, t, ZX_RIGHT_EXECUTE);
        const want = this.dead[t] || own === ZX_OK ? ZX_ERR_BAD_STATE : own;
        const where = this.where;
        void T.zx_vcpu_resume(v as number).then((r) => {
          if (r.status !== want) this.lateFailures.push(`${where}: a second zx_vcpu_resume during resume returned ${st(r.status)}, expected ${st(want)}`);
        });
        this.calls++;
        return;
      }
      case "interrupt":
        this.predicted("zx_vcpu_interrupt", 0, this.status("zx_vcpu_interrupt", 0, other.zx_vcpu_interrupt(v as number, 32)), this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_SIGNAL));
        return;
      case "retired":
        this.predicted("hvplay_vcpu_instructions_retired", 0, this.status("hvplay_vcpu_instructions_retired", 0, other.hvplay_vcpu_instructions_retired(v as number).status), this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_READ));
        return;
      case "setBreakpoints":
        this.predicted("hvplay_vcpu_set_breakpoints", 0, this.status("hvplay_vcpu_set_breakpoints", 0, other.hvplay_vcpu_set_breakpoints(v as number, [0x2004])), this.lookup(v, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_WRITE));
        return;
    }
  }

  /**
   * A runnable guest, built with syscalls only (as a VMM would): 64 KiB of RAM at guest-physical 0
   * with identity page tables (PML4 at 0, a 1 GiB page from PDPT at 0x1000), a program at 0x2000,
   * optional IO (port 0x10), MEM (0x8000) and BELL (0x9000, on a new port) traps, and a VCPU on
   * thread t entering at 0x2000.
   */
  private setupGuest(t: number, program: string, traps: { io: boolean; mem: boolean; bell: boolean }): void {
    const T = this.threads[t];
    const ok = (name: string, s: number) => this.predicted(name, t, s, ZX_OK);
    const vmoR = this.result("zx_vmo_create", t, T.zx_vmo_create(0x10000, 0), ["out"]);
    ok("zx_vmo_create", vmoR.status);
    if (this.dead[t]) return;
    const vmoObj = this.adopt(vmoR.out, ZX_OBJ_TYPE_VMO, ZX_DEFAULT_VMO_RIGHTS);
    // Guest code runs from it: the VMO needs ZX_RIGHT_EXECUTE (E2 accepts ZX_HANDLE_INVALID as vmex).
    const exec = this.result("zx_vmo_replace_as_executable", t, T.zx_vmo_replace_as_executable(vmoR.out, ZX_HANDLE_INVALID), ["out"]);
    ok("zx_vmo_replace_as_executable", exec.status);
    this.adopt(exec.out, ZX_OBJ_TYPE_VMO, ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_EXECUTE, vmoObj);
    this.drop(vmoR.out);
    const vmo = exec.out;
    const hyp = this.proc.hypervisorResource;
    const g = this.result("zx_guest_create", t, T.zx_guest_create(hyp, 0), ["guest_handle", "vmar_handle"]);
    if (!this.live(hyp)) return this.expect("zx_guest_create", g.status, ZX_ERR_BAD_HANDLE);
    ok("zx_guest_create", g.status);
    this.adopt(g.guest_handle, ZX_OBJ_TYPE_GUEST, ZX_DEFAULT_GUEST_RIGHTS);
    this.adopt(g.vmar_handle, ZX_OBJ_TYPE_VMAR, GUEST_VMAR_RIGHTS);
    const perms = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE | ZX_VM_SPECIFIC;
    ok("zx_vmar_map", this.result("zx_vmar_map", t, T.zx_vmar_map(g.vmar_handle, perms, 0, vmo, 0, 0x10000)).status);
    const table = new Uint8Array(8);
    const dv = new DataView(table.buffer);
    dv.setBigUint64(0, 0x1007n, true);
    ok("zx_vmo_write", this.status("zx_vmo_write", t, T.zx_vmo_write(vmo, table, 0)));
    dv.setBigUint64(0, 0x87n, true);
    ok("zx_vmo_write", this.status("zx_vmo_write", t, T.zx_vmo_write(vmo, table, 0x1000)));
    const body = PROGRAMS[program];
    const code = new Uint8Array([...body, 0xeb, program === "bell" ? 0xfe : (-(body.length + 2)) & 0xff]);
    ok("zx_vmo_write", this.status("zx_vmo_write", t, T.zx_vmo_write(vmo, code, 0x2000)));
    if (traps.io) ok("zx_guest_set_trap", this.status("zx_guest_set_trap", t, T.zx_guest_set_trap(g.guest_handle, ZX_GUEST_TRAP_IO, 0x10, 1, ZX_HANDLE_INVALID, 0x10n)));
    if (traps.mem) ok("zx_guest_set_trap", this.status("zx_guest_set_trap", t, T.zx_guest_set_trap(g.guest_handle, ZX_GUEST_TRAP_MEM, 0x8000, PAGE, ZX_HANDLE_INVALID, 0x80n)));
    if (traps.bell) {
      const p = this.result("zx_port_create", t, T.zx_port_create(0), ["out"]);
      ok("zx_port_create", p.status);
      const port = this.adopt(p.out, ZX_OBJ_TYPE_PORT, ZX_DEFAULT_PORT_RIGHTS);
      ok("zx_guest_set_trap", this.status("zx_guest_set_trap", t, T.zx_guest_set_trap(g.guest_handle, ZX_GUEST_TRAP_BELL, 0x9000, PAGE, p.out, 0x90n)));
      port.bellKeys.add(0x90n);
    }
    const vcpu = this.result("zx_vcpu_create", t, T.zx_vcpu_create(g.guest_handle, 0, 0x2000), ["out"]);
    this.expect("zx_vcpu_create", vcpu.status, this.hasVcpu(t) ? ZX_ERR_BAD_STATE : ZX_OK);
    if (vcpu.status === ZX_OK) this.adopt(vcpu.out, ZX_OBJ_TYPE_VCPU, ZX_DEFAULT_VCPU_RIGHTS).owner = t;
  }
}

/** Play one sequence on a fresh kernel (seeded, so the handle values repeat too). */
export async function runSequence(actions: Action[], seed: number, stats: CallStats | null = null): Promise<number> {
  const runner = new SyscallFuzzRunner(seed, stats);
  await runner.run(actions);
  return runner.calls;
}
