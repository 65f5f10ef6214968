import { readByteLanes, writeByteLanes } from "./byte-lanes";
import type { DeviceClock } from "./device-clock";
import type { IoHandler, IrqLine } from "./io-handler";

/**
 * The 8254 programmable interval timer (Intel 8254 datasheet, order 231164; "8254" below) as a PC
 * wires it: ports 0x40-0x43 (offsets 0-2 the counters, 3 the control word), CLK = 1.193182 MHz on all
 * three counters, counter 0's OUT on IRQ 0, counter 1 for DRAM refresh (unconnected here), counter 2's
 * GATE and OUT on port 0x61 (see system-ports.ts).
 *
 * Nothing runs per clock. Each counter keeps a "run": the CLK pulse at which its counting element
 * (CE) was loaded and how it evolves, so the CE and OUT at any pulse are computed from
 * `clock.now()` when the guest looks. Only counter 0 schedules anything: one callback at its next
 * OUT edge, since that edge is an interrupt. Timing follows the datasheet's pulse counting (a count
 * written now is loaded into the CE on the next CLK pulse, so mode 0's OUT rises N+1 pulses after the
 * write); QEMU's hw/timer/i8254.c, which counts from the write itself, is the oracle only where the
 * datasheet is silent (reset state, reads of the control port, access splitting).
 */

/** The PC's PIT input clock (8254 CLK pins, 14.31818 MHz / 12). */
export const PIT_HZ = 1_193_182;
const NS_PER_S = 1_000_000_000;

/** CLK pulses in (0, ns]: pulse k occurs at the first ns with k·1e9 ≤ ns·PIT_HZ. Exact for ns < 2^53. */
export function pitPulsesAt(ns: number): number {
  const s = Math.floor(ns / NS_PER_S);
  const r = ns - s * NS_PER_S;
  return s * PIT_HZ + Math.floor((r * PIT_HZ) / NS_PER_S);
}

/** The time (ns) of CLK pulse k: the smallest ns with pitPulsesAt(ns) ≥ k. */
export function pitPulseTime(k: number): number {
  const q = Math.floor(k / PIT_HZ);
  const m = k - q * PIT_HZ;
  return q * NS_PER_S + Math.ceil((m * NS_PER_S) / PIT_HZ);
}

function toBcd(v: number): number {
  const d = (n: number) => Math.floor(v / n) % 10;
  return (d(1000) << 12) | (d(100) << 8) | (d(10) << 4) | d(1);
}
function fromBcd(v: number): number {
  return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

/** Read/write access modes (control word RW1:RW0, 8254 Figure 8). */
const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD = 3;

/** One of the three counters. Pulse indices are absolute (pitPulsesAt). */
class PitCounter {
  /** Control word bits 5:0 as written (RW1 RW0 M2 M1 M0 BCD): the read-back status reports them verbatim. */
  control = 0;
  mode = 0;
  bcd = false;
  rw = RW_WORD;
  /** 65536 in binary, 10000 in BCD: the count a written 0 stands for (8254 "Counter Register"). */
  modulus = 0x10000;
  gate = true;

  private writeMsbNext = false;
  private writeLsb = 0;
  private readMsbNext = false;
  /** Output latch (counter latch command): 0 none, else the access mode it is read with; 4 = MSB after LSB. */
  private latchState = 0;
  private latchedValue = 0;
  private statusLatched = false;
  private statusValue = 0;

  /** The count register (binary value; 0 stands for `modulus`). */
  cr = 0;
  crValid = false;

  /** A run: the CE was (or will be) loaded at pulse `runStart`. Before it, or when not running, CE/OUT are static. */
  running = false;
  runStart = 0;
  /** Pulses not counted while GATE was low (`lost`), and the count position while it is (`frozenK`). */
  private lost = 0;
  private frozenK = 0;
  /** Mode 4: the pulse at which GATE last fell, and whether the strobe pulse passed while counting was stopped. */
  private gateFall = 0;
  private strobeSpent = false;
  /** Modes 0, 1, 4, 5: the effective count loaded at runStart. Mode 2: the CE value (1..modulus) at runStart. */
  private runCe = 0;
  /** Modes 2 and 3: the effective count reloaded at the end of each period (half-period in mode 3). */
  private reload = 0;
  /** Mode 3: position in the current period at runStart, and that period's count. */
  private pos0 = 0;
  private m3Cur = 0;
  staticCe = 0;
  staticOut = true;
  /** NULL COUNT (8254 "Read-Back Command", Figure 20) is 1 at pulses before this one. */
  private nullUntil = Infinity;

  /** Results of evaluate() (fields, so evaluation allocates nothing). */
  evCe = 0;
  evOut = true;
  private m3Pos = 0;
  private m3M = 0;

  private eff(v: number): number {
    return v === 0 ? this.modulus : v;
  }

  private wrap(x: number): number {
    const m = this.modulus;
    return ((x % m) + m) % m;
  }

  /**
   * GATE low disables counting in modes 0, 2, 3 and 4 (8254 Figure 27, "Gate Pin Operations
   * Summary"). In modes 2 and 3 a falling GATE ends the run (OUT is forced high), so a run is gated
   * there only when its first count was written while GATE was already low: it is loaded, not counting.
   */
  private gated(): boolean {
    return !this.gate && this.mode !== 1 && this.mode !== 5;
  }

  /** Counted pulses since the load at pulse p (p ≥ runStart). */
  private kAt(p: number): number {
    return this.gated() ? this.frozenK : p - this.runStart - this.lost;
  }

  private toPulse(k: number): number {
    return this.runStart + this.lost + k;
  }

  /** Mode 2: the CE value (1..modulus) k pulses after runStart. It counts down to 1, then reloads. */
  private m2Value(k: number): number {
    if (k < this.runCe) return this.runCe - k;
    return this.reload - ((k - this.runCe) % this.reload);
  }

  /** Mode 3: position and period count k pulses after runStart (a new count takes effect at a half-period end). */
  private m3At(k: number): void {
    const cur = this.m3Cur;
    const h0 = (cur + 1) >> 1;
    const r = this.pos0 < h0 ? h0 - this.pos0 : cur - this.pos0;
    if (k < r) {
      this.m3Pos = this.pos0 + k;
      this.m3M = cur;
      return;
    }
    const j = k - r;
    const m = this.reload;
    this.m3Pos = this.pos0 < h0 ? (((m + 1) >> 1) + j) % m : j % m;
    this.m3M = m;
  }

  /**
   * Mode 3 (8254 "Mode 3: Square Wave Mode"): OUT is high for ⌈N/2⌉ pulses and low for ⌊N/2⌋. Even N:
   * the CE is loaded with N and decremented by two each pulse. Odd N: it is loaded with N−1, and in the
   * high half OUT changes one pulse after the count expires. This gives the CE values read back.
   */
  private m3Value(pos: number, m: number): number {
    const h = (m + 1) >> 1;
    const base = m & 1 ? m - 1 : m;
    return pos < h ? base - 2 * pos : base - 2 * (pos - h);
  }

  /** CE and OUT at pulse p (p ≥ the last event's pulse), into evCe/evOut. */
  evaluate(p: number): void {
    if (!this.running || p < this.runStart) {
      this.evCe = this.staticCe;
      this.evOut = this.staticOut;
      return;
    }
    const k = this.kAt(p);
    switch (this.mode) {
      case 0: // interrupt on terminal count: OUT rises when the CE reaches 0 and stays high
      case 1: // one-shot: OUT low from the load until terminal count
        this.evCe = this.wrap(this.runCe - k);
        this.evOut = k >= this.runCe;
        return;
      case 4: // software / hardware triggered strobe: OUT low for the one pulse at which the CE is 0
      case 5: {
        this.evCe = this.wrap(this.runCe - k);
        // The strobe lasts one CLK pulse even if GATE stops the count on it ("GATE has no effect on OUT").
        const strobe = k === this.runCe && !this.strobeSpent && !(this.gated() && p > this.gateFall);
        this.evOut = !strobe;
        return;
      }
      case 2: {
        // rate generator: OUT low for the pulse at which the CE is 1
        const v = this.m2Value(k);
        this.evCe = this.wrap(v);
        this.evOut = v !== 1;
        return;
      }
      default: {
        this.m3At(k);
        this.evCe = this.wrap(this.m3Value(this.m3Pos, this.m3M));
        this.evOut = this.m3Pos < (this.m3M + 1) >> 1;
      }
    }
  }

  /** The first pulse after p at which OUT differs from OUT at p; Infinity if it never changes. */
  nextChange(p: number): number {
    if (!this.running) return Infinity;
    if (p < this.runStart) {
      const before = this.staticOut;
      this.evaluate(this.runStart);
      if (this.evOut !== before) return this.runStart;
      p = this.runStart;
    }
    const k = this.kAt(p);
    if (this.gated()) {
      // Only a strobe caught by the falling GATE still ends (one pulse later).
      this.evaluate(p);
      return this.mode === 4 && !this.evOut ? p + 1 : Infinity;
    }
    switch (this.mode) {
      case 0:
      case 1:
        return k < this.runCe ? this.toPulse(this.runCe) : Infinity;
      case 4:
      case 5:
        if (this.strobeSpent) return Infinity;
        if (k < this.runCe) return this.toPulse(this.runCe);
        return k === this.runCe ? this.toPulse(k + 1) : Infinity;
      case 2: {
        const k1 = this.runCe - 1; // first pulse with CE = 1
        if (k < k1) return this.toPulse(k1);
        if (this.reload === 1) return Infinity; // CE stays 1 (a count of 1 is illegal in mode 2)
        const base = k1 + Math.floor((k - k1) / this.reload) * this.reload;
        return this.toPulse(k === base ? base + 1 : base + this.reload);
      }
      default: {
        this.evaluate(p);
        const outNow = this.evOut;
        let kk = k;
        // Walk half-period boundaries; at most one period change, so a few steps settle it.
        for (let i = 0; i < 4; i++) {
          this.m3At(kk);
          const h = (this.m3M + 1) >> 1;
          kk += this.m3Pos < h ? h - this.m3Pos : this.m3M - this.m3Pos;
          this.m3At(kk);
          if (this.m3Pos < (this.m3M + 1) >> 1 !== outNow) return this.toPulse(kk);
        }
        return Infinity;
      }
    }
  }

  nullCount(p: number): boolean {
    return p < this.nullUntil;
  }

  /** Ends any run at pulse p, keeping the CE value (and OUT, unless given). */
  private stop(p: number, out?: boolean): void {
    this.evaluate(p);
    this.staticCe = this.evCe;
    this.staticOut = out ?? this.evOut;
    this.running = false;
  }

  /** Starts a run whose load happens at the next pulse, with the count register. */
  private startRun(p: number): void {
    this.running = true;
    this.runStart = p + 1;
    this.lost = 0;
    this.frozenK = 0;
    this.strobeSpent = false;
    const n = this.eff(this.cr);
    this.runCe = n;
    this.reload = n;
    this.pos0 = 0;
    this.m3Cur = n;
    if (this.nullUntil > p + 1) this.nullUntil = p + 1;
  }

  /** A control word selecting this counter (8254 Figure 8), not a latch command. */
  program(p: number, cw: number): void {
    this.stop(p, ((cw >> 1) & 7) !== 0); // "OUT goes to a known initial state": low in mode 0, high otherwise
    this.control = cw & 0x3f;
    this.rw = (cw >> 4) & 3;
    const m = (cw >> 1) & 7;
    this.mode = m > 5 ? m - 4 : m; // modes 6 and 7 are modes 2 and 3 (8254 Figure 8, "X" = don't care)
    this.bcd = (cw & 1) !== 0;
    this.modulus = this.bcd ? 10000 : 0x10000;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.latchState = 0;
    this.statusLatched = false;
    this.crValid = false;
    this.nullUntil = Infinity;
  }

  /** A byte written to the counter's port. */
  writeByte(p: number, v: number): void {
    let value: number;
    if (this.rw === RW_LSB) value = v;
    else if (this.rw === RW_MSB) value = v << 8;
    else if (!this.writeMsbNext) {
      this.writeLsb = v;
      this.writeMsbNext = true;
      // Mode 0: "Writing the first byte disables counting. OUT is set low immediately" (8254 Mode 0).
      if (this.mode === 0) this.stop(p, false);
      return;
    } else {
      value = this.writeLsb | (v << 8);
      this.writeMsbNext = false;
    }
    this.loadCount(p, this.bcd ? fromBcd(value) : value);
  }

  /** A complete count written into the count register (8254 "Write Operations" and each mode's text). */
  private loadCount(p: number, value: number): void {
    const first = !this.crValid;
    this.cr = value;
    this.crValid = true;
    switch (this.mode) {
      case 0: // loaded on the next pulse; OUT low until terminal count
        this.stop(p, false);
        this.nullUntil = Infinity;
        this.startRun(p);
        return;
      case 4: // a new count restarts the strobe on the next pulse
        this.stop(p);
        this.nullUntil = Infinity;
        this.startRun(p);
        return;
      case 1: // armed; the count waits in CR for a GATE trigger
      case 5:
        this.nullUntil = Infinity;
        return;
      default: {
        // Modes 2 and 3: the first count after the control word loads on the next pulse (counting
        // only while GATE is high); a later count waits in CR until the end of the current period
        // (mode 2) or half-period (mode 3), or until the next GATE trigger if not counting.
        const n = this.eff(value);
        if (first) {
          this.stop(p);
          this.nullUntil = Infinity;
          this.startRun(p);
          return;
        }
        this.nullUntil = Infinity;
        if (!this.running) return; // stopped by GATE low: the next rising edge loads it
        if (p < this.runStart) {
          // The previous count has not reached the CE yet: the load takes this one instead.
          this.runCe = n;
          this.reload = n;
          this.m3Cur = n;
          this.nullUntil = this.runStart;
          return;
        }
        if (this.gated()) return; // loaded but never counted: waits for the GATE trigger
        const k = this.kAt(p);
        if (this.mode === 2) {
          const v = this.m2Value(k);
          this.runStart = p;
          this.runCe = v;
          this.nullUntil = p + v; // the pulse at which the CE reloads
        } else {
          this.m3At(k);
          const h = (this.m3M + 1) >> 1;
          this.nullUntil = p + (this.m3Pos < h ? h - this.m3Pos : this.m3M - this.m3Pos);
          this.runStart = p;
          this.pos0 = this.m3Pos;
          this.m3Cur = this.m3M;
        }
        this.lost = 0;
        this.reload = n;
      }
    }
  }

  /** GATE input (8254 Figure 27): sampled on CLK, so a change at pulse p affects pulses after p. */
  setGate(p: number, level: boolean): void {
    if (level === this.gate) return;
    const rising = level;
    switch (this.mode) {
      case 0:
      case 4:
        // Low disables counting, high enables it; OUT is unaffected.
        if (this.running) {
          const counted = p >= this.runStart ? p - this.runStart : 0;
          if (rising) {
            // A mode 4 strobe that ended while counting was stopped does not fire again.
            if (this.mode === 4 && this.frozenK === this.runCe && p > this.gateFall) this.strobeSpent = true;
            this.lost = counted - this.frozenK;
          } else {
            this.frozenK = counted - this.lost;
            this.gateFall = p;
          }
        }
        this.gate = level;
        return;
      case 1:
      case 5:
        this.gate = level;
        // A rising edge triggers: the CE is (re)loaded from CR on the next pulse.
        if (rising && this.crValid) {
          this.stop(p);
          this.startRun(p);
        }
        return;
      default:
        // Low disables counting and sets OUT high immediately; a rising edge reloads the CE with
        // the initial count on the next pulse. (Stop before GATE changes: the CE is the one counted so far.)
        this.stop(p, rising ? undefined : true);
        // A count still waiting for the period end now waits for the next trigger instead.
        if (!rising && this.nullUntil > p) this.nullUntil = Infinity;
        this.gate = level;
        if (rising && this.crValid) this.startRun(p);
    }
  }

  /** Counter latch command: the first latch holds until read; later ones are ignored (8254 "Counter Latch Command"). */
  latchCount(p: number): void {
    if (this.latchState !== 0) return;
    this.evaluate(p);
    this.latchedValue = this.bcd ? toBcd(this.evCe) : this.evCe;
    this.latchState = this.rw;
  }

  /** Status latch (read-back command): OUT, NULL COUNT and the programmed mode bits (8254 Figure 20). */
  latchStatus(p: number): void {
    if (this.statusLatched) return;
    this.evaluate(p);
    this.statusValue = (this.evOut ? 0x80 : 0) | (this.nullCount(p) ? 0x40 : 0) | this.control;
    this.statusLatched = true;
  }

  /** A read of the counter's port: a latched status first, then a latched count, else the live CE. */
  readByte(p: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.statusValue;
    }
    switch (this.latchState) {
      case RW_LSB:
        this.latchState = 0;
        return this.latchedValue & 0xff;
      case RW_MSB:
        this.latchState = 0;
        return (this.latchedValue >> 8) & 0xff;
      case RW_WORD:
        this.latchState = 4;
        return this.latchedValue & 0xff;
      case 4:
        this.latchState = 0;
        return (this.latchedValue >> 8) & 0xff;
    }
    this.evaluate(p);
    const count = this.bcd ? toBcd(this.evCe) : this.evCe;
    if (this.rw === RW_LSB) return count & 0xff;
    if (this.rw === RW_MSB) return (count >> 8) & 0xff;
    const msb = this.readMsbNext;
    this.readMsbNext = !msb;
    return msb ? (count >> 8) & 0xff : count & 0xff;
  }

  /** The state the PC BIOS leaves (QEMU's pit_reset_common): mode 3, LSB/MSB, count 0 (65536). */
  resetTo(p: number, gate: boolean, counting: boolean): void {
    this.gate = gate;
    this.program(p, 0x36);
    if (counting) this.loadCount(p, 0);
  }
}

export interface Pit8254Options {
  /**
   * Start counters 0 and 1 in mode 3 with count 65536, as QEMU's reset does (the 18.2 Hz IRQ 0 a
   * BIOS leaves running). When false, they wait with a mode 3 control word and no count (no IRQ 0
   * until the guest programs counter 0). Default true.
   */
  startCounters?: boolean;
}

/** The 8254 at ports 0x40-0x43. */
export class Pit8254 implements IoHandler {
  readonly name = "i8254 PIT";
  private readonly counters = [new PitCounter(), new PitCounter(), new PitCounter()];
  private irqLevel = false;
  private timerId = 0;
  private edgePulse = Infinity;
  private readonly readByteBound = (offset: number) => this.readByte(offset);
  private readonly writeByteBound = (offset: number, value: number) => this.writeByte(offset, value);
  private readonly onEdgeBound = () => this.onEdge();

  constructor(
    private readonly clock: DeviceClock,
    /**
     * Counter 0's OUT (ISA IRQ 0), driven from construction on: OUT is high after a mode 3 control
     * word, so the line is raised at once, as QEMU's pit_reset does.
     */
    private readonly irq0: IrqLine,
    options: Pit8254Options = {},
  ) {
    const p = this.pulse();
    const start = options.startCounters ?? true;
    // Counter 2's GATE comes from port 0x61 bit 0, low at reset; 0 and 1 are tied high on a PC.
    this.counters[0].resetTo(p, true, start);
    this.counters[1].resetTo(p, true, start);
    this.counters[2].resetTo(p, false, start);
    this.updateIrq0(p);
  }

  private pulse(): number {
    return pitPulsesAt(this.clock.now());
  }

  read(offset: number, size: number): number {
    return readByteLanes(this.readByteBound, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    writeByteLanes(this.writeByteBound, offset, size, value);
  }

  private readByte(offset: number): number {
    // The control port is write-only: A1A0 = 11 with RD is "No-Operation (3-State)" (8254 Table 1),
    // so the ISA bus floats. (QEMU returns 0 here.)
    if (offset < 0 || offset > 2) return 0xff;
    return this.counters[offset].readByte(this.pulse());
  }

  private writeByte(offset: number, v: number): void {
    if (offset < 0 || offset > 3) return;
    const p = this.pulse();
    this.catchUp(p);
    if (offset < 3) {
      this.counters[offset].writeByte(p, v);
      if (offset === 0) this.updateIrq0(p);
      return;
    }
    const sc = v >> 6;
    if (sc === 3) {
      // Read-back command (8254 Figure 19): bit 5 = /COUNT, bit 4 = /STATUS, bits 3:1 = counters 2..0.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        if (!(v & 0x20)) this.counters[i].latchCount(p);
        if (!(v & 0x10)) this.counters[i].latchStatus(p);
      }
      return;
    }
    if ((v & 0x30) === 0) {
      this.counters[sc].latchCount(p); // RW = 00: counter latch command
      return;
    }
    this.counters[sc].program(p, v);
    if (sc === 0) this.updateIrq0(p);
  }

  /** GATE input of `counter` (0-2); the PC drives only counter 2's, from port 0x61 bit 0. */
  setGate(counter: number, level: boolean): void {
    const p = this.pulse();
    if (counter === 0) this.catchUp(p);
    this.counters[counter].setGate(p, level);
    if (counter === 0) this.updateIrq0(p);
  }

  gate(counter: number): boolean {
    return this.counters[counter].gate;
  }

  /** OUT of `counter` now (port 0x61 bit 5 shows counter 2's). */
  out(counter: number): boolean {
    const c = this.counters[counter];
    c.evaluate(this.pulse());
    return c.evOut;
  }

  /** The counting element of `counter` now, without latching (for debuggers and tests). */
  peekCount(counter: number): number {
    const c = this.counters[counter];
    c.evaluate(this.pulse());
    return c.evCe;
  }

  private drive(level: boolean): void {
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq0.raise();
    else this.irq0.lower();
  }

  /** After counter 0 changed at pulse p: drive IRQ 0 with its OUT and arm a callback for the next edge. */
  private updateIrq0(p: number): void {
    const c = this.counters[0];
    c.evaluate(p);
    this.drive(c.evOut);
    this.arm(c.nextChange(p));
  }

  private arm(edge: number): void {
    if (this.timerId !== 0) this.clock.cancel(this.timerId);
    this.timerId = 0;
    this.edgePulse = edge;
    if (edge !== Infinity) this.timerId = this.clock.schedule(pitPulseTime(edge), this.onEdgeBound);
  }

  /**
   * The scheduled OUT edge of counter 0. OUT is evaluated at the edge's own pulse, not at now(): a
   * clock that runs the callback late must not swallow mode 2's one-pulse low phase.
   */
  private onEdge(): void {
    this.timerId = 0;
    const k = this.edgePulse;
    const c = this.counters[0];
    c.evaluate(k);
    this.drive(c.evOut);
    this.arm(c.nextChange(k));
  }

  /** Deliver edges that fell due but whose callback has not run yet, before counter 0 changes. */
  private catchUp(p: number): void {
    for (let i = 0; i < 2 && this.timerId !== 0 && this.edgePulse <= p; i++) {
      this.clock.cancel(this.timerId);
      this.onEdge();
    }
  }
}
