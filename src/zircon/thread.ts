/**
 * A thread of a process: every zx_* syscall is a method of the thread making it.
 *
 * Binding rules (ARCHITECTURE.md "The syscall binding"):
 * - One method per syscall, Zircon's name, Zircon's parameters in Zircon's order (minus out-params
 *   and buffer sizes). Numbers or bigints are accepted for every integer parameter.
 * - A call with out-parameters returns `{ status, <C out-param names> }` (e.g. zx_guest_create →
 *   { status, guest_handle, vmar_handle }); a call without out-parameters returns the bare status
 *   number (zx_handle_close, zx_guest_set_trap, zx_vcpu_interrupt, zx_vcpu_kick,
 *   zx_vcpu_read_state — which fills the caller's Uint8Array —, zx_vcpu_write_state, zx_vmar_unmap,
 *   zx_vmar_protect, zx_port_queue, zx_port_cancel, zx_vmo_read, zx_vmo_write, zx_timer_set,
 *   zx_timer_cancel, zx_object_wait_async, zx_object_signal).
 * - Blocking calls (zx_vcpu_resume / zx_vcpu_enter, zx_port_wait, hvplay_vcpu_resume_limited) return
 *   a Promise of { status, packet }.
 * - Nothing throws: a bad argument gets Zircon's status; an internal exception is logged and becomes
 *   ZX_ERR_INTERNAL.
 * - A thread that has exited (thread.exit()) gets ZX_ERR_BAD_STATE from every call.
 */
import type { KernelContext } from "./kernel-object";
import type { HandleTable } from "./handle-table";
import { emptyPacket, type VcpuObject, type ResumeNowaitResult, type ResumeResult } from "./objects/vcpu";
import type { PortWaitResult } from "./objects/port";
import { ZX_ERR_BAD_STATE, ZX_ERR_INTERNAL, ZX_ERR_INVALID_ARGS, ZX_ERR_SHOULD_WAIT, ZX_OK } from "./status";
import type { SyscallContext } from "./syscalls/context";
import * as hv from "./syscalls/hypervisor";
import * as vm from "./syscalls/vm";
import * as port from "./syscalls/port";
import * as timer from "./syscalls/timer";
import * as objectWait from "./syscalls/object-wait";
import * as handle from "./syscalls/handle";
import * as ext from "./syscalls/extensions";
import { i64, isBytes, u64 } from "./syscalls/args";

/** One record per syscall, for proc.setTracer (the UI's syscall log). */
export interface SyscallTrace {
  thread: bigint;
  name: string;
  args: unknown[];
  result: unknown;
  /**
   * Set when the record, its result and the result's packet are reused once the tracer returns: a
   * tracer that keeps it must copy it (result is `{ status, packet }`, the packet one with a
   * guest_io member). hvplay_vcpu_resume_nowait's IO exits are traced so: no objects per exit.
   */
  transient?: boolean;
}

/** What a thread needs from its process. */
export interface ThreadHost {
  readonly kernel: KernelContext;
  readonly handles: HandleTable;
  tracer: ((t: SyscallTrace) => void) | null;
}

type Status = number;

export class Thread implements SyscallContext {
  readonly koid: bigint;
  /** The VCPU this thread created and still owns (one at a time). */
  vcpu: VcpuObject | null = null;
  dead = false;
  /** The argument list hvplay_vcpu_resume_nowait last traced as zx_vcpu_resume's. */
  private resumeArgs: unknown[] | null = null;
  /** The transient record hvplay_vcpu_resume_nowait traces an IO exit with (SyscallTrace.transient). */
  private resumeTrace: { thread: bigint; name: string; args: unknown[]; result: { status: number; packet: unknown }; transient: true } | null = null;

  constructor(private readonly host: ThreadHost, readonly name: string) {
    this.koid = host.kernel.allocKoid();
  }

  get kernel(): KernelContext {
    return this.host.kernel;
  }
  get handles(): HandleTable {
    return this.host.handles;
  }

  /** The thread exits: later calls on it fail with BAD_STATE. Its VCPU object lives on while handles remain. */
  exit(): void {
    this.dead = true;
  }

  private sys<R>(name: string, args: unknown[], failed: (status: Status) => R, fn: () => R): R {
    let result: R;
    if (this.dead) result = failed(ZX_ERR_BAD_STATE);
    else {
      try {
        result = fn();
      } catch (e) {
        this.kernel.log(`${name}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        result = failed(ZX_ERR_INTERNAL);
      }
    }
    this.host.tracer?.({ thread: this.koid, name, args, result });
    return result;
  }

  /**
   * A blocking call. Written with `then` rather than as an async function (it runs once per VM exit),
   * with the same timing: the tracer and the result one microtask after the kernel's promise settles
   * (at once when the thread is dead or `fn` throws).
   */
  private sysAsync<R extends { status: number; packet: unknown }>(name: string, args: unknown[], fn: () => Promise<R>): Promise<R> {
    if (this.dead) return Promise.resolve(this.traced(name, args, { status: ZX_ERR_BAD_STATE, packet: emptyPacket() } as R));
    let pending: Promise<R>;
    try {
      pending = fn();
    } catch (e) {
      return Promise.resolve(this.traced(name, args, this.internalError<R>(name, e)));
    }
    return pending.then(
      (result) => this.traced(name, args, result),
      (e: unknown) => this.traced(name, args, this.internalError<R>(name, e)),
    );
  }

  private traced<R>(name: string, args: unknown[], result: R): R {
    this.host.tracer?.({ thread: this.koid, name, args, result });
    return result;
  }

  private internalError<R>(name: string, e: unknown): R {
    this.kernel.log(`${name}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return { status: ZX_ERR_INTERNAL, packet: emptyPacket() } as R;
  }

  // --- hypervisor ---
  zx_guest_create(resource: number, options: number) {
    return this.sys("zx_guest_create", [resource, options], (status) => ({ status, guest_handle: 0, vmar_handle: 0 }),
      () => hv.zx_guest_create(this, resource, options));
  }
  zx_guest_set_trap(handle: number, kind: number, addr: number | bigint, size: number | bigint, port_handle: number, key: number | bigint): Status {
    return this.sys("zx_guest_set_trap", [handle, kind, addr, size, port_handle, key], (s) => s,
      () => hv.zx_guest_set_trap(this, handle, kind, addr, size, port_handle, key));
  }
  zx_vcpu_create(guest: number, options: number, entry: number | bigint) {
    return this.sys("zx_vcpu_create", [guest, options, entry], (status) => ({ status, out: 0 }),
      () => hv.zx_vcpu_create(this, guest, options, entry));
  }
  zx_vcpu_resume(handle: number): Promise<ResumeResult> {
    return this.sysAsync("zx_vcpu_resume", [handle], () => hv.zx_vcpu_resume(this, handle));
  }
  /** E3's name for zx_vcpu_resume. */
  zx_vcpu_enter(handle: number): Promise<ResumeResult> {
    return this.sysAsync("zx_vcpu_enter", [handle], () => hv.zx_vcpu_resume(this, handle));
  }
  zx_vcpu_kick(handle: number): Status {
    return this.sys("zx_vcpu_kick", [handle], (s) => s, () => hv.zx_vcpu_kick(this, handle));
  }
  zx_vcpu_interrupt(handle: number, vector: number): Status {
    return this.sys("zx_vcpu_interrupt", [handle, vector], (s) => s, () => hv.zx_vcpu_interrupt(this, handle, vector));
  }
  zx_vcpu_read_state(handle: number, kind: number, buffer: Uint8Array): Status {
    return this.sys("zx_vcpu_read_state", [handle, kind, buffer], (s) => s, () => hv.zx_vcpu_read_state(this, handle, kind, buffer));
  }
  zx_vcpu_write_state(handle: number, kind: number, buffer: Uint8Array): Status {
    return this.sys("zx_vcpu_write_state", [handle, kind, buffer], (s) => s, () => hv.zx_vcpu_write_state(this, handle, kind, buffer));
  }

  // --- VMO / VMAR ---
  zx_vmo_create(size: number | bigint, options: number) {
    return this.sys("zx_vmo_create", [size, options], (status) => ({ status, out: 0 }), () => vm.zx_vmo_create(this, size, options));
  }
  zx_vmo_read(handle: number, buffer: Uint8Array, offset: number | bigint): Status {
    return this.sys("zx_vmo_read", [handle, buffer, offset], (s) => s, () => vm.zx_vmo_read(this, handle, buffer, offset));
  }
  zx_vmo_write(handle: number, buffer: Uint8Array, offset: number | bigint): Status {
    return this.sys("zx_vmo_write", [handle, buffer, offset], (s) => s, () => vm.zx_vmo_write(this, handle, buffer, offset));
  }
  zx_vmo_get_size(handle: number) {
    return this.sys("zx_vmo_get_size", [handle], (status) => ({ status, size: 0n }), () => vm.zx_vmo_get_size(this, handle));
  }
  zx_vmo_set_cache_policy(handle: number, cache_policy: number): Status {
    return this.sys("zx_vmo_set_cache_policy", [handle, cache_policy], (s) => s, () => vm.zx_vmo_set_cache_policy(this, handle, cache_policy));
  }
  zx_vmo_replace_as_executable(handle: number, vmex: number) {
    return this.sys("zx_vmo_replace_as_executable", [handle, vmex], (status) => ({ status, out: 0 }),
      () => vm.zx_vmo_replace_as_executable(this, handle, vmex));
  }
  zx_vmar_map(vmar: number, options: number, vmar_offset: number | bigint, vmo: number, vmo_offset: number | bigint, len: number | bigint) {
    return this.sys("zx_vmar_map", [vmar, options, vmar_offset, vmo, vmo_offset, len], (status) => ({ status, mapped_addr: 0n }),
      () => vm.zx_vmar_map(this, vmar, options, vmar_offset, vmo, vmo_offset, len));
  }
  zx_vmar_unmap(handle: number, addr: number | bigint, len: number | bigint): Status {
    return this.sys("zx_vmar_unmap", [handle, addr, len], (s) => s, () => vm.zx_vmar_unmap(this, handle, addr, len));
  }
  zx_vmar_protect(handle: number, options: number, addr: number | bigint, len: number | bigint): Status {
    return this.sys("zx_vmar_protect", [handle, options, addr, len], (s) => s, () => vm.zx_vmar_protect(this, handle, options, addr, len));
  }
  zx_vmar_allocate(parent_vmar: number, options: number, offset: number | bigint, size: number | bigint) {
    return this.sys("zx_vmar_allocate", [parent_vmar, options, offset, size], (status) => ({ status, child_vmar: 0, child_addr: 0n }),
      () => vm.zx_vmar_allocate(this, parent_vmar, options, offset, size));
  }

  // --- ports ---
  zx_port_create(options: number) {
    return this.sys("zx_port_create", [options], (status) => ({ status, out: 0 }), () => port.zx_port_create(this, options));
  }
  zx_port_queue(handle: number, packet: object | Uint8Array): Status {
    return this.sys("zx_port_queue", [handle, packet], (s) => s, () => port.zx_port_queue(this, handle, packet));
  }
  zx_port_wait(handle: number, deadline: number | bigint): Promise<PortWaitResult> {
    return this.sysAsync("zx_port_wait", [handle, deadline], () => port.zx_port_wait(this, handle, deadline));
  }
  /** Ends the zx_object_wait_async calls made through `source` with `key`, and drops their queued packets. */
  zx_port_cancel(handle: number, source: number, key: number | bigint): Status {
    return this.sys("zx_port_cancel", [handle, source, key], (s) => s, () => port.zx_port_cancel(this, handle, source, key));
  }

  // --- timers and signals (real Zircon calls outside the hypervisor list; extensions.md) ---
  zx_timer_create(options: number, clock_id: number): { status: number; out: number } {
    return this.sys("zx_timer_create", [options, clock_id], (status) => ({ status, out: 0 }), () => timer.zx_timer_create(this, options, clock_id));
  }
  zx_timer_set(handle: number, deadline: number | bigint, slack: number | bigint): Status {
    return this.sys("zx_timer_set", [handle, deadline, slack], (s) => s, () => timer.zx_timer_set(this, handle, deadline, slack));
  }
  zx_timer_cancel(handle: number): Status {
    return this.sys("zx_timer_cancel", [handle], (s) => s, () => timer.zx_timer_cancel(this, handle));
  }
  /** One ZX_PKT_TYPE_SIGNAL_ONE packet on `port` when any of `signals` is asserted on `handle` (at once if it already is). */
  zx_object_wait_async(handle: number, port: number, key: number | bigint, signals: number, options: number): Status {
    return this.sys("zx_object_wait_async", [handle, port, key, signals, options], (s) => s,
      () => objectWait.zx_object_wait_async(this, handle, port, key, signals, options));
  }
  zx_object_signal(handle: number, clear_mask: number, set_mask: number): Status {
    return this.sys("zx_object_signal", [handle, clear_mask, set_mask], (s) => s,
      () => objectWait.zx_object_signal(this, handle, clear_mask, set_mask));
  }

  // --- handles and objects ---
  zx_handle_close(h: number): Status {
    return this.sys("zx_handle_close", [h], (s) => s, () => handle.zx_handle_close(this, h));
  }
  zx_handle_duplicate(h: number, rights: number) {
    return this.sys("zx_handle_duplicate", [h, rights], (status) => ({ status, out: 0 }), () => handle.zx_handle_duplicate(this, h, rights));
  }
  zx_handle_replace(h: number, rights: number) {
    return this.sys("zx_handle_replace", [h, rights], (status) => ({ status, out: 0 }), () => handle.zx_handle_replace(this, h, rights));
  }
  zx_object_get_info(h: number, topic: number, buffer?: Uint8Array) {
    return this.sys("zx_object_get_info", [h, topic, buffer], (status) => ({ status, actual: 0, avail: 0 }),
      () => handle.zx_object_get_info(this, h, topic, buffer));
  }

  // --- time ---
  // vDSO calls: in Zircon they read the clock in user space and never enter the kernel, so no
  // syscall tracer sees them; nor does this one (a VMM reads the clock at every device access).
  // A dead thread reads 0.
  zx_clock_get_monotonic(): bigint {
    return this.dead ? 0n : this.kernel.clock.now();
  }
  /**
   * Playground vDSO call: zx_clock_get_monotonic as a number of nanoseconds (exact below 2^53 ns,
   * 104 days), for a VMM that reads the clock at every device access: no BigInt to make and convert
   * back at each exit.
   */
  hvplay_clock_get_monotonic_ns(): number {
    return this.dead ? 0 : this.kernel.clock.nowNs();
  }
  /** vDSO helper: now + duration, saturating at ZX_TIME_INFINITE. */
  zx_deadline_after(nanoseconds: number | bigint): bigint {
    if (this.dead) return 0n;
    const d = i64(nanoseconds) ?? 0n;
    const sum = this.kernel.clock.now() + d;
    return sum > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : sum;
  }

  /**
   * Fills `buffer` with random bytes from the kernel's CPRNG (cprng.ts: the host's CSPRNG with the
   * realtime clock, a fixed-seed stream with the deterministic one). Zircon's returns nothing and
   * cannot fail; here the binding's bare status: ZX_OK, or ZX_ERR_INVALID_ARGS when `buffer` is not
   * a Uint8Array (where Zircon's would fault on a bad pointer).
   */
  zx_cprng_draw(buffer: Uint8Array): Status {
    return this.sys("zx_cprng_draw", [buffer], (s) => s, () => {
      if (!isBytes(buffer)) return ZX_ERR_INVALID_ARGS;
      const cprng = this.kernel.cprng;
      if (!cprng) return ZX_ERR_BAD_STATE;
      cprng.draw(buffer);
      return ZX_OK;
    });
  }

  // --- playground extensions (extensions.md) ---
  /** zx_vcpu_resume that gives up with ZX_ERR_TIMED_OUT after `max_instructions` retire without an exit. */
  hvplay_vcpu_resume_limited(vcpu: number, max_instructions: number | bigint): Promise<ResumeResult> {
    return this.sysAsync("hvplay_vcpu_resume_limited", [vcpu, max_instructions], async () => {
      const n = u64(max_instructions);
      if (n === undefined) return { status: ZX_ERR_INVALID_ARGS, packet: emptyPacket() };
      return hv.zx_vcpu_resume(this, vcpu, Number(n));
    });
  }
  /**
   * zx_vcpu_resume without blocking: `{ status, packet, instructions_retired, last_exit_rip }` now
   * (the last two as hvplay_vcpu_instructions_retired gives them, the count as a number), or
   * ZX_ERR_SHOULD_WAIT when the call would wait (a full slice, HLT, a full BELL pool) or the run
   * woke another thread; the VCPU's progress is kept and the next zx_vcpu_resume (or _limited)
   * goes on from it. With `max_instructions`, ZX_ERR_TIMED_OUT as hvplay_vcpu_resume_limited gives it.
   *
   * The tracer sees it as the call it completes, zx_vcpu_resume (hvplay_vcpu_resume_limited with a
   * count) with `{ status, packet }`; a SHOULD_WAIT answer is not traced, the blocking call that
   * follows is. So the syscall log shows one zx_vcpu_resume per exit either way.
   */
  hvplay_vcpu_resume_nowait(vcpu: number, max_instructions?: number | bigint): ResumeNowaitResult {
    let result: ResumeNowaitResult;
    if (this.dead) result = nowaitFailure(ZX_ERR_BAD_STATE);
    else {
      try {
        if (max_instructions === undefined) result = hv.hvplay_vcpu_resume_nowait(this, vcpu);
        else {
          const n = u64(max_instructions);
          result = n === undefined ? nowaitFailure(ZX_ERR_INVALID_ARGS) : hv.hvplay_vcpu_resume_nowait(this, vcpu, Number(n));
        }
      } catch (e) {
        result = { ...this.internalError<ResumeResult>("hvplay_vcpu_resume_nowait", e), instructions_retired: 0, last_exit_rip: null };
      }
    }
    const tracer = this.host.tracer;
    if (tracer !== null && result.status !== ZX_ERR_SHOULD_WAIT) {
      const limited = max_instructions !== undefined;
      let args: unknown[];
      if (limited) args = [vcpu, max_instructions];
      else {
        // One exit after another names the same VCPU: its argument list is made once (nobody
        // changes a traced call's arguments).
        if (this.resumeArgs === null || this.resumeArgs[0] !== vcpu) this.resumeArgs = [vcpu];
        args = this.resumeArgs;
      }
      const name = limited ? "hvplay_vcpu_resume_limited" : "zx_vcpu_resume";
      if (this.vcpu !== null && result.packet === this.vcpu.ioPacket) {
        // The VCPU's reused IO packet: traced in a reused record, which the tracer copies if it keeps it.
        const t = (this.resumeTrace ??= { thread: this.koid, name, args, result: { status: 0, packet: null }, transient: true });
        t.name = name;
        t.args = args;
        t.result.status = result.status;
        t.result.packet = result.packet;
        tracer(t);
      } else tracer({ thread: this.koid, name, args, result: { status: result.status, packet: result.packet } });
    }
    return result;
  }
  hvplay_vcpu_read_arch_state(vcpu: number): { status: number; state?: ext.hvplay_arch_state_t } {
    return this.sys<{ status: number; state?: ext.hvplay_arch_state_t }>("hvplay_vcpu_read_arch_state", [vcpu], (status) => ({ status }), () => ext.hvplay_vcpu_read_arch_state(this, vcpu));
  }
  hvplay_vcpu_write_arch_state(vcpu: number, partialState: ext.hvplay_arch_state_input): Status {
    return this.sys("hvplay_vcpu_write_arch_state", [vcpu, partialState], (s) => s,
      () => ext.hvplay_vcpu_write_arch_state(this, vcpu, partialState));
  }
  hvplay_vcpu_set_breakpoints(vcpu: number, rips: readonly (number | bigint)[]): Status {
    return this.sys("hvplay_vcpu_set_breakpoints", [vcpu, rips], (s) => s, () => ext.hvplay_vcpu_set_breakpoints(this, vcpu, rips));
  }
  hvplay_vcpu_instructions_retired(vcpu: number): { status: number; count?: bigint; last_exit_rip?: bigint | null } {
    return this.sys<{ status: number; count?: bigint; last_exit_rip?: bigint | null }>("hvplay_vcpu_instructions_retired", [vcpu], (status) => ({ status }), () => ext.hvplay_vcpu_instructions_retired(this, vcpu));
  }
  hvplay_guest_describe(guest: number): ext.hvplay_guest_description_t {
    return this.sys<ext.hvplay_guest_description_t>("hvplay_guest_describe", [guest], (status) => ({ status }), () => ext.hvplay_guest_describe(this, guest));
  }
}

function nowaitFailure(status: number): ResumeNowaitResult {
  return { status, packet: emptyPacket(), instructions_retired: 0, last_exit_rip: null };
}
