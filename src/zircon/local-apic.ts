/**
 * A VCPU's local APIC as Zircon emulates it (`arch/x86/hypervisor/vmexit.cc` handle_x2apic_*,
 * `local_apic_state`; zircon-hypervisor.md §4.3): the pending-vector bitmap, the x2APIC MSR interface
 * (0x800–0x83F) minus the ICR (which vmexit.ts turns into packets), and the APIC timer.
 *
 * Time: the TSC runs at 1 GHz, so one TSC tick is one ns of the kernel clock.
 */
import type { Clock } from "./clock";
import { InterruptBitmap } from "./interrupt-bitmap";

export const X2APIC_MSR_BASE = 0x800;
export const X2APIC_MSR_MAX = 0x83f;
export const X2APIC_MSR_ID = 0x802;
export const X2APIC_MSR_VERSION = 0x803;
export const X2APIC_MSR_TPR = 0x808;
export const X2APIC_MSR_EOI = 0x80b;
export const X2APIC_MSR_LDR = 0x80d;
export const X2APIC_MSR_SVR = 0x80f;
export const X2APIC_MSR_ISR0 = 0x810;
export const X2APIC_MSR_TMR0 = 0x818;
export const X2APIC_MSR_IRR0 = 0x820;
export const X2APIC_MSR_ESR = 0x828;
export const X2APIC_MSR_LVT_CMCI = 0x82f;
export const X2APIC_MSR_ICR = 0x830;
export const X2APIC_MSR_LVT_TIMER = 0x832;
export const X2APIC_MSR_LVT_THERMAL = 0x833;
export const X2APIC_MSR_LVT_MONITOR = 0x834;
export const X2APIC_MSR_LVT_LINT0 = 0x835;
export const X2APIC_MSR_LVT_LINT1 = 0x836;
export const X2APIC_MSR_LVT_ERROR = 0x837;
export const X2APIC_MSR_INITIAL_COUNT = 0x838;
export const X2APIC_MSR_CURRENT_COUNT = 0x839;
export const X2APIC_MSR_DCR = 0x83e;
export const X2APIC_MSR_SELF_IPI = 0x83f;

/** Version 0x15, max LVT entry 6, no EOI-broadcast suppression. */
const APIC_VERSION = 0x60015;
const LVT_MASKED = 1 << 16;
const TIMER_ONE_SHOT = 0;
const TIMER_PERIODIC = 1;
const TIMER_TSC_DEADLINE = 2;

/** Outcome of an x2APIC MSR access (besides plain success). */
export const APIC_GP = 1;
export const APIC_INVALID = 2;

export class LocalApic {
  readonly pending = new InterruptBitmap();
  lvtTimer = LVT_MASKED;
  initialCount = 0;
  divideConfig = 0;
  private timerId = 0;
  /** Called whenever a vector becomes pending (wakes a halted VCPU). */
  onPending: () => void = () => {};

  constructor(
    private readonly clock: Clock,
    /** APIC ID = VPID − 1. */
    readonly id: number,
  ) {}

  /** Make `vector` pending (zx_vcpu_interrupt, SELF_IPI, the timer, a #GP the kernel injects). */
  interrupt(vector: number): void {
    this.pending.set(vector);
    this.onPending();
  }

  private get timerMode(): number {
    return (this.lvtTimer >>> 17) & 3;
  }

  /** RDMSR of an x2APIC register: the value, or APIC_GP (#GP, RIP not advanced). */
  read(msr: number): bigint | typeof APIC_GP {
    switch (msr) {
      case X2APIC_MSR_ID: return BigInt(this.id);
      case X2APIC_MSR_VERSION: return BigInt(APIC_VERSION);
      case X2APIC_MSR_SVR: return 0xffn;
      case X2APIC_MSR_TPR: case X2APIC_MSR_LDR: case X2APIC_MSR_ESR: case X2APIC_MSR_LVT_MONITOR:
        return 0n;
      case X2APIC_MSR_LVT_LINT0: case X2APIC_MSR_LVT_LINT1: case X2APIC_MSR_LVT_THERMAL: case X2APIC_MSR_LVT_CMCI:
        return BigInt(LVT_MASKED);
      case X2APIC_MSR_LVT_TIMER: return BigInt(this.lvtTimer);
    }
    if (msr >= X2APIC_MSR_ISR0 && msr < X2APIC_MSR_IRR0 + 8) return 0n; // ISR, TMR, IRR
    return APIC_GP;
  }

  /**
   * WRMSR of an x2APIC register other than the ICR. Returns 0 (done), APIC_GP (#GP) or APIC_INVALID
   * (zx_vcpu_resume fails with ZX_ERR_INVALID_ARGS: a reserved timer mode).
   */
  write(msr: number, value: bigint): number {
    const eax = Number(value & 0xffffffffn);
    if (value >> 32n !== 0n) return APIC_GP;
    switch (msr) {
      case X2APIC_MSR_EOI: case X2APIC_MSR_ESR:
        return eax === 0 ? 0 : APIC_GP;
      case X2APIC_MSR_TPR: case X2APIC_MSR_SVR: case X2APIC_MSR_LVT_MONITOR: case X2APIC_MSR_LVT_ERROR:
      case X2APIC_MSR_LVT_LINT0: case X2APIC_MSR_LVT_LINT1: case X2APIC_MSR_LVT_THERMAL: case X2APIC_MSR_LVT_CMCI:
        return 0;
      case X2APIC_MSR_LVT_TIMER:
        if (((eax >>> 17) & 3) === 3) return APIC_INVALID;
        this.lvtTimer = eax;
        this.armCountTimer();
        return 0;
      case X2APIC_MSR_INITIAL_COUNT:
        this.initialCount = eax;
        this.armCountTimer();
        return 0;
      case X2APIC_MSR_DCR:
        this.divideConfig = eax;
        this.armCountTimer();
        return 0;
      case X2APIC_MSR_SELF_IPI:
        this.interrupt(eax & 0xff);
        return 0;
    }
    return APIC_GP;
  }

  /**
   * WRMSR IA32_TSC_DEADLINE. `tscNow` is the VCPU's TSC at the write; deadline 0 disarms. Returns false
   * when the LVT timer is not in TSC-deadline mode (zx_vcpu_resume → ZX_ERR_INVALID_ARGS).
   */
  writeTscDeadline(deadline: bigint, tscNow: bigint): boolean {
    if (this.timerMode !== TIMER_TSC_DEADLINE) return false;
    this.cancelTimer();
    if (deadline === 0n) return true;
    const delta = deadline > tscNow ? Number(deadline - tscNow) : 0;
    this.startTimer(this.clock.nowNs() + delta, 0);
    return true;
  }

  /** (Re)arm the one-shot/periodic timer from the current registers; always cancels the old one. */
  private armCountTimer(): void {
    this.cancelTimer();
    const mode = this.timerMode;
    if (mode !== TIMER_ONE_SHOT && mode !== TIMER_PERIODIC) return; // TSC-deadline waits for 0x6E0
    // Divide value: DCR bits 0,1,3 → shift = ((bits 1:0 | bit 3 << 2) + 1) & 7 (÷2 … ÷128, 7 → ÷1).
    const shift = (((this.divideConfig & 3) | ((this.divideConfig >>> 1) & 4)) + 1) & 7;
    const interval = this.initialCount * 2 ** shift;
    // Zircon quirk kept: a count of 0 fires at once. A periodic timer with a zero interval then stops
    // (re-arming every 0 ns would never let time move).
    this.startTimer(this.clock.nowNs() + interval, mode === TIMER_PERIODIC ? interval : 0);
  }

  private startTimer(deadline: number, period: number): void {
    this.timerId = this.clock.schedule(deadline, () => {
      this.timerId = 0;
      if (this.lvtTimer & LVT_MASKED) return; // a masked expiry is swallowed; a masked periodic timer stops
      if (period > 0) this.startTimer(deadline + period, period);
      this.interrupt(this.lvtTimer & 0xff);
    });
  }

  cancelTimer(): void {
    if (this.timerId) this.clock.cancel(this.timerId);
    this.timerId = 0;
  }
}
