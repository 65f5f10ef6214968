/**
 * The hypervisor syscalls, after `zircon/kernel/lib/syscalls/hypervisor.cc` (E2 + zx_vcpu_kick).
 * Every call runs the same four steps: validate options/kinds/sizes → look up each handle with its
 * one named right (BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED) → one method on the object → out-params.
 */
import {
  GUEST_PHYSICAL_ASPACE_SIZE,
  X86_FLAGS_RESERVED_ONES,
  X86_FLAGS_USER,
  ZX_HANDLE_INVALID,
  ZX_OBJ_TYPE_GUEST,
  ZX_OBJ_TYPE_PORT,
  ZX_OBJ_TYPE_RESOURCE,
  ZX_OBJ_TYPE_VCPU,
  ZX_RSRC_KIND_HYPERVISOR,
  ZX_RSRC_KIND_ROOT,
  ZX_VCPU_IO,
  ZX_VCPU_STATE,
} from "../constants";
import { GuestObject } from "../objects/guest";
import type { PortObject } from "../objects/port";
import type { ResourceObject } from "../objects/resource";
import { emptyPacket, VcpuObject, type ResumeNowaitResult, type ResumeResult } from "../objects/vcpu";
import {
  ZX_DEFAULT_GUEST_RIGHTS,
  ZX_DEFAULT_VCPU_RIGHTS,
  ZX_DEFAULT_VMAR_RIGHTS,
  ZX_RIGHT_EXECUTE,
  ZX_RIGHT_MANAGE_PROCESS,
  ZX_RIGHT_NONE,
  ZX_RIGHT_READ,
  ZX_RIGHT_SIGNAL,
  ZX_RIGHT_WRITE,
} from "../rights";
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_STATE,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NO_MEMORY,
  ZX_ERR_NO_RESOURCES,
  ZX_ERR_OUT_OF_RANGE,
  ZX_OK,
} from "../status";
import { ZX_VCPU_IO_SIZE, ZX_VCPU_STATE_SIZE } from "../abi/vcpu-state";
import { isBytes, u32, u64 } from "./args";
import type { SyscallContext } from "./context";

/** Rights of the guest-physical VMAR handle: VMAR defaults | READ | WRITE | EXECUTE = 0x801F (E2). */
export const GUEST_VMAR_RIGHTS = ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE;

/** E2 validate_resource: any resource handle; kind must be `kind` or ROOT (wrong kind → ACCESS_DENIED). */
export function validateResource(t: SyscallContext, handle: unknown, kind: number): number {
  const r = t.handles.getWithRights<ResourceObject>(handle, ZX_OBJ_TYPE_RESOURCE, ZX_RIGHT_NONE);
  if (typeof r === "number") return r;
  return r.kind === kind || r.kind === ZX_RSRC_KIND_ROOT ? ZX_OK : ZX_ERR_ACCESS_DENIED;
}

/**
 * Run an allocation: its result, or undefined when the host had no memory for it (the RangeError an
 * ArrayBuffer or typed array throws then). Any other exception is a bug and propagates (the syscall
 * boundary logs it as ZX_ERR_INTERNAL).
 */
function allocating<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

export function zx_guest_create(t: SyscallContext, resource: unknown, options: unknown) {
  const fail = (status: number) => ({ status, guest_handle: ZX_HANDLE_INVALID, vmar_handle: ZX_HANDLE_INVALID });
  if (u32(options) !== 0) return fail(ZX_ERR_INVALID_ARGS);
  const status = validateResource(t, resource, ZX_RSRC_KIND_HYPERVISOR);
  if (status !== ZX_OK) return fail(status);
  // The guest-physical memory map is the allocation that can fail (Guest::Create: NO_MEMORY).
  const physmem = allocating(() => t.kernel.machine.createMemory());
  if (physmem === undefined) return fail(ZX_ERR_NO_MEMORY);
  const guest = new GuestObject(t.kernel, physmem);
  const guest_handle = t.handles.add(guest, ZX_DEFAULT_GUEST_RIGHTS);
  const vmar_handle = t.handles.add(guest.vmar, GUEST_VMAR_RIGHTS);
  if (!guest_handle || !vmar_handle) {
    // The handle table is full. Close what was installed; an object that got no handle is destroyed
    // as if its last handle had closed.
    if (guest_handle) t.handles.remove(guest_handle);
    else guest.onZeroHandles();
    if (vmar_handle) t.handles.remove(vmar_handle);
    else guest.vmar.onZeroHandles();
    return fail(ZX_ERR_NO_MEMORY);
  }
  return { status: ZX_OK, guest_handle, vmar_handle };
}

export function zx_guest_set_trap(t: SyscallContext, handle: unknown, kind: unknown, addr: unknown, size: unknown,
  port_handle: unknown, key: unknown): number {
  const k = u32(kind), a = u64(addr), s = u64(size), ky = u64(key);
  if (k === undefined || a === undefined || s === undefined || ky === undefined) return ZX_ERR_INVALID_ARGS;
  // The documented size-0 rule (§6A): INVALID_ARGS.
  if (s === 0n) return ZX_ERR_INVALID_ARGS;
  const guest = t.handles.getWithRights<GuestObject>(handle, ZX_OBJ_TYPE_GUEST, ZX_RIGHT_WRITE);
  if (typeof guest === "number") return guest;
  let port: PortObject | null = null;
  if (port_handle !== ZX_HANDLE_INVALID) {
    const p = t.handles.getWithRights<PortObject>(port_handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE);
    if (typeof p === "number") return p;
    port = p;
  }
  return guest.setTrap(k, a, s, port, ky);
}

export function zx_vcpu_create(t: SyscallContext, guest: unknown, options: unknown, entry: unknown) {
  const fail = (status: number) => ({ status, out: ZX_HANDLE_INVALID });
  if (u32(options) !== 0) return fail(ZX_ERR_INVALID_ARGS);
  const g = t.handles.getWithRights<GuestObject>(guest, ZX_OBJ_TYPE_GUEST, ZX_RIGHT_MANAGE_PROCESS);
  if (typeof g === "number") return fail(g);
  const e = u64(entry);
  if (e === undefined || e >= BigInt(GUEST_PHYSICAL_ASPACE_SIZE)) return fail(ZX_ERR_INVALID_ARGS);
  // A thread may hold one VCPU at a time (Vcpu::Create: the VCPU is pinned to its thread).
  if (t.vcpu !== null) return fail(ZX_ERR_BAD_STATE);
  const vpid = g.allocVpid();
  if (vpid === undefined) return fail(ZX_ERR_NO_RESOURCES);
  const cpu = allocating(() => t.kernel.machine.createCpu(g.physmem));
  if (cpu === undefined) {
    g.freeVpid(vpid);
    return fail(ZX_ERR_NO_MEMORY);
  }
  const vcpu = new VcpuObject(t.kernel, g, vpid, t, Number(e), cpu);
  g.vcpus.add(vcpu);
  t.vcpu = vcpu;
  const out = t.handles.add(vcpu, ZX_DEFAULT_VCPU_RIGHTS);
  if (!out) {
    vcpu.onZeroHandles();
    return fail(ZX_ERR_NO_MEMORY);
  }
  return { status: ZX_OK, out };
}

/** The owning-thread check of Vcpu::Resume / ReadState / WriteState. */
function ownVcpu(t: SyscallContext, handle: unknown, right: number): VcpuObject | number {
  const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, right);
  if (typeof vcpu === "number") return vcpu;
  if (vcpu.owner !== t) return ZX_ERR_BAD_STATE;
  return vcpu;
}

export function zx_vcpu_resume(t: SyscallContext, handle: unknown, limit = Infinity): Promise<ResumeResult> {
  const vcpu = ownVcpu(t, handle, ZX_RIGHT_EXECUTE);
  if (typeof vcpu === "number") return Promise.resolve({ status: vcpu, packet: emptyPacket() });
  return vcpu.resume(limit);
}

/**
 * Playground extension (extensions.md): zx_vcpu_resume without blocking — the result at once, or
 * ZX_ERR_SHOULD_WAIT with the VCPU's progress kept for the next zx_vcpu_resume. Rights and the
 * owner rule are zx_vcpu_resume's.
 */
export function hvplay_vcpu_resume_nowait(t: SyscallContext, handle: unknown, limit = Infinity): ResumeNowaitResult {
  const vcpu = ownVcpu(t, handle, ZX_RIGHT_EXECUTE);
  if (typeof vcpu === "number") return { status: vcpu, packet: emptyPacket(), instructions_retired: 0, last_exit_rip: null };
  return vcpu.resumeNowait(limit);
}

export function zx_vcpu_kick(t: SyscallContext, handle: unknown): number {
  const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_EXECUTE);
  if (typeof vcpu === "number") return vcpu;
  vcpu.kick();
  return ZX_OK;
}

export function zx_vcpu_interrupt(t: SyscallContext, handle: unknown, vector: unknown): number {
  const v = u32(vector);
  const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_SIGNAL);
  if (typeof vcpu === "number") return vcpu;
  if (v === undefined) return ZX_ERR_INVALID_ARGS;
  if (v > 255) return ZX_ERR_OUT_OF_RANGE; // the documented choice (§6A)
  vcpu.interrupt(v);
  return ZX_OK;
}

export function zx_vcpu_read_state(t: SyscallContext, handle: unknown, kind: unknown, buffer: unknown): number {
  const vcpu = ownVcpu(t, handle, ZX_RIGHT_READ);
  if (typeof vcpu === "number") return vcpu;
  if (u32(kind) !== ZX_VCPU_STATE || !isBytes(buffer) || buffer.length !== ZX_VCPU_STATE_SIZE) return ZX_ERR_INVALID_ARGS;
  if (vcpu.running) return ZX_ERR_BAD_STATE;
  const cpu = vcpu.cpu;
  // zx_vcpu_state_t straight into the caller's buffer: rax … r15 in ModRM order, then rflags.
  const dv = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < 16; i++) dv.setBigUint64(i * 8, cpu.getRegister(i), true);
  dv.setBigUint64(128, BigInt(cpu.getRflags() & X86_FLAGS_USER), true);
  return ZX_OK;
}

export function zx_vcpu_write_state(t: SyscallContext, handle: unknown, kind: unknown, buffer: unknown): number {
  const vcpu = ownVcpu(t, handle, ZX_RIGHT_WRITE);
  if (typeof vcpu === "number") return vcpu;
  const k = u32(kind);
  if (!isBytes(buffer)) return ZX_ERR_INVALID_ARGS;
  if (vcpu.running) return ZX_ERR_BAD_STATE;
  const cpu = vcpu.cpu;
  if (k === ZX_VCPU_STATE && buffer.length === ZX_VCPU_STATE_SIZE) {
    // zx_vcpu_state_t from the caller's buffer: rax … r15 in ModRM order, then rflags.
    const dv = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    for (let i = 0; i < 16; i++) cpu.setRegister(i, dv.getBigUint64(i * 8, true));
    // RFLAGS only when the reserved-one bit is set; then only the user bits (Vcpu::WriteState).
    const flags = Number(dv.getBigUint64(128, true) & 0xffffffffn);
    if (flags & X86_FLAGS_RESERVED_ONES) cpu.setRflags((cpu.getRflags() & ~X86_FLAGS_USER) | (flags & X86_FLAGS_USER));
    return ZX_OK;
  }
  if (k === ZX_VCPU_IO && buffer.length === ZX_VCPU_IO_SIZE) {
    const size = buffer[0];
    if (size !== 1 && size !== 2 && size !== 4) return ZX_ERR_INVALID_ARGS;
    // Copy access_size bytes of data into the low bytes of RAX; the rest of RAX is kept. (In 32-bit
    // arithmetic on EAX, with no BigInt: this runs for every IN.)
    const mask = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    const data = (buffer[4] | (buffer[5] << 8) | (buffer[6] << 16) | (buffer[7] << 24)) & mask;
    cpu.setRegisterLow32(0, (cpu.getRegister32(0) & ~mask) | data);
    return ZX_OK;
  }
  return ZX_ERR_INVALID_ARGS;
}
