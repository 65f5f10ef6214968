/**
 * The VMM: one guest with one VCPU, driven only through zx_* calls — Fuchsia's user-space VMM
 * (src/virtualization/bin/vmm) in miniature. The loop is vcpu.cc's: resume → switch on the packet type
 * → the trap key picks an IoMapping row → the device → for IN, zx_vcpu_write_state(ZX_VCPU_IO) →
 * resume.
 *
 * The machine (ARCHITECTURE.md "The guest's view of the machine", mirroring QEMU's PC):
 *   RAM at GPA 0 (default 128 MiB); 8259A pair at 0x20/0xA0; debug console at 0xE9; isa-debug-exit at
 *   0xF4 (4 ports); 16550A COM1 at 0x3F8 on IRQ 4; every other port "unassigned" (reads all ones).
 *
 * Threading: the Machine owns the thread that created the VCPU; run()/step() are that thread's work.
 * pause() and consoleInput() may come in while run() is waiting on zx_vcpu_resume (the event loop keeps
 * turning), as another thread's zx_vcpu_kick / zx_vcpu_interrupt would in Zircon.
 */
import {
  decodeVcpuState, encodeVcpuState, statusName,
  ZX_ERR_ALREADY_EXISTS, ZX_ERR_BAD_STATE, ZX_ERR_CANCELED, ZX_ERR_INVALID_ARGS, ZX_ERR_NOT_SUPPORTED, ZX_ERR_SHOULD_WAIT, ZX_ERR_STOP, ZX_ERR_TIMED_OUT, ZX_GUEST_TRAP_BELL, ZX_GUEST_TRAP_IO, ZX_GUEST_TRAP_MEM, ZX_HANDLE_INVALID, ZX_OK, ZX_TIME_INFINITE,
  ZX_PKT_GUEST_VCPU_INTERRUPT, ZX_PKT_TYPE_GUEST_BELL, ZX_PKT_TYPE_SIGNAL_ONE, ZX_PKT_TYPE_GUEST_IO, ZX_PKT_TYPE_GUEST_MEM,
  ZX_PKT_TYPE_GUEST_VCPU, ZX_VCPU_IO, ZX_VCPU_IO_SIZE, ZX_VCPU_STATE, ZX_VCPU_STATE_SIZE,
  ZX_VM_PERM_EXECUTE, ZX_VM_PERM_READ, ZX_VM_PERM_WRITE, ZX_VM_SPECIFIC,
  type hvplay_arch_state_t, type hvplay_guest_description_t, type Process, type ResumeResult, type Thread,
  type zx_port_packet_t,
} from "../zircon";
import type { BootSpec, ExitRecord, GeneralRegisters, MachineOptions, MachineSinks, MachineStats, RunOutcome, UserTrap } from "./api";
import { PM1_CONTROL_PORT, PM1_EVENT_PORT } from "./acpi";
import { AcpiPm1 } from "./devices/acpi-pm";
import { DebugExit, Unassigned } from "./devices/debug-exit";
import { DebugCon } from "./devices/debugcon";
import { Elcr } from "./devices/elcr";
import { I8042 } from "./devices/i8042";
import { IoApic, isaIrqToPin } from "./devices/ioapic";
import { Pit8254 } from "./devices/pit8254";
import { RtcCmos } from "./devices/rtc-cmos";
import { SystemControlPortA, SystemControlPortB } from "./devices/system-ports";
import { firmwareInit } from "./firmware";
import { VmmClock } from "./vmm-clock";
import { allOnes, type IoHandler, type IrqLine } from "./devices/io-handler";
import { MailboxDevice } from "./devices/mailbox";
import { PicPair } from "./devices/pic8259";
import { Uart16550 } from "./devices/uart16550";
import { IoMappingTable, type IoMappingRow, type TrapKind } from "./io-mapping";
import type { BootPlan } from "./loaders/boot-plan";
import { planElf } from "./loaders/elf";
import { planFlat } from "./loaders/flat";
import { planLinux } from "./loaders/linux";
import { planMultiboot } from "./loaders/multiboot";
import { MULTIBOOT_TRAMPOLINE } from "./loaders/multiboot-trampoline.generated";
import { decodeMmio, emulateMmio } from "./mmio-decode";
import { EXIT_KINDS, exitKindIndex, fnv1a } from "./exit-hash";

export const DEFAULT_MEMORY_MIB = 128;
export const MAX_MEMORY_MIB = 2048;
export const COM1_BASE = 0x3f8;
export const COM1_IRQ = 4;
const SPARE_UARTS: Array<[string, number, number]> = [["uart16550 COM2", 0x2f8, 3], ["uart16550 COM3", 0x3e8, 4], ["uart16550 COM4", 0x2e8, 3]];
/** The playground's mailbox device (devices/mailbox.ts): MMIO registers, and a doorbell page after them. */
export const MAILBOX_MMIO = 0xfeb00000;
export const MAILBOX_BELL = 0xfeb01000;
/** The IO-APIC's registers, where PCs (and QEMU, and ACPI's MADT here) put them. */
export const IOAPIC_BASE = 0xfec00000;
/** Port packet key of the device clock's timer (trap keys are small row indices). */
const CLOCK_KEY = 0xc10c_0000_0000n;
const MiB = 1024 * 1024;
/** Console bytes are handed to the sink in batches: at most this many, or this often. */
const CONSOLE_BATCH_BYTES = 4096;
const CONSOLE_BATCH_MS = 16;

/** Playground extension result: the architectural state zx_vcpu_read_state does not give. */
export interface ArchStateResult {
  status: number;
  state?: hvplay_arch_state_t;
}

/** IO exit summaries kept (ioSummary): a power of two, the size of a direct-mapped table. */
const IO_SUMMARY_BITS = 12;
const IO_SUMMARY_MEMO = 1 << IO_SUMMARY_BITS;

/** hex() of 0 … 0xFFFF, filled as they are asked for. */
const SMALL_HEX: Array<string | undefined> = new Array<string | undefined>(0x10000);
/** "0x3f8". Ports and byte or word values repeat from exit to exit: their strings are made once. */
const hex = (n: number | bigint): string => {
  if (typeof n === "number" && n >= 0 && n < SMALL_HEX.length && Number.isInteger(n)) return (SMALL_HEX[n] ??= "0x" + n.toString(16));
  return "0x" + n.toString(16);
};

/** How a trap the VMM did not set appears in the exit log: the access is seen, under its key. */
const unownedTrapName = (key: bigint) => `no VMM device: trap key ${key}`;

/** Why a user trap cannot be an IO trap (UserTrap). */
export const USER_IO_TRAP_REFUSED =
  "only MEM and BELL traps can be added: the VMM already traps every I/O port, and Zircon has no call that removes a trap (a second IO trap fails with ZX_ERR_ALREADY_EXISTS)";

/** "MEM 0xd0000000 size 0x1000 key 7", as error messages name a user trap. */
export function describeUserTrap(trap: UserTrap): string {
  return `${String(trap.kind).toUpperCase()} ${hex(trap.addr)} size ${hex(trap.size)} key ${trap.key}`;
}

export class Machine {
  /** The thread that owns the VCPU (Zircon: only it may resume, read or write the VCPU). */
  private readonly thread: Thread;
  private vcpu = ZX_HANDLE_INVALID;
  /** The VMM's port: BELL packets and the device clock's timer packets. */
  private port = ZX_HANDLE_INVALID;
  private clock: VmmClock | null = null;
  private readonly ioapic: IoApic;
  /** How many devices assert each ISA IRQ line. */
  private readonly irqAsserted = new Int32Array(16);
  /** The A20 gate as the guest last set it (i8042 output port, port 0x92). The CPU always has A20 on. */
  private a20 = true;
  /** The guest pulsed the reset line (i8042 0xFE, port 0x92 bit 0). */
  private resetRequested = false;
  private readonly table = new IoMappingTable();
  readonly uart: Uart16550;
  readonly pics = new PicPair();
  private readonly ramView: Uint8Array;
  private loaded = false;
  private running = false;
  private disposed = false;
  /** Set by the exit device; sticky, as QEMU's process would be gone. */
  private exitStatus: number | null = null;
  private delivering = false;
  private pendingConsole: number[] = [];
  private lastFlush = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private exitSeq = 0;
  /** Exits counted per kind, in EXIT_KINDS order (stats() names them). */
  private readonly exitCounts = new Float64Array(EXIT_KINDS.length);
  private runMillis = 0;
  /** performance.now() when the current run() / step() began (live stats add the time since). */
  private runStarted = 0;
  private lastInstructions = 0;
  /**
   * The count and exit RIP of the hvplay_vcpu_resume_nowait call whose exit is being handled
   * (`resumed` false when the blocking call answered, and between exits): record() takes them.
   * Cleared before every await, so a record made by another task meanwhile (servePort) asks the
   * kernel. Kept as fields, not the result object: storing a new object into this long-lived one
   * at every exit costs a write-barrier slow path.
   */
  private resumed = false;
  private resumedRip: bigint | null = null;
  private resumedCount = 0;
  /** The record the exit sink gets, reused from exit to exit (MachineSinks.exit). */
  private readonly exitRecord: ExitRecord = { seq: 0, status: 0, kind: "status", summary: "", instructions: 0, rip: null };
  private readonly stateBuf = new Uint8Array(ZX_VCPU_STATE_SIZE);
  /** The zx_vcpu_io_t of every IN's answer, filled in place (the kernel reads it during the call). */
  private readonly ioBuf = new Uint8Array(ZX_VCPU_IO_SIZE);
  /** IO exit summaries made so far (ioSummary): a direct-mapped table of access key, device, text. */
  private readonly ioSummaryKey = new Float64Array(IO_SUMMARY_MEMO).fill(-1);
  private readonly ioSummaryHandler: (IoHandler | null)[] = new Array<IoHandler | null>(IO_SUMMARY_MEMO).fill(null);
  private readonly ioSummaryText: string[] = new Array<string>(IO_SUMMARY_MEMO).fill("");
  /** fnv1a of each kept summary, handed to the exit sink with it (ExitHash skips its own lookup). */
  private readonly ioSummaryHash = new Uint32Array(IO_SUMMARY_MEMO);

  private constructor(
    private readonly proc: Process,
    readonly memoryBytes: number,
    private readonly sinks: MachineSinks,
    t: Thread,
    /** Handles this machine holds (closed by dispose()). */
    readonly handles: { guest: number; guestVmar: number; ramVmo: number },
    private readonly hostMapping: { addr: number | bigint; len: number },
    view: Uint8Array,
  ) {
    this.thread = t;
    this.ramView = view;
    this.ioapic = new IoApic((vector, _dest, _physical, mode) => this.ioapicDeliver(vector, mode));
    this.uart = new Uart16550("uart16550 COM1", this.isaLine(COM1_IRQ), (b) => this.consoleByte(b));
    this.pics.onIntr = () => this.deliverInterrupts();
  }

  /**
   * ISA IRQ `n` as the PC wires it: to the 8259A pair and to the IO-APIC (pin 2 for IRQ 0, as QEMU's
   * and ACPI's interrupt source override say). The guest masks the controller it does not use.
   */
  private isaLine(n: number): IrqLine {
    const pic = this.pics.line(n);
    const pin = isaIrqToPin(n);
    // Several devices may share an ISA line (COM1 and COM3 on IRQ 4): the line is the OR of them.
    let high = false;
    const update = () => {
      const level = this.irqAsserted[n] > 0;
      if (level) pic.raise();
      else pic.lower();
      this.ioapic.setLine(pin, level);
    };
    return {
      raise: () => {
        if (!high) {
          high = true;
          this.irqAsserted[n]++;
        }
        update();
      },
      lower: () => {
        if (high) {
          high = false;
          this.irqAsserted[n]--;
        }
        update();
      },
    };
  }

  /** An IO-APIC redirection entry fired: Fuchsia's IoApic hands the vector to zx_vcpu_interrupt. */
  private ioapicDeliver(vector: number, deliveryMode: number): void {
    if (!this.loaded || this.disposed) return;
    if (deliveryMode === 4) this.thread.zx_vcpu_interrupt(this.vcpu, 2); // NMI
    else if (deliveryMode === 7) this.deliverInterrupts(); // ExtINT: the 8259A supplies the vector
    else if (deliveryMode <= 1) this.thread.zx_vcpu_interrupt(this.vcpu, vector); // fixed, lowest priority (one VCPU)
  }

  /**
   * Creates the guest, its RAM and its devices. Returns the machine, or a readable reason (with the
   * failing call and its status) when the kernel refuses something.
   */
  static create(proc: Process, options: MachineOptions = {}, sinks: MachineSinks = {}): Machine | string {
    const mib = options.memoryMiB ?? DEFAULT_MEMORY_MIB;
    if (!Number.isInteger(mib) || mib < 2 || mib > MAX_MEMORY_MIB) return `guest memory must be a whole number of MiB from 2 to ${MAX_MEMORY_MIB} (got ${mib})`;
    const bytes = mib * MiB;
    const t = proc.createThread();
    const fail = (call: string, status: number) => `${call} failed: ${statusName(status)}`;

    const g = t.zx_guest_create(proc.hypervisorResource, 0);
    if (g.status !== ZX_OK) return fail("zx_guest_create", g.status);
    const vmo = t.zx_vmo_create(bytes, 0);
    if (vmo.status !== ZX_OK) return fail("zx_vmo_create", vmo.status);
    // VMOs come without ZX_RIGHT_EXECUTE; the guest mapping needs it (Zircon's hypervisor test harness does the same).
    const exe = t.zx_vmo_replace_as_executable(vmo.out, ZX_HANDLE_INVALID);
    if (exe.status !== ZX_OK) return fail("zx_vmo_replace_as_executable", exe.status);
    const gm = t.zx_vmar_map(g.vmar_handle, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE | ZX_VM_SPECIFIC, 0, exe.out, 0, bytes);
    if (gm.status !== ZX_OK) return fail("zx_vmar_map (guest-physical)", gm.status);
    // The VMM's own mapping of guest RAM, for loaders, the memory view and MMIO helpers.
    const hm = t.zx_vmar_map(proc.rootVmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, exe.out, 0, bytes);
    if (hm.status !== ZX_OK) return fail("zx_vmar_map (VMM)", hm.status);
    const view = proc.view(hm.mapped_addr, bytes);
    if (!view) return `the process has no view of its mapping at ${hex(hm.mapped_addr)}`;

    const m = new Machine(proc, bytes, sinks, t, { guest: g.guest_handle, guestVmar: g.vmar_handle, ramVmo: exe.out }, { addr: hm.mapped_addr, len: bytes }, view);
    const err = m.installDevices();
    if (err) {
      m.dispose();
      return err;
    }
    return m;
  }

  private installDevices(): string | null {
    const t = this.table;
    // The VMM's port: BELL packets (they do not come out of zx_vcpu_resume, zircon-hypervisor.md §5)
    // and the device clock's timer packets.
    const port = this.thread.zx_port_create(0);
    if (port.status !== ZX_OK) return `zx_port_create failed: ${statusName(port.status)}`;
    this.port = port.out;
    const clock = VmmClock.create(this.thread, this.port, CLOCK_KEY);
    if (typeof clock === "string") return clock;
    this.clock = clock;
    const platform = { setA20: (on: boolean) => (this.a20 = on), reset: () => (this.resetRequested = true) };
    const pit = new Pit8254(clock, this.isaLine(0));
    const rtc = new RtcCmos(clock, this.isaLine(8), { ramBelow4G: this.memoryBytes });
    const kbc = new I8042({ irq1: this.isaLine(1), irq12: this.isaLine(12), ...platform });
    const pm1 = new AcpiPm1();
    const mailbox = new MailboxDevice((gpa, len) => this.readGuest(gpa, len), (bytes) => bytes.forEach((b) => this.consoleByte(b)));
    const rows: Array<[TrapKind, number, number, IoHandler]> = [
      ["io", 0x20, 2, this.pics.master],
      ["io", 0x40, 4, pit],
      ["io", 0x60, 1, kbc.dataPort],
      ["io", 0x61, 1, new SystemControlPortB(clock, pit)],
      ["io", 0x64, 1, kbc.commandPort],
      ["io", 0x70, 2, rtc],
      ["io", 0x92, 1, new SystemControlPortA(platform)],
      ["io", 0xa0, 2, this.pics.slave],
      ["io", 0xe9, 1, new DebugCon((b) => this.consoleByte(b))],
      ["io", 0xf4, 4, new DebugExit((s) => (this.exitStatus = s))],
      ["io", COM1_BASE, 8, this.uart],
      // COM2-COM4 as a PC has them (IRQ 3, 4, 3). Their output goes nowhere for now: the console is
      // COM1 (QEMU's qemu-ref has COM1 only, so a guest that probes these sees more than under QEMU).
      ...SPARE_UARTS.map(([name, base, irq]): [TrapKind, number, number, IoHandler] => ["io", base, 8, new Uart16550(name, this.isaLine(irq), () => {})]),
      ["io", 0x4d0, 2, new Elcr(this.pics)],
      // The ACPI PM1 blocks the FADT of a Linux boot names (acpi.ts), where Fuchsia's VMM has them.
      ["io", PM1_EVENT_PORT, 4, pm1.eventBlock],
      ["io", PM1_CONTROL_PORT, 2, pm1.controlBlock],
      ["mem", MAILBOX_MMIO, 0x1000, mailbox],
      ["bell", MAILBOX_BELL, 0x1000, mailbox],
      ["mem", IOAPIC_BASE, 0x1000, this.ioapic],
    ];
    for (const [kind, base, size, dev] of rows) {
      const key = t.add(kind, base, size, dev);
      if (typeof key === "string") return key;
    }
    firmwareInit(this.pics, pit);
    const unassigned = new Unassigned();
    for (const [base, size] of t.ioGaps()) {
      const key = t.add("io", base, size, unassigned);
      if (typeof key === "string") return key;
    }
    for (const [key, row] of t.all().entries()) {
      const kind = row.kind === "io" ? ZX_GUEST_TRAP_IO : row.kind === "mem" ? ZX_GUEST_TRAP_MEM : ZX_GUEST_TRAP_BELL;
      const status = this.thread.zx_guest_set_trap(this.handles.guest, kind, row.base, row.size, row.kind === "bell" ? this.port : ZX_HANDLE_INVALID, key);
      if (status !== ZX_OK) return `zx_guest_set_trap(${row.handler.name} at ${hex(row.base)}) failed: ${statusName(status)}`;
    }
    return null;
  }

  /** The device table (rows in trap-key order), for the UI's trap list. */
  mappings() {
    return this.table.all().map((r, key) => ({ key, kind: r.kind, base: r.base, size: r.size, device: r.handler.name }));
  }

  /** The VCPU handle once load() has created it (ZX_HANDLE_INVALID before). */
  get vcpuHandle(): number {
    return this.vcpu;
  }

  /**
   * Loads a guest and creates the boot VCPU. Returns null on success, or what is wrong with the image;
   * on failure nothing has been written to guest memory.
   */
  load(spec: BootSpec): string | null {
    if (this.disposed) return "machine is disposed";
    if (this.loaded) return "a guest is already loaded (create a new Machine to boot another)";
    const plan = this.plan(spec);
    if (typeof plan === "string") return plan;
    // The VCPU first: if the kernel refuses it, guest memory is still untouched.
    const v = this.thread.zx_vcpu_create(this.handles.guest, 0, plan.vcpuEntry);
    if (v.status !== ZX_OK) return `zx_vcpu_create failed: ${statusName(v.status)}`;
    const fail = (what: string, status: number) => {
      this.thread.zx_handle_close(v.out);
      return `${what} failed: ${statusName(status)}`;
    };
    if (Object.keys(plan.registers).length > 0) {
      const status = this.thread.zx_vcpu_write_state(v.out, ZX_VCPU_STATE, encodeVcpuState(plan.registers));
      if (status !== ZX_OK) return fail("zx_vcpu_write_state", status);
    }
    if (plan.arch) {
      // Playground extension (KVM's SREGS): a start outside Zircon's 64-bit boot state.
      const status = this.thread.hvplay_vcpu_write_arch_state(v.out, plan.arch);
      if (status !== ZX_OK) return fail("hvplay_vcpu_write_arch_state", status);
    }
    this.vcpu = v.out;
    for (const w of plan.writes) this.ramView.set(w.bytes, w.gpa);
    this.loaded = true;
    void this.servePort();
    return null;
  }

  /**
   * The VMM's port: BELL packets go to their device and the device clock's timer packets bring device
   * time up to date, while the VCPU runs on (Fuchsia's VMM serves its port from other threads the same
   * way). Ends when dispose() closes the port.
   */
  private async servePort(): Promise<void> {
    for (;;) {
      const r = await this.thread.zx_port_wait(this.port, ZX_TIME_INFINITE);
      if (r.status !== ZX_OK || this.disposed) return;
      const p = r.packet;
      if (p.type === ZX_PKT_TYPE_SIGNAL_ONE && p.key === CLOCK_KEY) {
        this.clock?.onPacket();
        this.deliverInterrupts();
        continue;
      }
      if (p.type !== ZX_PKT_TYPE_GUEST_BELL) continue;
      const addr = p.guest_bell?.addr ?? 0n;
      const row = this.deviceRow(p.key, "bell", Number(addr));
      if (!row) {
        // A BELL trap the VMM did not set (a user trap, setUserTrap): no device rings, but the exit
        // is recorded under its key, as rowFor does for MEM and IO.
        this.record(ZX_OK, "bell", `BELL ${hex(addr)} (${unownedTrapName(p.key)})`);
        continue;
      }
      this.record(ZX_OK, "bell", `BELL ${hex(addr)} (${row.handler.name})`);
      row.handler.ring?.(Number(addr) - row.base);
      this.deliverInterrupts();
    }
  }

  /** Up to `len` bytes of guest RAM at `gpa` (clipped at the end of RAM), or null outside RAM. */
  private readGuest(gpa: number, len: number): Uint8Array | null {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || gpa >= this.memoryBytes) return null;
    return this.ramView.subarray(gpa, Math.min(gpa + len, this.memoryBytes));
  }

  /** The loader for `spec.boot`: a complete plan, or what is wrong with the image. */
  private plan(spec: BootSpec): BootPlan | string {
    switch (spec.boot) {
      case "multiboot": {
        const mb = planMultiboot(spec.image, { ramBytes: this.memoryBytes, cmdline: spec.cmdline, imageName: spec.imageName, modules: spec.modules, trampoline: MULTIBOOT_TRAMPOLINE });
        if (typeof mb === "string") return mb;
        // The trampoline takes the kernel's entry in RSI and the Multiboot information in RBP.
        return { writes: mb.writes, vcpuEntry: mb.vcpuEntry, registers: { rsi: mb.registers.rsi, rbp: mb.registers.rbp }, describe: `Multiboot kernel at ${hex(mb.kernel.entry)}` };
      }
      case "flat":
        return planFlat(spec.image, { ramBytes: this.memoryBytes, mode: spec.mode, load: spec.load, entry: spec.entry });
      case "elf":
        return planElf(spec.image, { ramBytes: this.memoryBytes });
      case "linux":
        return planLinux(spec.image, { ramBytes: this.memoryBytes, cmdline: spec.cmdline, initrd: spec.initrd, acpi: { ioApicAddress: IOAPIC_BASE, ioApicId: 0, cpus: 1 }, rngSeed: this.rngSeed() });
      default:
        return `boot method "${String((spec as { boot: unknown }).boot)}" is not supported`;
    }
  }

  /**
   * The Linux guest's boot-time RNG seed (loaders/linux.ts, SETUP_RNG_SEED): 32 bytes from the
   * kernel's CPRNG (zx_cprng_draw), as a Fuchsia component gets its randomness. With the
   * deterministic clock they are the same every run, so a boot stays reproducible; the guest's
   * other entropy (the TSC, interrupt timings) is just as deterministic there.
   */
  private rngSeed(): Uint8Array | undefined {
    const seed = new Uint8Array(32);
    return this.thread.zx_cprng_draw(seed) === ZX_OK ? seed : undefined;
  }

  /** Runs until the exit device, pause(), an unrecoverable status, or `maxInstructions` (from this call). */
  run(maxInstructions?: number): Promise<RunOutcome> {
    return this.drive(maxInstructions, false);
  }

  /** Executes one instruction (handling its exit, if it makes one). */
  step(): Promise<RunOutcome> {
    return this.drive(1, true);
  }

  /** Runs until the next VM exit and handles it (ends "limit"), or a breakpoint, pause() or the exit device. */
  stepToExit(): Promise<RunOutcome> {
    return this.drive(undefined, true);
  }

  /**
   * Host breakpoints (playground extension hvplay_vcpu_set_breakpoints): run() and step() stop with
   * { kind: "breakpoint" } before an instruction whose RIP is listed. Replaces the set; the status.
   */
  setBreakpoints(rips: readonly bigint[]): number {
    if (!this.loaded || this.disposed) return ZX_ERR_BAD_STATE;
    return this.thread.hvplay_vcpu_set_breakpoints(this.vcpu, rips);
  }

  /** The guest's mappings and traps (playground extension hvplay_guest_describe). */
  describeAddressSpace(): hvplay_guest_description_t {
    if (this.disposed) return { status: ZX_ERR_BAD_STATE };
    return this.thread.hvplay_guest_describe(this.handles.guest);
  }

  private async drive(limit: number | undefined, single: boolean): Promise<RunOutcome> {
    if (!this.loaded || this.disposed) return { kind: "error", status: ZX_ERR_BAD_STATE, message: this.disposed ? "machine is disposed" : "no guest loaded" };
    if (this.running) return { kind: "error", status: ZX_ERR_BAD_STATE, message: "already running" };
    if (this.exitStatus !== null) return { kind: "exit-device", exitStatus: this.exitStatus };
    if (this.resetRequested) return { kind: "reset" };
    this.running = true;
    const started = performance.now();
    this.runStarted = started;
    try {
      const startCount = this.instructionsRetired();
      for (;;) {
        this.deliverInterrupts();
        // The round trip without a promise when the kernel can give the result at once
        // (hvplay_vcpu_resume_nowait); when the VCPU must wait (a slice's end, HLT) or its run woke
        // another task of ours (a device timer's packet), the blocking call takes over from there.
        // Its result carries the instruction count and exit RIP the exit record needs (`resumed`).
        let remaining: number | undefined;
        if (limit !== undefined) {
          remaining = limit - (this.instructionsRetired() - startCount);
          if (remaining <= 0) return { kind: "limit" };
        }
        const nowait = this.thread.hvplay_vcpu_resume_nowait(this.vcpu, remaining);
        let result: ResumeResult = nowait;
        this.resumed = nowait.status !== ZX_ERR_SHOULD_WAIT;
        if (this.resumed) {
          this.resumedRip = nowait.last_exit_rip;
          this.resumedCount = nowait.instructions_retired;
        }
        if (nowait.status === ZX_ERR_SHOULD_WAIT) {
          result = await (remaining === undefined ? this.thread.zx_vcpu_resume(this.vcpu) : this.thread.hvplay_vcpu_resume_limited(this.vcpu, remaining));
        }
        if (result.status !== ZX_OK) {
          if (result.status === ZX_ERR_TIMED_OUT && limit !== undefined) return { kind: "limit" };
          if (result.status === ZX_ERR_STOP) {
            const rip = this.record(result.status, "status", "ZX_ERR_STOP (host breakpoint)");
            return { kind: "breakpoint", rip: rip ?? 0n };
          }
          this.record(result.status, "status", statusName(result.status));
          if (result.status === ZX_ERR_CANCELED) return { kind: "paused" };
          return { kind: "error", status: result.status, message: `zx_vcpu_resume: ${statusName(result.status)}${this.ripSuffix()}` };
        }
        const problem = this.handlePacket(result.packet);
        if (problem) return { kind: "error", status: problem.status, message: problem.message };
        if (this.exitStatus !== null) return { kind: "exit-device", exitStatus: this.exitStatus };
        if (this.resetRequested) return { kind: "reset" };
        if (single) return { kind: "limit" };
        // A kick that raced with this packet is still pending in the kernel (zx_vcpu_kick is sticky),
        // so the next resume returns ZX_ERR_CANCELED and the loop ends as "paused" there.
      }
    } finally {
      this.running = false;
      this.resumed = false;
      this.runMillis += performance.now() - started;
      this.flushConsole();
      this.lastInstructions = this.instructionsRetired();
    }
  }

  /** Stops a running VCPU with zx_vcpu_kick; run() then resolves { kind: "paused" }. No effect when idle. */
  pause(): void {
    if (!this.running) return;
    this.thread.zx_vcpu_kick(this.vcpu);
  }

  /** Bytes typed at the console: COM1's receiver (with back-pressure, so none are lost). */
  consoleInput(bytes: Uint8Array): void {
    this.uart.receive(bytes);
    this.deliverInterrupts();
  }

  /** The general registers (zx_vcpu_read_state), or null while the VCPU runs or before load(). */
  readRegisters(): GeneralRegisters | null {
    if (this.running || !this.loaded) return null;
    const status = this.thread.zx_vcpu_read_state(this.vcpu, ZX_VCPU_STATE, this.stateBuf);
    return status === ZX_OK ? decodeVcpuState(this.stateBuf) : null;
  }

  /** zx_vcpu_write_state(ZX_VCPU_STATE); RFLAGS is taken only with bit 1 set (Zircon's rule). Returns the status. */
  writeRegisters(regs: GeneralRegisters): number {
    if (this.running || !this.loaded) return ZX_ERR_BAD_STATE;
    return this.thread.zx_vcpu_write_state(this.vcpu, ZX_VCPU_STATE, encodeVcpuState(regs));
  }

  /** Playground extension: RIP, segments, control registers, instructions retired. */
  readArchState(): ArchStateResult | null {
    if (!this.loaded) return null;
    return this.archState();
  }

  // Thread.hvplay_vcpu_read_arch_state's declared type shows only the failure shape ({ status });
  // on ZX_OK the result carries `state` (src/zircon/syscalls/extensions.ts).
  private archState(): ArchStateResult {
    return this.thread.hvplay_vcpu_read_arch_state(this.vcpu) as ArchStateResult;
  }

  /** Guest RAM as the VMM maps it: a no-copy view (over the VMO's SharedArrayBuffer in the browser). */
  ram(): Uint8Array {
    return this.ramView;
  }

  stats(): MachineStats {
    return {
      instructionsRetired: this.running ? this.liveInstructions() : this.instructionsRetired(),
      exitsByKind: this.exitsByKind(),
      runMillis: this.running ? this.runMillis + (performance.now() - this.runStarted) : this.runMillis,
    };
  }

  /** Closes every handle the machine holds and unmaps guest RAM from the process. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.running) this.thread.zx_vcpu_kick(this.vcpu);
    this.flushConsole();
    this.thread.zx_vmar_unmap(this.proc.rootVmar, this.hostMapping.addr, this.hostMapping.len);
    this.clock?.dispose();
    for (const h of [this.vcpu, this.port, this.handles.guest, this.handles.guestVmar, this.handles.ramVmo]) {
      if (h !== ZX_HANDLE_INVALID) this.thread.zx_handle_close(h);
    }
    this.vcpu = ZX_HANDLE_INVALID;
  }

  // ---- the packet loop -------------------------------------------------------------------------

  private handlePacket(packet: zx_port_packet_t): { status: number; message: string } | null {
    switch (packet.type) {
      case ZX_PKT_TYPE_GUEST_IO:
        return this.handleIo(packet);
      case ZX_PKT_TYPE_GUEST_MEM:
        return this.handleMem(packet);
      case ZX_PKT_TYPE_GUEST_VCPU: {
        const v = packet.guest_vcpu;
        this.record(ZX_OK, "vcpu", v?.type === ZX_PKT_GUEST_VCPU_INTERRUPT ? `IPI vector ${v.interrupt?.vector}` : "STARTUP IPI");
        if (v?.type === ZX_PKT_GUEST_VCPU_INTERRUPT && v.interrupt) {
          // One VCPU (APIC ID 0): forward an IPI aimed at it to itself, as Fuchsia's VMM forwards to each target.
          if (v.interrupt.mask & 1n) this.thread.zx_vcpu_interrupt(this.vcpu, v.interrupt.vector);
          return null;
        }
        return { status: ZX_ERR_NOT_SUPPORTED, message: "the guest asked to start another CPU; this machine has one VCPU" };
      }
      case ZX_PKT_TYPE_GUEST_BELL:
        // Bells go to the port (servePort); one out of zx_vcpu_resume would be a kernel bug.
        this.record(ZX_OK, "bell", `BELL ${hex(packet.guest_bell?.addr ?? 0n)} from zx_vcpu_resume`);
        return null;
      default:
        this.record(ZX_OK, "status", `packet type ${packet.type}`);
        return { status: ZX_ERR_NOT_SUPPORTED, message: `unexpected packet type ${packet.type}` };
    }
  }

  private handleIo(packet: zx_port_packet_t): { status: number; message: string } | null {
    const io = packet.guest_io;
    if (!io) return { status: ZX_ERR_NOT_SUPPORTED, message: "IO packet without its IO part" };
    const row = this.rowFor(packet.key, "io", io.port);
    const size = io.access_size;
    this.clock?.sync();
    if (io.input) {
      const value = this.table.read(row, io.port, size);
      const status = this.thread.zx_vcpu_write_state(this.vcpu, ZX_VCPU_IO, this.ioValue(size, value));
      if (status !== ZX_OK) return { status, message: `zx_vcpu_write_state(ZX_VCPU_IO): ${statusName(status)}` };
      if (this.sinks.exit) this.recordIo(this.ioSummary(row.handler, true, io.port, size, value));
      else this.count("io");
    } else {
      const value = size === 1 ? io.u8 : size === 2 ? io.u16 : io.u32;
      this.table.write(row, io.port, size, value);
      if (this.sinks.exit) this.recordIo(this.ioSummary(row.handler, false, io.port, size, value));
      else this.count("io");
    }
    return null;
  }

  /**
   * An IO exit's summary, "OUT 0x3f8 1 byte 0x41 (uart)" or "IN 0x3fd 1 byte → 0x60 (uart)". A guest
   * repeats the same few accesses (a driver polling its status port, a console printing bytes), so
   * the strings made are kept, in a direct-mapped table of IO_SUMMARY_MEMO entries (a slot holds the
   * last access that hashed to it): no new string, and no Map lookup, per exit.
   */
  private ioSummary(handler: IoHandler, input: boolean, port: number, size: number, value: number): number {
    // Port 16 bits, value 32 (unsigned: the table reads and the packet give it so): under 2^51, exact.
    const key = ((value * 0x10000 + port) * 4 + (size - 1)) * 2 + (input ? 1 : 0);
    // The value and the rest are mixed apart: the value's low bits must not cancel the direction's
    // (an IN of v and an OUT of v ^ 1 in one slot made one access in eleven a miss in bench-exits).
    const slot = Math.imul(Math.imul(value, 0x9e3779b1) ^ (port * 8 + (size - 1) * 2 + (input ? 1 : 0)), 0x85ebca6b) >>> (32 - IO_SUMMARY_BITS);
    if (this.ioSummaryKey[slot] === key && this.ioSummaryHandler[slot] === handler) return slot;
    const bytes = `${size} byte${size > 1 ? "s" : ""}`;
    const summary = input ? `IN ${hex(port)} ${bytes} → ${hex(value)} (${handler.name})` : `OUT ${hex(port)} ${bytes} ${hex(value)} (${handler.name})`;
    this.ioSummaryKey[slot] = key;
    this.ioSummaryHandler[slot] = handler;
    this.ioSummaryText[slot] = summary;
    this.ioSummaryHash[slot] = fnv1a(summary);
    return slot;
  }

  /** record() of an IO exit whose summary ioSummary keeps in `slot`. */
  private recordIo(slot: number): void {
    this.record(ZX_OK, "io", this.ioSummaryText[slot], this.ioSummaryHash[slot]);
  }

  /**
   * zx_vcpu_io_t { access_size, padding1[3], u32 } in ioBuf: the bytes encodeVcpuIo({ access_size,
   * u32 }) gives, written without an object, a DataView or a new buffer per IN.
   */
  private ioValue(size: number, value: number): Uint8Array {
    const b = this.ioBuf;
    b[0] = size;
    b[1] = 0;
    b[2] = 0;
    b[3] = 0;
    b[4] = value;
    b[5] = value >>> 8;
    b[6] = value >>> 16;
    b[7] = value >>> 24;
    return b;
  }

  private handleMem(packet: zx_port_packet_t): { status: number; message: string } | null {
    const mem = packet.guest_mem;
    if (!mem) return { status: ZX_ERR_NOT_SUPPORTED, message: "MEM packet without its MEM part" };
    const row = this.rowFor(packet.key, "mem", Number(mem.addr));
    const inst = decodeMmio(mem.inst_buf, mem.inst_len, mem.default_operand_size);
    if (typeof inst === "string") return { status: ZX_ERR_NOT_SUPPORTED, message: `MMIO at ${hex(mem.addr)}: ${inst}` };
    // The VCPU is stopped at this exit (we are between resumes), so its state may be read and written.
    const st = this.thread.zx_vcpu_read_state(this.vcpu, ZX_VCPU_STATE, this.stateBuf);
    if (st !== ZX_OK) return { status: st, message: `zx_vcpu_read_state during MMIO: ${statusName(st)}` };
    const regs = decodeVcpuState(this.stateBuf);
    const offset = Number(mem.addr) - row.base;
    const handler = row.handler;
    this.clock?.sync();
    // Devices take at most 4 bytes per access; an 8-byte access is two, low dword first.
    const bus = {
      read: (size: number): bigint =>
        size === 8 ? BigInt(handler.read(offset, 4) >>> 0) | (BigInt(handler.read(offset + 4, 4) >>> 0) << 32n) : BigInt(handler.read(offset, size) >>> 0),
      write: (size: number, value: bigint): void => {
        if (size === 8) {
          handler.write(offset, 4, Number(value & 0xffffffffn));
          handler.write(offset + 4, 4, Number(value >> 32n));
        } else handler.write(offset, size, Number(BigInt.asUintN(size * 8, value)));
      },
    };
    const updated = emulateMmio(inst, regs, bus);
    if (updated) {
      const status = this.thread.zx_vcpu_write_state(this.vcpu, ZX_VCPU_STATE, encodeVcpuState(updated, this.stateBuf));
      if (status !== ZX_OK) return { status, message: `zx_vcpu_write_state: ${statusName(status)}` };
    }
    this.record(ZX_OK, "mem", `MMIO ${inst.op} ${inst.accessSize} bytes at ${hex(mem.addr)} (${handler.name})`);
    return null;
  }

  /**
   * The device row a packet's key names. A trap the VMM did not set (one made by hand through the
   * workbench's zx_guest_set_trap form, on this guest) has no device: it behaves as an unassigned
   * address (reads all ones, writes dropped) and the exit is recorded under its key, so the guest
   * goes on and the person who set the trap sees each access.
   */
  private rowFor(key: bigint, kind: "io" | "mem", addr: number): IoMappingRow {
    return this.deviceRow(key, kind, addr) ?? { kind, base: addr, size: 8, handler: { name: unownedTrapName(key), read: (_o: number, size: number) => allOnes(size), write: () => {} } };
  }

  /**
   * The VMM's row for a packet: the key's row, if it is of the packet's kind and holds its address.
   * The address settles it when a trap set by someone else reuses one of the VMM's keys (keys are
   * the caller's choice in Zircon; the kernel refuses overlapping ranges, so the address cannot lie).
   */
  private deviceRow(key: bigint, kind: TrapKind, addr: number): IoMappingRow | undefined {
    const row = this.table.row(key);
    return row && row.kind === kind && addr >= row.base && addr < row.base + row.size ? row : undefined;
  }

  /**
   * Sets a user trap (see UserTrap) on the guest with zx_guest_set_trap, after the VMM's own: MEM
   * without a port, BELL on the VMM's port (servePort records its packets). Null, or a readable
   * reason that names the call and Zircon's status. Zircon has no call that removes a trap: it
   * stays until the guest is destroyed. Like Zircon, a trap over RAM unmaps that range from the guest.
   */
  setUserTrap(trap: UserTrap): string | null {
    const what = describeUserTrap(trap);
    if (this.disposed) return `${what}: the machine is disposed`;
    if (trap.kind !== "mem" && trap.kind !== "bell") return `${what}: ${USER_IO_TRAP_REFUSED}`;
    const kind = trap.kind === "mem" ? ZX_GUEST_TRAP_MEM : ZX_GUEST_TRAP_BELL;
    const port = trap.kind === "bell" ? this.port : ZX_HANDLE_INVALID;
    const status = this.thread.zx_guest_set_trap(this.handles.guest, kind, trap.addr, trap.size, port, trap.key);
    if (status === ZX_OK) return null;
    return `zx_guest_set_trap(${what}) failed: ${statusName(status)}${this.whyTrapRefused(trap, status)}`;
  }

  /** What Zircon's status means for this trap, in words (zircon-hypervisor.md §1.2, §5.2). */
  private whyTrapRefused(trap: UserTrap, status: number): string {
    const end = trap.addr + trap.size;
    if (status === ZX_ERR_ALREADY_EXISTS) {
      const device = this.table.all().find((r) => r.kind !== "io" && trap.addr < r.base + r.size && r.base < end);
      return device
        ? ` (it overlaps the VMM's ${device.handler.name} at ${hex(device.base)}; MEM and BELL traps may not overlap)`
        : " (it overlaps a trap already set on this guest; MEM and BELL traps may not overlap)";
    }
    if (status === ZX_ERR_INVALID_ARGS) {
      if (trap.addr % 4096 !== 0 || trap.size % 4096 !== 0) return " (MEM and BELL traps need a page-aligned address and size: multiples of 0x1000)";
      if (trap.size <= 0) return " (the size must not be zero)";
      return " (the range must lie inside the guest-physical address space, below 2^48)";
    }
    return "";
  }

  /**
   * INTA for the 8259A pair: while INTR is asserted, acknowledge and queue the vector with
   * zx_vcpu_interrupt (the kernel injects it when the guest's IF allows; see pic8259.ts).
   */
  private deliverInterrupts(): void {
    if (this.delivering || !this.loaded || this.disposed) return;
    this.delivering = true;
    try {
      for (let i = 0; i < 16 && this.pics.intr(); i++) {
        // zx_vcpu_interrupt treats vectors below 32 as exceptions, injected whatever RFLAGS.IF says
        // (zircon-hypervisor.md §4.3); a Zircon VMM cannot present an external interrupt there. With
        // the 8259A still at the firmware's base (IRQ 0 → vector 8) the request stays in IRR, as for a
        // CPU that keeps interrupts off, until the guest reprograms ICW2 to 32 or above.
        if (this.pics.peekVector() < 32) break;
        this.thread.zx_vcpu_interrupt(this.vcpu, this.pics.acknowledge());
      }
    } finally {
      this.delivering = false;
    }
  }

  private consoleByte(b: number): void {
    this.pendingConsole.push(b);
    if (this.pendingConsole.length >= CONSOLE_BATCH_BYTES || performance.now() - this.lastFlush >= CONSOLE_BATCH_MS) this.flushConsole();
    else if (this.flushTimer === null) {
      // The guest may go quiet (HLT, waiting for input) with bytes still batched: flush them soon anyway.
      this.flushTimer = setTimeout(this.flushConsoleLater, CONSOLE_BATCH_MS);
      (this.flushTimer as { unref?: () => void }).unref?.();
    }
  }

  /**
   * consoleByte's timer. A field made once: a closure made in consoleByte would have V8 allocate its
   * context (for `this`) at every byte the guest prints, timer or not.
   */
  private readonly flushConsoleLater = (): void => this.flushConsole();

  private flushConsole(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    this.lastFlush = performance.now();
    if (this.pendingConsole.length === 0) return;
    const bytes = Uint8Array.from(this.pendingConsole);
    this.pendingConsole = [];
    this.sinks.console?.(bytes);
  }

  /** The kinds that had exits, with their counts, in EXIT_KINDS order. */
  private exitsByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    EXIT_KINDS.forEach((kind, i) => {
      if (this.exitCounts[i] > 0) out[kind] = this.exitCounts[i];
    });
    return out;
  }

  private count(kind: ExitRecord["kind"]): void {
    this.exitCounts[exitKindIndex(kind)]++;
    this.exitSeq++;
  }

  /** Counts an exit and reports it to the exit sink; returns the RIP of the instruction behind it, if known. */
  private record(status: number, kind: ExitRecord["kind"], summary: string, summaryHash?: number): bigint | null {
    const seq = this.exitSeq;
    this.count(kind);
    const exit = this.sinks.exit;
    if (!exit && status !== ZX_ERR_STOP) return null;
    // The two figures an exit record needs, without the whole arch state (eight segments) per exit:
    // from the resume that returned, or asked for.
    let rip: bigint | null;
    let instructions: number;
    if (this.resumed) {
      rip = this.resumedRip;
      instructions = this.resumedCount;
    } else {
      const r = this.thread.hvplay_vcpu_instructions_retired(this.vcpu);
      const ok = r.status === ZX_OK && r.count !== undefined;
      rip = ok ? (r.last_exit_rip ?? null) : null;
      instructions = ok ? Number(r.count) : this.lastInstructions;
    }
    if (exit) {
      // One record, filled anew per exit (MachineSinks.exit: the sink copies what it keeps).
      const r = this.exitRecord;
      r.seq = seq;
      r.status = status;
      r.kind = kind;
      r.summary = summary;
      r.instructions = instructions;
      r.rip = rip;
      exit(r, summaryHash);
    }
    return rip;
  }

  /** The count while the VCPU runs (hvplay_vcpu_instructions_retired works between its slices). */
  private liveInstructions(): number {
    const r = this.thread.hvplay_vcpu_instructions_retired(this.vcpu);
    return r.status === ZX_OK && r.count !== undefined ? Number(r.count) : this.lastInstructions;
  }

  /** The count between resumes (drive() asks at every exit: the one-number extension, not the whole arch state). */
  private instructionsRetired(): number {
    if (!this.loaded) return 0;
    return this.liveInstructions();
  }

  private ripSuffix(): string {
    const r = this.archState();
    return r.status === ZX_OK && r.state?.rip !== undefined ? ` at RIP ${hex(r.state.rip)}` : "";
  }
}
