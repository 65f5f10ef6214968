/**
 * MSRs the CPU does not implement natively exit here (`vmexit.cc` handle_rdmsr / handle_wrmsr;
 * zircon-hypervisor.md §4.5). The x2APIC range lives in local-apic.ts. An MSR not listed is a #GP
 * injected into the guest, RIP not advanced.
 */
import { APIC_GP, APIC_INVALID } from "./local-apic";
import type { VcpuObject } from "./objects/vcpu";

const IA32_TSC = 0x10;
const IA32_PLATFORM_ID = 0x17;
const IA32_APIC_BASE = 0x1b;
const IA32_SMI_COUNT = 0x34;
const IA32_SPEC_CTRL = 0x48;
const IA32_PRED_CMD = 0x49;
const IA32_BIOS_SIGN_ID = 0x8b;
const IA32_MTRRCAP = 0xfe;
const IA32_MCG_CAP = 0x179;
const IA32_MCG_STATUS = 0x17a;
const IA32_MISC_ENABLE = 0x1a0;
const IA32_TEMPERATURE_TARGET = 0x1a2;
const IA32_MTRR_DEF_TYPE = 0x2ff;
const IA32_TSC_DEADLINE = 0x6e0;
const IA32_CSTAR = 0xc0000083;
const MSR_RAPL_POWER_UNIT = 0x606;
const MSR_PKG_ENERGY_STATUS = 0x611;
const MSR_DRAM_POWER_LIMIT = 0x618;
const MSR_DRAM_ENERGY_STATUS = 0x619;
const MSR_PP0_POWER_LIMIT = 0x638;
const MSR_PP0_ENERGY_STATUS = 0x639;
const MSR_PP1_POWER_LIMIT = 0x640;
const MSR_PP1_ENERGY_STATUS = 0x641;
const MSR_PLATFORM_ENERGY_COUNTER = 0x64d;
const MSR_PPERF = 0x64e;
const MSR_PLATFORM_POWER_LIMIT = 0x65c;
// KVM paravirtual clock (arch/x86/pv.h).
const MSR_KVM_WALL_CLOCK_OLD = 0x11;
const MSR_KVM_SYSTEM_TIME_OLD = 0x12;
const MSR_KVM_WALL_CLOCK_NEW = 0x4b564d00;
const MSR_KVM_SYSTEM_TIME_NEW = 0x4b564d01;

/** x2APIC at the architectural base, enabled in x2APIC mode (bits 10 and 11); bit 8 = BSP. */
const APIC_BASE_X2APIC = 0xfee00c00n;
const APIC_BASE_BSP = 0x100n;

const isMtrr = (msr: number) =>
  (msr >= 0x200 && msr <= 0x213) || msr === 0x250 || msr === 0x258 || msr === 0x259 || (msr >= 0x268 && msr <= 0x26f) ||
  msr === IA32_MTRR_DEF_TYPE;

const READ_AS_ZERO = new Set([
  MSR_DRAM_ENERGY_STATUS, MSR_DRAM_POWER_LIMIT, IA32_MTRRCAP, IA32_PLATFORM_ID, IA32_BIOS_SIGN_ID, IA32_MCG_CAP,
  IA32_MCG_STATUS, IA32_TEMPERATURE_TARGET, MSR_PKG_ENERGY_STATUS, MSR_PLATFORM_ENERGY_COUNTER,
  MSR_PLATFORM_POWER_LIMIT, MSR_PP0_ENERGY_STATUS, MSR_PP0_POWER_LIMIT, MSR_PP1_ENERGY_STATUS, MSR_PP1_POWER_LIMIT,
  MSR_RAPL_POWER_UNIT, MSR_PPERF, IA32_SMI_COUNT,
]);

const WRITE_IGNORED = new Set([
  IA32_BIOS_SIGN_ID, MSR_DRAM_POWER_LIMIT, MSR_PP0_POWER_LIMIT, MSR_PP1_POWER_LIMIT, MSR_PLATFORM_POWER_LIMIT,
  IA32_SPEC_CTRL, IA32_PRED_CMD, IA32_CSTAR,
]);

export function handleRdmsr(vcpu: VcpuObject, msr: number): bigint | typeof APIC_GP {
  if (msr === IA32_APIC_BASE) return APIC_BASE_X2APIC | (vcpu.vpid === 1 ? APIC_BASE_BSP : 0n);
  // Host MISC_ENABLE & 1 (fast strings): the synthetic host has fast strings enabled.
  if (msr === IA32_MISC_ENABLE) return 1n;
  if (READ_AS_ZERO.has(msr) || isMtrr(msr)) return 0n;
  return APIC_GP;
}

/** Returns 0 (done, RIP advanced), APIC_GP (#GP) or APIC_INVALID (resume fails INVALID_ARGS). */
export function handleWrmsr(vcpu: VcpuObject, msr: number, value: bigint): number {
  if (msr === IA32_APIC_BASE) return (value & ~APIC_BASE_BSP) === APIC_BASE_X2APIC ? 0 : APIC_INVALID;
  if (WRITE_IGNORED.has(msr) || isMtrr(msr)) return 0;
  if (msr === IA32_TSC_DEADLINE) return vcpu.apic.writeTscDeadline(value, tscOf(vcpu)) ? 0 : APIC_INVALID;
  if (msr === MSR_KVM_WALL_CLOCK_OLD || msr === MSR_KVM_WALL_CLOCK_NEW) {
    writeWallClock(vcpu, value);
    return 0;
  }
  if (msr === MSR_KVM_SYSTEM_TIME_OLD || msr === MSR_KVM_SYSTEM_TIME_NEW) {
    vcpu.pvclockGpa = (value & 1n) !== 0n ? Number(value & ~1n) : -1;
    vcpu.pvclockVersion = 0;
    updatePvClock(vcpu);
    return 0;
  }
  return APIC_GP;
}

/** The VCPU's TSC (1 GHz): the CPU's own IA32_TSC if it has one, else the kernel clock. */
export function tscOf(vcpu: VcpuObject): bigint {
  return vcpu.cpu.readMsr(IA32_TSC) ?? vcpu.kernel.clock.now();
}

/** struct pvclock_wall_clock { u32 version; u32 sec; u32 nsec; } at `gpa`. Boot time = clock origin. */
function writeWallClock(vcpu: VcpuObject, gpa: bigint): void {
  const b = new Uint8Array(12); // version 0, sec 0, nsec 0: the guest's wall clock starts at its boot
  vcpu.guest.physmem.writeBytes(Number(gpa), b);
}

/** The pvclock record as updatePvClock writes it, built here and copied into the guest (every entry). */
const pvclockRecord = new Uint8Array(32);
const pvclockView = new DataView(pvclockRecord.buffer);

/**
 * struct pvclock_vcpu_time_info (32 B) at the registered GPA, refreshed before each entry:
 * version @0, tsc_timestamp @8, system_time @16, tsc_to_system_mul @24, tsc_shift @28, flags @29.
 * TSC = 1 GHz, so system_time = tsc: mul 2^31 with shift 1 gives ((tsc << 1) * 2^31) >> 32 = tsc.
 */
export function updatePvClock(vcpu: VcpuObject): void {
  if (vcpu.pvclockGpa < 0) return;
  const b = pvclockRecord;
  const dv = pvclockView;
  b.fill(0);
  vcpu.pvclockVersion += 2;
  dv.setUint32(0, vcpu.pvclockVersion, true);
  dv.setBigUint64(8, tscOf(vcpu), true);
  dv.setBigUint64(16, vcpu.kernel.clock.now(), true);
  dv.setUint32(24, 0x80000000, true);
  dv.setInt8(28, 1);
  vcpu.guest.physmem.writeBytes(vcpu.pvclockGpa, b);
}

/**
 * KVM_HC_CLOCK_PAIRING: struct kvm_clock_pairing { s64 sec; s64 nsec; u64 tsc; u32 flags; u32 pad[9]; }
 * at `gpa`. Clock type must be KVM_CLOCK_PAIRING_WALLCLOCK (0), else -KVM_EOPNOTSUPP; a bad GPA is -KVM_EFAULT.
 */
export function writeKvmClockPairing(vcpu: VcpuObject, gpa: bigint, clockType: bigint): bigint {
  if (clockType !== 0n) return -95n;
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  const now = vcpu.kernel.clock.now();
  dv.setBigInt64(0, now / 1_000_000_000n, true);
  dv.setBigInt64(8, now % 1_000_000_000n, true);
  dv.setBigUint64(16, tscOf(vcpu), true);
  if (gpa >= 2n ** 48n || !vcpu.guest.physmem.writeBytes(Number(gpa), b)) return -14n;
  return 0n;
}
