/**
 * Playground extensions (documented in ../extensions.md): what a KVM VMM gets from KVM_GET/SET_SREGS
 * and single-stepping, which Zircon's ABI does not offer. They never change a Zircon call's meaning.
 * Rights and thread rules are those of zx_vcpu_read_state / write_state (READ / WRITE, owner thread).
 */
import { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_LDTR, SEG_SS, SEG_TR } from "../../x86";
import { ZX_OBJ_TYPE_GUEST, ZX_OBJ_TYPE_VCPU } from "../constants";
import type { GuestObject } from "../objects/guest";
import type { VcpuObject } from "../objects/vcpu";
import { Mapping, type VmarObject } from "../objects/vmar";
import { ZX_RIGHT_INSPECT, ZX_RIGHT_READ, ZX_RIGHT_WRITE } from "../rights";
import { ZX_ERR_BAD_STATE, ZX_ERR_INVALID_ARGS, ZX_ERR_OUT_OF_RANGE, ZX_OK } from "../status";
import { u64 } from "./args";
import type { SyscallContext } from "./context";

export interface hvplay_segment_t {
  selector: number;
  base: bigint;
  /** Byte-granular limit. */
  limit: number;
  /** VMCS access-rights format: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16. */
  access_rights: number;
}
export interface hvplay_dtable_t {
  base: bigint;
  limit: number;
}
export interface hvplay_arch_state_t {
  rip: bigint;
  /** The full RFLAGS (IF, IOPL, VM, … included). */
  rflags: bigint;
  es: hvplay_segment_t;
  cs: hvplay_segment_t;
  ss: hvplay_segment_t;
  ds: hvplay_segment_t;
  fs: hvplay_segment_t;
  gs: hvplay_segment_t;
  ldtr: hvplay_segment_t;
  tr: hvplay_segment_t;
  gdtr: hvplay_dtable_t;
  idtr: hvplay_dtable_t;
  /** CR0 and CR4 as the guest reads them (read shadows applied). */
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  instructions_retired: bigint;
  /**
   * RIP of the instruction that caused the exit the last zx_vcpu_resume returned with (a packet, or
   * ZX_ERR_STOP at a host breakpoint); null after any other return (kick, timeout, error) or before
   * the first. For an IO exit RIP has already moved past the instruction; this still names it.
   */
  last_exit_rip: bigint | null;
}
type SegInput = Partial<{ selector: number; base: number | bigint; limit: number; access_rights: number }>;
export type hvplay_arch_state_input = Partial<{
  rip: number | bigint; rflags: number | bigint;
  es: SegInput; cs: SegInput; ss: SegInput; ds: SegInput; fs: SegInput; gs: SegInput; ldtr: SegInput; tr: SegInput;
  gdtr: Partial<{ base: number | bigint; limit: number }>; idtr: Partial<{ base: number | bigint; limit: number }>;
  cr0: number | bigint; cr2: number | bigint; cr3: number | bigint; cr4: number | bigint; efer: number | bigint;
}>;

const SEGS = [["es", SEG_ES], ["cs", SEG_CS], ["ss", SEG_SS], ["ds", SEG_DS], ["fs", SEG_FS], ["gs", SEG_GS], ["ldtr", SEG_LDTR], ["tr", SEG_TR]] as const;
const CR0_ET = 0x10, CR0_NE = 0x20, CR0_NW = 0x20000000, CR0_CD = 0x40000000, CR0_PG = 0x80000000;
const EFER_LME = 0x100, EFER_LMA = 0x400;

function ownVcpu(t: SyscallContext, handle: unknown, right: number): VcpuObject | number {
  const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, right);
  if (typeof vcpu === "number") return vcpu;
  if (vcpu.owner !== t || vcpu.running) return ZX_ERR_BAD_STATE;
  return vcpu;
}

export function hvplay_vcpu_read_arch_state(t: SyscallContext, handle: unknown): { status: number; state?: hvplay_arch_state_t } {
  const vcpu = ownVcpu(t, handle, ZX_RIGHT_READ);
  if (typeof vcpu === "number") return { status: vcpu };
  const cpu = vcpu.cpu;
  // One object literal, fields in the order they always had (the UI lists them in this order); the
  // VMM reads this after every exit it logs, so it is written without closures or loops.
  const state: hvplay_arch_state_t = {
    rip: cpu.getRip(),
    rflags: BigInt(cpu.getRflags() >>> 0),
    gdtr: { base: cpu.gdtrBase, limit: cpu.gdtrLimit },
    idtr: { base: cpu.idtrBase, limit: cpu.idtrLimit },
    cr0: BigInt(((cpu.cr0 & ~cpu.cr0Mask) | (cpu.cr0Shadow & cpu.cr0Mask)) >>> 0),
    cr2: cpu.cr2,
    cr3: cpu.cr3,
    cr4: BigInt(((cpu.cr4 & ~cpu.cr4Mask) | (cpu.cr4Shadow & cpu.cr4Mask)) >>> 0),
    efer: BigInt(cpu.efer >>> 0),
    instructions_retired: BigInt(vcpu.instructionsRetired),
    last_exit_rip: vcpu.lastExitRip,
    es: segment(cpu, SEG_ES),
    cs: segment(cpu, SEG_CS),
    ss: segment(cpu, SEG_SS),
    ds: segment(cpu, SEG_DS),
    fs: segment(cpu, SEG_FS),
    gs: segment(cpu, SEG_GS),
    ldtr: segment(cpu, SEG_LDTR),
    tr: segment(cpu, SEG_TR),
  };
  return { status: ZX_OK, state };
}

function segment(cpu: VcpuObject["cpu"], i: number): hvplay_segment_t {
  const s = cpu.getSegment(i);
  return { selector: s.selector, base: s.base, limit: s.limit, access_rights: s.accessRights };
}

/**
 * Write any subset of the arch state. CR0 is taken as the guest-visible value and loaded as the
 * MOV-to-CR0 exit would (NE and ET forced on, NW/CD kept only in the shadow); CR4.VMXE stays owned by
 * the host; EFER.LMA follows LME && PG, so setting CR0/EFER together switches modes consistently.
 */
export function hvplay_vcpu_write_arch_state(t: SyscallContext, handle: unknown, partial: unknown): number {
  const vcpu = ownVcpu(t, handle, ZX_RIGHT_WRITE);
  if (typeof vcpu === "number") return vcpu;
  if (typeof partial !== "object" || partial === null) return ZX_ERR_INVALID_ARGS;
  const p = partial as hvplay_arch_state_input;
  const num = (v: unknown, max: bigint): bigint | undefined => {
    const b = u64(v);
    return b !== undefined && b <= max ? b : undefined;
  };
  const U64 = (1n << 64n) - 1n, U32 = 0xffffffffn;
  // Validate everything first so a bad field changes nothing.
  const checks: Array<[unknown, bigint]> = [[p.rip, U64], [p.rflags, U32], [p.cr0, U32], [p.cr2, U64], [p.cr3, U64], [p.cr4, U32], [p.efer, U32]];
  for (const [v, max] of checks) if (v !== undefined && num(v, max) === undefined) return ZX_ERR_INVALID_ARGS;
  for (const [name] of SEGS) {
    const s = p[name];
    if (s === undefined) continue;
    if (typeof s !== "object" || s === null) return ZX_ERR_INVALID_ARGS;
    if (s.selector !== undefined && num(s.selector, 0xffffn) === undefined) return ZX_ERR_INVALID_ARGS;
    if (s.base !== undefined && num(s.base, U64) === undefined) return ZX_ERR_INVALID_ARGS;
    if (s.limit !== undefined && num(s.limit, U32) === undefined) return ZX_ERR_INVALID_ARGS;
    if (s.access_rights !== undefined && num(s.access_rights, 0x1ffffn) === undefined) return ZX_ERR_INVALID_ARGS;
  }
  for (const d of [p.gdtr, p.idtr]) {
    if (d === undefined) continue;
    if (typeof d !== "object" || d === null) return ZX_ERR_INVALID_ARGS;
    if (d.base !== undefined && num(d.base, U64) === undefined) return ZX_ERR_INVALID_ARGS;
    if (d.limit !== undefined && num(d.limit, 0xffffn) === undefined) return ZX_ERR_INVALID_ARGS;
  }

  const cpu = vcpu.cpu;
  if (p.rip !== undefined) cpu.setRip(num(p.rip, U64)!);
  if (p.rflags !== undefined) cpu.setRflags(Number(num(p.rflags, U32)!) | 0x2);
  for (const [name, i] of SEGS) {
    const s = p[name];
    if (s === undefined) continue;
    const cur = cpu.getSegment(i);
    // Fields were validated as numbers or bigints; the CPU keeps selector, limit and access rights as numbers.
    cpu.setSegment(i, {
      selector: s.selector !== undefined ? Number(num(s.selector, 0xffffn)!) : cur.selector,
      base: s.base !== undefined ? num(s.base, U64)! : cur.base,
      limit: s.limit !== undefined ? Number(num(s.limit, U32)!) : cur.limit,
      accessRights: s.access_rights !== undefined ? Number(num(s.access_rights, 0x1ffffn)!) : cur.accessRights,
    });
  }
  if (p.gdtr?.base !== undefined) cpu.gdtrBase = num(p.gdtr.base, U64)!;
  if (p.gdtr?.limit !== undefined) cpu.gdtrLimit = Number(num(p.gdtr.limit, 0xffffn)!);
  if (p.idtr?.base !== undefined) cpu.idtrBase = num(p.idtr.base, U64)!;
  if (p.idtr?.limit !== undefined) cpu.idtrLimit = Number(num(p.idtr.limit, 0xffffn)!);
  if (p.cr2 !== undefined) cpu.cr2 = num(p.cr2, U64)!;
  if (p.cr3 !== undefined) cpu.cr3 = num(p.cr3, U64)!;
  if (p.cr4 !== undefined) {
    const v = Number(num(p.cr4, U32)!);
    cpu.cr4 = ((v & ~cpu.cr4Mask) | (cpu.cr4 & cpu.cr4Mask)) >>> 0;
  }
  if (p.efer !== undefined) cpu.efer = Number(num(p.efer, U32)!);
  if (p.cr0 !== undefined) {
    const v = Number(num(p.cr0, U32)!);
    cpu.cr0 = ((v | CR0_NE | CR0_ET) & ~(CR0_NW | CR0_CD)) >>> 0;
    cpu.cr0Shadow = v >>> 0;
  }
  if (p.cr0 !== undefined || p.efer !== undefined) {
    const lma = (cpu.efer & EFER_LME) !== 0 && (cpu.cr0 & CR0_PG) !== 0;
    cpu.efer = lma ? cpu.efer | EFER_LMA : cpu.efer & ~EFER_LMA;
  }
  return ZX_OK;
}

/** At most this many host breakpoints per VCPU. */
export const HVPLAY_MAX_BREAKPOINTS = 256;

/**
 * Replaces the VCPU's host breakpoints: zx_vcpu_resume returns ZX_ERR_STOP before executing an
 * instruction whose RIP is in `rips` (once: resuming executes it). Allowed while the VCPU runs
 * (like zx_vcpu_kick, from any thread); WRITE right.
 */
export function hvplay_vcpu_set_breakpoints(t: SyscallContext, handle: unknown, rips: unknown): number {
  const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_WRITE);
  if (typeof vcpu === "number") return vcpu;
  if (!Array.isArray(rips)) return ZX_ERR_INVALID_ARGS;
  if (rips.length > HVPLAY_MAX_BREAKPOINTS) return ZX_ERR_OUT_OF_RANGE;
  const values: bigint[] = [];
  for (const r of rips) {
    const v = u64(r);
    if (v === undefined) return ZX_ERR_INVALID_ARGS;
    values.push(v);
  }
  vcpu.cpu.clearHostBreakpoints();
  for (const v of values) vcpu.cpu.setHostBreakpoint(v, true);
  return ZX_OK;
}

export interface hvplay_mapping_t {
  /** Guest-physical address and size. */
  addr: number;
  size: number;
  vmo_koid: bigint;
  vmo_size: number;
  vmo_offset: number;
  /** ZX_VM_PERM_* bits. */
  perms: number;
}

export interface hvplay_trap_t {
  /** ZX_GUEST_TRAP_BELL / MEM / IO. */
  kind: number;
  addr: number;
  len: number;
  key: bigint;
  /** The port's koid (BELL traps); null for traps without one (MEM and IO traps are synchronous). */
  port_koid: bigint | null;
}

export interface hvplay_guest_description_t {
  status: number;
  /** The guest's koid, its mappings and its traps (when status is ZX_OK). */
  koid?: bigint;
  mappings?: hvplay_mapping_t[];
  traps?: hvplay_trap_t[];
}

function collectMappings(vmar: VmarObject, out: hvplay_mapping_t[]): void {
  for (const c of vmar.children) {
    if (c instanceof Mapping) {
      out.push({ addr: c.base, size: c.size, vmo_koid: c.vmo.koid, vmo_size: c.vmo.size, vmo_offset: c.vmoOffset, perms: c.perms });
    } else {
      collectMappings(c, out);
    }
  }
}

/**
 * The guest's physical address space as a debugger would show it: every mapping of its VMAR (and of
 * sub-VMARs), by guest-physical address, and every trap. Zircon has no call that lists these; a VMM
 * knows them because it made them. INSPECT right.
 */
export function hvplay_guest_describe(t: SyscallContext, handle: unknown): hvplay_guest_description_t {
  const guest = t.handles.getWithRights<GuestObject>(handle, ZX_OBJ_TYPE_GUEST, ZX_RIGHT_INSPECT);
  if (typeof guest === "number") return { status: guest };
  const mappings: hvplay_mapping_t[] = [];
  collectMappings(guest.vmar, mappings);
  const traps = guest.traps.all().map((trap) => ({
    kind: trap.kind,
    addr: trap.start,
    len: trap.end - trap.start,
    key: trap.key,
    port_koid: trap.port?.koid ?? null,
  }));
  return { status: ZX_OK, koid: guest.koid, mappings, traps };
}

/**
 * Instructions the VCPU has retired, readable while it runs (between slices: the kernel is
 * single-threaded), for live MIPS figures; and the RIP behind the last exit
 * (hvplay_vcpu_read_arch_state's last_exit_rip), so that a VMM logging every exit reads these two
 * without building the whole arch state. READ right, any thread.
 */
export function hvplay_vcpu_instructions_retired(t: SyscallContext, handle: unknown): { status: number; count?: bigint; last_exit_rip?: bigint | null } {
  const vcpu = t.handles.getWithRights<VcpuObject>(handle, ZX_OBJ_TYPE_VCPU, ZX_RIGHT_READ);
  if (typeof vcpu === "number") return { status: vcpu };
  return { status: ZX_OK, count: BigInt(vcpu.instructionsRetired), last_exit_rip: vcpu.lastExitRip };
}
