/**
 * VM-exit handling, after Zircon's `arch/x86/hypervisor/vmexit.cc`: one switch over the exit reason,
 * one small handle* function per reason (zircon-hypervisor.md §4.4). Each returns
 * - ZX_OK: handled in the kernel, re-enter the guest;
 * - ZX_ERR_NEXT: `vcpu.packet` holds a packet for user space (zx_vcpu_resume returns it);
 * - WAIT_HLT / WAIT_BELL: the VCPU must block (HLT; a BELL trap's packets all queued) — the run loop
 *   waits, then re-enters;
 * - any other status: zx_vcpu_resume fails with it.
 * The CPU leaves RIP on the exiting instruction; handlers advance it (`vcpu.advanceRip()`, which also
 * clears STI/MOV-SS blocking as Zircon's next_rip does) exactly where Zircon does.
 */
import {
  ACCESS_FETCH,
  ACCESS_WRITE,
  EXIT_CPUID,
  EXIT_CR_ACCESS,
  EXIT_EPT_VIOLATION,
  EXIT_HLT,
  EXIT_HOST_BREAKPOINT,
  EXIT_INTERRUPT_WINDOW,
  EXIT_IO,
  EXIT_PAUSE,
  EXIT_RDMSR,
  EXIT_TRIPLE_FAULT,
  EXIT_UNSUPPORTED_INSTRUCTION,
  EXIT_VMCALL,
  EXIT_WRMSR,
  EXIT_XSETBV,
  SEG_SS,
} from "../x86";
import {
  GUEST_PHYSICAL_ASPACE_SIZE,
  X86_MAX_INST_LEN,
  ZX_GUEST_TRAP_MEM,
  ZX_PKT_GUEST_VCPU_INTERRUPT,
  ZX_PKT_GUEST_VCPU_STARTUP,
  ZX_PKT_TYPE_GUEST_BELL,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_PKT_TYPE_GUEST_VCPU,
} from "./constants";
import { cpuid } from "./cpuid";
import { APIC_GP, APIC_INVALID, X2APIC_MSR_BASE, X2APIC_MSR_ICR, X2APIC_MSR_MAX } from "./local-apic";
import { handleRdmsr, handleWrmsr, writeKvmClockPairing } from "./msr";
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_INTERNAL,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NEXT,
  ZX_ERR_NOT_FOUND,
  ZX_ERR_NOT_SUPPORTED,
  ZX_ERR_OUT_OF_RANGE,
  ZX_ERR_STOP,
  ZX_OK,
} from "./status";
import type { VcpuObject } from "./objects/vcpu";

export const WAIT_HLT = 1;
export const WAIT_BELL = 2;

const RAX = 0, RCX = 1, RDX = 2, RBX = 3;
const X86_GP_FAULT = 13;
const CR0_PE = 0x1, CR0_ET = 0x10, CR0_NE = 0x20, CR0_NW = 0x20000000, CR0_CD = 0x40000000, CR0_PG = 0x80000000;
const CR4_OSXSAVE = 1 << 18;
const EFER_LME = 0x100, EFER_LMA = 0x400;
/** x87 | SSE: the XSAVE components src/x86 has state for. */
const HOST_XCR0 = 0x3;

export function handleExit(vcpu: VcpuObject, reason: number): number {
  switch (reason) {
    case EXIT_IO: return handleIo(vcpu);
    case EXIT_EPT_VIOLATION: return handleEptViolation(vcpu);
    case EXIT_CPUID: return handleCpuid(vcpu);
    case EXIT_HLT: return handleHlt(vcpu);
    case EXIT_RDMSR: return handleRdmsrExit(vcpu);
    case EXIT_WRMSR: return handleWrmsrExit(vcpu);
    case EXIT_CR_ACCESS: return handleCrAccess(vcpu);
    case EXIT_VMCALL: return handleVmcall(vcpu);
    case EXIT_PAUSE: return handlePause(vcpu);
    case EXIT_XSETBV: return handleXsetbv(vcpu);
    case EXIT_INTERRUPT_WINDOW: return handleInterruptWindow(vcpu);
    case EXIT_TRIPLE_FAULT:
      vcpu.kernel.log(`vcpu ${vcpu.koid}: triple fault at rip 0x${vcpu.cpu.getRip().toString(16)}`);
      return ZX_ERR_NOT_SUPPORTED;
    case EXIT_HOST_BREAKPOINT:
      // Playground extension (hvplay_vcpu_set_breakpoints): resume returns before the instruction.
      return ZX_ERR_STOP;
    case EXIT_UNSUPPORTED_INSTRUCTION:
    default:
      return ZX_ERR_NOT_SUPPORTED;
  }
}

/** IO instruction (§5.3): the IO trap's packet, RIP advanced; untrapped → NOT_FOUND, RIP kept. */
function handleIo(vcpu: VcpuObject): number {
  const e = vcpu.cpu.exit;
  if (e.string || e.rep) return ZX_ERR_NOT_SUPPORTED; // INS/OUTS and REP are refused before the lookup
  const trap = vcpu.guest.traps.findIo(e.port);
  if (!trap) return ZX_ERR_NOT_FOUND;
  vcpu.advanceRip();
  // The data bytes as numbers: EAX read as a number, no BigInt, no DataView.
  let u32 = 0;
  if (!e.input) {
    const low = vcpu.cpu.getRegister32(RAX);
    u32 = e.size >= 4 ? low >>> 0 : low & ((1 << (8 * e.size)) - 1);
  } else if (e.size === 4) {
    // Intel SDM Vol. 1 §3.4.1.1: a 32-bit result is zero-extended into the 64-bit register.
    vcpu.cpu.setRegister(RAX, 0n);
  }
  if (vcpu.reuseIoPacket) {
    // hvplay_vcpu_resume_nowait: the VCPU's one IO packet, filled in place (VcpuObject.ioPacket).
    const p = (vcpu.ioPacket ??= {
      key: 0n,
      type: ZX_PKT_TYPE_GUEST_IO,
      status: ZX_OK,
      guest_io: { port: 0, access_size: 1, input: false, u8: 0, u16: 0, u32: 0, data: new Uint8Array(4) },
    });
    p.key = trap.key;
    const io = p.guest_io;
    io.port = e.port;
    io.access_size = e.size;
    io.input = e.input;
    io.u8 = u32 & 0xff;
    io.u16 = u32 & 0xffff;
    io.u32 = u32;
    const data = io.data;
    data[0] = u32;
    data[1] = u32 >>> 8;
    data[2] = u32 >>> 16;
    data[3] = u32 >>> 24;
    vcpu.packet = p;
    return ZX_ERR_NEXT;
  }
  // zx_vcpu_resume: a packet of the caller's own, with a fresh 4-byte data array.
  const data = new Uint8Array(4);
  data[0] = u32;
  data[1] = u32 >>> 8;
  data[2] = u32 >>> 16;
  data[3] = u32 >>> 24;
  vcpu.packet = {
    key: trap.key,
    type: ZX_PKT_TYPE_GUEST_IO,
    status: ZX_OK,
    guest_io: { port: e.port, access_size: e.size, input: e.input, u8: u32 & 0xff, u16: u32 & 0xffff, u32, data },
  };
  return ZX_ERR_NEXT;
}

/** EPT violation (§5.1–5.5): MEM trap → packet; BELL write → port; else NOT_FOUND / OUT_OF_RANGE. */
function handleEptViolation(vcpu: VcpuObject): number {
  const e = vcpu.cpu.exit;
  const trap = vcpu.guest.traps.findMemory(e.gpa);
  if (trap) {
    if (trap.kind === ZX_GUEST_TRAP_MEM) {
      if (e.instructionLength > X86_MAX_INST_LEN) return ZX_ERR_INTERNAL;
      const len = e.instructionLength;
      const inst = new Uint8Array(15);
      inst.set(e.instructionBytes.subarray(0, len));
      const operandSize = vcpu.defaultOperandSize();
      vcpu.advanceRip();
      vcpu.packet = {
        key: trap.key,
        type: ZX_PKT_TYPE_GUEST_MEM,
        status: ZX_OK,
        guest_mem: { addr: BigInt(e.gpa), inst_len: len, inst_buf: inst, default_operand_size: operandSize },
      };
      return ZX_ERR_NEXT;
    }
    // BELL: RIP advances first, so after an error the next resume continues past the access.
    vcpu.advanceRip();
    if ((e.access & ACCESS_WRITE) === 0) return ZX_ERR_NOT_SUPPORTED;
    vcpu.pendingBell = { trap, packet: { key: trap.key, type: ZX_PKT_TYPE_GUEST_BELL, status: ZX_OK, guest_bell: { addr: BigInt(e.gpa) } } };
    return deliverBell(vcpu);
  }
  if (e.gpa >= GUEST_PHYSICAL_ASPACE_SIZE) return ZX_ERR_OUT_OF_RANGE;
  // Playground deviation (§5.5): an access the mapping's permissions forbid is reported, not retried forever.
  if (vcpu.guest.physmem.permissions(e.gpa) !== 0) return ZX_ERR_ACCESS_DENIED;
  // As Zircon's kernel log says of an EPT violation it cannot resolve; the worker quotes it to explain the stop.
  const how = e.access & ACCESS_WRITE ? "write" : e.access & ACCESS_FETCH ? "fetch" : "read";
  vcpu.kernel.log(`vcpu ${vcpu.koid}: EPT violation at guest-physical 0x${e.gpa.toString(16)} (${how}), nothing mapped or trapped there, rip 0x${vcpu.cpu.getRip().toString(16)}`);
  return ZX_ERR_NOT_FOUND;
}

/** Queue the pending BELL packet on its trap's port: WAIT_BELL while the trap's 256 packets are all out. */
export function deliverBell(vcpu: VcpuObject): number {
  const pending = vcpu.pendingBell!;
  const { trap } = pending;
  if (!trap.pool.tryAcquire()) return WAIT_BELL;
  vcpu.pendingBell = null;
  const status = trap.port!.queueKernel(pending.packet, trap, () => trap.pool.release());
  if (status !== ZX_OK) trap.pool.release();
  return status;
}

function handleCpuid(vcpu: VcpuObject): number {
  const cpu = vcpu.cpu;
  const leaf = Number(cpu.getRegister(RAX) & 0xffffffffn);
  const subleaf = Number(cpu.getRegister(RCX) & 0xffffffffn);
  const [a, b, c, d] = cpuid(leaf, subleaf, vcpu.vpid);
  cpu.setRegister(RAX, BigInt(a));
  cpu.setRegister(RBX, BigInt(b));
  cpu.setRegister(RCX, BigInt(c));
  cpu.setRegister(RDX, BigInt(d));
  vcpu.advanceRip();
  return ZX_OK;
}

/** HLT: RIP advanced, then block until any vector is pending or a kick (§4.3). */
function handleHlt(vcpu: VcpuObject): number {
  vcpu.advanceRip();
  return WAIT_HLT;
}

function handlePause(vcpu: VcpuObject): number {
  vcpu.advanceRip();
  return ZX_OK;
}

function handleInterruptWindow(vcpu: VcpuObject): number {
  vcpu.cpu.interruptWindowExiting = false;
  return ZX_OK;
}

/**
 * MOV to CR0 (§4.2). Only CR0 writes are emulated; any other CR exit (CR4.VMXE) is NOT_SUPPORTED.
 * Intel SDM Vol. 3A §2.5: CD = 0 with NW = 1 is invalid → #GP(0). Zircon's quirk: RIP is advanced
 * anyway, so the #GP frame points past the MOV.
 */
function handleCrAccess(vcpu: VcpuObject): number {
  const cpu = vcpu.cpu;
  const e = cpu.exit;
  if (e.cr !== 0) return ZX_ERR_NOT_SUPPORTED;
  const value = cpu.getRegister(e.gpr);
  if (value >> 32n !== 0n) return ZX_ERR_INVALID_ARGS;
  const v = Number(value);
  const withNe = (v | CR0_NE) >>> 0;
  // VMX with unrestricted guest: PE may be clear, but PG requires PE (Intel SDM Vol. 3C §26.3.1.1).
  if ((withNe & CR0_PG) !== 0 && (withNe & CR0_PE) === 0) return ZX_ERR_INVALID_ARGS;
  if ((v & CR0_CD) === 0 && (v & CR0_NW) !== 0) {
    vcpu.advanceRip();
    vcpu.apic.interrupt(X86_GP_FAULT);
    return ZX_OK;
  }
  cpu.cr0 = ((v | CR0_NE | CR0_ET) & ~(CR0_NW | CR0_CD)) >>> 0;
  cpu.cr0Shadow = v >>> 0;
  // Entering paging with EFER.LME set activates IA-32e mode (how an AP reaches long mode).
  if (cpu.efer & EFER_LME) cpu.efer = (v & CR0_PG) ? cpu.efer | EFER_LMA : cpu.efer & ~EFER_LMA;
  vcpu.advanceRip();
  return ZX_OK;
}

/** XSETBV (§4.4): validated in the kernel; a bad value fails resume, it is not a guest #GP. */
function handleXsetbv(vcpu: VcpuObject): number {
  const cpu = vcpu.cpu;
  if ((cpu.cr4 & CR4_OSXSAVE) === 0) return ZX_ERR_INVALID_ARGS;
  if ((cpu.getRegister(RCX) & 0xffffffffn) !== 0n) return ZX_ERR_INVALID_ARGS;
  const xcr0 = ((cpu.getRegister(RDX) & 0xffffffffn) << 32n) | (cpu.getRegister(RAX) & 0xffffffffn);
  if ((xcr0 & ~BigInt(HOST_XCR0)) !== 0n || (xcr0 & 1n) === 0n || ((xcr0 & 4n) !== 0n && (xcr0 & 2n) === 0n)) {
    return ZX_ERR_INVALID_ARGS;
  }
  cpu.xcr0 = Number(xcr0);
  vcpu.advanceRip();
  return ZX_OK;
}

/** VMCALL: KVM hypercall ABI (§4.7). Never fails the syscall; the result goes to RAX. */
const KVM_HC_CLOCK_PAIRING = 9n;
const KVM_ENOSYS = -1000n, KVM_EPERM = -1n;
function handleVmcall(vcpu: VcpuObject): number {
  const cpu = vcpu.cpu;
  const cpl = (cpu.getSegment(SEG_SS).accessRights >>> 5) & 3;
  let result: bigint;
  if (cpl !== 0) result = KVM_EPERM;
  else if (cpu.getRegister(RAX) === KVM_HC_CLOCK_PAIRING) result = writeKvmClockPairing(vcpu, cpu.getRegister(RBX), cpu.getRegister(RCX));
  else result = KVM_ENOSYS;
  cpu.setRegister(RAX, BigInt.asUintN(64, result));
  vcpu.advanceRip();
  return ZX_OK;
}

function handleRdmsrExit(vcpu: VcpuObject): number {
  const cpu = vcpu.cpu;
  const msr = Number(cpu.getRegister(RCX) & 0xffffffffn);
  let value: bigint | typeof APIC_GP;
  if (msr >= X2APIC_MSR_BASE && msr <= X2APIC_MSR_MAX) value = vcpu.apic.read(msr);
  else value = handleRdmsr(vcpu, msr);
  if (value === APIC_GP) {
    vcpu.apic.interrupt(X86_GP_FAULT); // RIP not advanced: the #GP frame points at the RDMSR
    return ZX_OK;
  }
  cpu.setRegister(RAX, value & 0xffffffffn);
  cpu.setRegister(RDX, (value >> 32n) & 0xffffffffn);
  vcpu.advanceRip();
  return ZX_OK;
}

function handleWrmsrExit(vcpu: VcpuObject): number {
  const cpu = vcpu.cpu;
  const msr = Number(cpu.getRegister(RCX) & 0xffffffffn);
  const value = ((cpu.getRegister(RDX) & 0xffffffffn) << 32n) | (cpu.getRegister(RAX) & 0xffffffffn);
  let outcome: number;
  if (msr === X2APIC_MSR_ICR) return handleIpi(vcpu, value);
  if (msr >= X2APIC_MSR_BASE && msr <= X2APIC_MSR_MAX) outcome = vcpu.apic.write(msr, value);
  else outcome = handleWrmsr(vcpu, msr, value);
  if (outcome === APIC_GP) {
    vcpu.apic.interrupt(X86_GP_FAULT);
    return ZX_OK;
  }
  if (outcome === APIC_INVALID) return ZX_ERR_INVALID_ARGS;
  vcpu.advanceRip();
  return ZX_OK;
}

/**
 * x2APIC ICR write (§4.3): an IPI becomes a GUEST_VCPU packet for the VMM to forward.
 * EDX = destination, EAX = vector 7:0, delivery mode 10:8, destination mode 11, shorthand 19:18.
 * NMI delivery is E3 behaviour, adopted here (see extensions.md); E2 refused it.
 */
function handleIpi(vcpu: VcpuObject, icr: bigint): number {
  const eax = Number(icr & 0xffffffffn);
  const dest = Number(icr >> 32n);
  if (eax & (1 << 11)) return ZX_ERR_NOT_SUPPORTED; // logical destination mode
  const self = BigInt(vcpu.apic.id);
  const ALL = (1n << 64n) - 1n;
  let mask: bigint;
  switch ((eax >>> 18) & 3) {
    case 0: mask = dest === 0xffffffff ? ALL : dest >= 64 ? 0n : 1n << BigInt(dest); break;
    case 1: mask = 1n << self; break;
    case 2: mask = ALL; break;
    default: mask = ALL & ~(1n << self); break;
  }
  const packet = (guest_vcpu: NonNullable<VcpuObject["packet"]>["guest_vcpu"]) => {
    vcpu.packet = { key: 0n, type: ZX_PKT_TYPE_GUEST_VCPU, status: ZX_OK, guest_vcpu };
  };
  switch ((eax >>> 8) & 7) {
    case 0: // fixed
      packet({ type: ZX_PKT_GUEST_VCPU_INTERRUPT, interrupt: { mask, vector: eax & 0xff } });
      vcpu.advanceRip();
      return ZX_ERR_NEXT;
    case 4: // NMI: never to the sender itself
      packet({ type: ZX_PKT_GUEST_VCPU_INTERRUPT, interrupt: { mask: mask & ~(1n << self), vector: 2 } });
      vcpu.advanceRip();
      return ZX_ERR_NEXT;
    case 5: // INIT: ignored
      vcpu.advanceRip();
      return ZX_OK;
    case 6: // STARTUP
      packet({ type: ZX_PKT_GUEST_VCPU_STARTUP, startup: { id: BigInt(dest), entry: BigInt((eax & 0xff) << 12) } });
      vcpu.advanceRip();
      return ZX_ERR_NEXT;
    default:
      return ZX_ERR_NOT_SUPPORTED;
  }
}
