/**
 * The x86 machine as src/zircon sees it: a "VT-x" in software.
 *
 * src/zircon plays the part of Zircon's `vmexit.cc`: it calls `cpu.run(budget)`, which executes guest
 * instructions until one of the events below needs the hypervisor, then returns a small integer exit
 * reason and fills the preallocated `cpu.exit` record (the fields Zircon reads from the VMCS).
 *
 * Rules of the boundary (mirroring Intel VMX; Intel SDM Vol. 3C ch. 25-27):
 * - The CPU never calls a device and knows nothing about Zircon, handles or ports.
 * - Guest exceptions are delivered through the guest's own IDT/IVT without an exit (exception
 *   bitmap = 0). Only a triple fault exits.
 * - For instruction exits (IO, CPUID, HLT, RDMSR, WRMSR, MOV-CR, VMCALL, PAUSE, XSETBV, EPT
 *   violation) the instruction has NOT been executed: RIP still points at it and no register or
 *   memory was changed. `exit.instructionLength` tells the handler how far to advance RIP.
 * - A guest-physical access that `PhysicalMemory` does not back with the needed permission ends the
 *   run with EXIT_EPT_VIOLATION (`exit.gpa`, `exit.access`, and the instruction's bytes).
 */

/** The run ended because the instruction budget was used up (or `cpu.requestStop()` was called). */
export const EXIT_NONE = 0;
/** IN/OUT/INS/OUTS. Qualification: port, size (1, 2, 4), input, string, rep. */
export const EXIT_IO = 1;
/** Guest-physical access to an address not mapped with the needed permission. */
export const EXIT_EPT_VIOLATION = 2;
export const EXIT_CPUID = 3;
export const EXIT_HLT = 4;
/** RDMSR of an MSR the CPU does not implement natively (ECX holds the MSR number). */
export const EXIT_RDMSR = 5;
/** WRMSR of an MSR the CPU does not implement natively (ECX, EDX:EAX). */
export const EXIT_WRMSR = 6;
/**
 * MOV to CR0/CR4 that changes a bit owned by the host (guest/host mask), as VMX "CR access".
 * Qualification: cr (0 or 4), gpr (source register index 0-15); the value is in that register.
 */
export const EXIT_CR_ACCESS = 7;
export const EXIT_VMCALL = 8;
export const EXIT_PAUSE = 9;
export const EXIT_XSETBV = 10;
/** A fault while delivering a double fault. The CPU state is left as it was at the third fault. */
export const EXIT_TRIPLE_FAULT = 11;
/** `cpu.interruptWindowExiting` is set and the guest can now take an external interrupt. */
export const EXIT_INTERRUPT_WINDOW = 12;
/** INVD, VMX instructions, GETSEC and the like: instructions VMX always exits on. */
export const EXIT_UNSUPPORTED_INSTRUCTION = 13;
/** Host debugging: a breakpoint set with `cpu.setHostBreakpoint` is about to execute. */
export const EXIT_HOST_BREAKPOINT = 14;

/** Access kinds in `ExitInfo.access` (VMX EPT-violation qualification bits 0-2). */
export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;
export const ACCESS_FETCH = 4;

/** Page permissions in PhysicalMemory (the EPT permissions of a guest page). */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_EXECUTE = 4;

/** Event types for `cpu.injectEvent` (VMX VM-entry interruption-information types). */
export const EVENT_EXTERNAL_INTERRUPT = 0;
export const EVENT_NMI = 2;
export const EVENT_HARDWARE_EXCEPTION = 3;
export const EVENT_SOFTWARE_EXCEPTION = 6;

/** The exit record, allocated once per CPU and overwritten by every exit. */
export class ExitInfo {
  reason = EXIT_NONE;
  /** Length in bytes of the instruction that caused the exit (0 when not an instruction exit). */
  instructionLength = 0;
  /** The instruction's bytes (first `instructionLength` are valid). */
  readonly instructionBytes = new Uint8Array(15);
  /** EXIT_EPT_VIOLATION: the guest-physical address accessed (exact, not page-rounded). */
  gpa = 0;
  /** EXIT_EPT_VIOLATION: ACCESS_READ, ACCESS_WRITE or ACCESS_FETCH. */
  access = 0;
  /** EXIT_IO: port number. */
  port = 0;
  /** EXIT_IO: access size in bytes (1, 2, 4). EXIT_EPT_VIOLATION: the access size if known. */
  size = 0;
  /** EXIT_IO: true for IN/INS. */
  input = false;
  /** EXIT_IO: true for INS/OUTS. */
  string = false;
  /** EXIT_IO: true if a REP prefix was present. */
  rep = false;
  /** EXIT_CR_ACCESS: the control register number. */
  cr = 0;
  /** EXIT_CR_ACCESS: the general register holding the value written. */
  gpr = 0;
}

/** Segment registers, in the x86 encoding order. */
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
export const SEG_LDTR = 6;
export const SEG_TR = 7;

/**
 * A segment register's visible selector and hidden descriptor cache. `accessRights` is in the VMCS
 * format (Intel SDM Vol. 3C §24.4.1): type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15,
 * unusable 16. `limit` is the byte-granular limit (already scaled by G).
 */
export interface SegmentState {
  selector: number;
  base: bigint;
  limit: number;
  accessRights: number;
}

/**
 * Guest-physical memory as the CPU sees it: page-granular mappings of host buffers (VMO pages) with
 * EPT-style permissions. Owned by the guest's physical address space in src/zircon, which keeps it
 * in step with zx_vmar_map / zx_vmar_unmap / zx_vmar_protect / zx_guest_set_trap.
 */
export interface GuestPhysicalMemory {
  /** Map [gpa, gpa+len) onto backing[offset, offset+len) with PERM_* bits. Page-aligned. Replaces any existing mapping. */
  map(gpa: number, len: number, backing: Uint8Array, offset: number, perms: number): void;
  /** Remove every mapping in [gpa, gpa+len). Page-aligned. */
  unmap(gpa: number, len: number): void;
  /** Change permissions of mapped pages in [gpa, gpa+len). Page-aligned. */
  protect(gpa: number, len: number, perms: number): void;
  /** PERM_* bits of the page holding gpa, or 0 when unmapped. */
  permissions(gpa: number): number;
  /** Host access (VMM, kernel, debugger): ignores permissions. Returns false if any byte is unmapped. */
  readBytes(gpa: number, dest: Uint8Array): boolean;
  writeBytes(gpa: number, src: Uint8Array): boolean;
  /**
   * Fast page interface for the CPU (added by src/x86): incremented on every map/unmap/protect, so
   * the CPU's software TLB (which caches backing buffers) knows when to flush.
   */
  readonly generation: number;
  /** PERM_* bits of guest-physical page number `ppn` (gpa / 4096), 0 when unmapped. */
  pagePerms(ppn: number): number;
  /** Backing buffer of page `ppn`, or undefined when unmapped; the page starts at pageOffset(ppn). */
  pageBuffer(ppn: number): Uint8Array | undefined;
  pageOffset(ppn: number): number;
}

/**
 * What src/zircon needs from the CPU. `Cpu` in src/x86 implements it; everything else about the
 * CPU (decoder, executor internals) is private to src/x86.
 */
export interface VirtualCpu {
  readonly exit: ExitInfo;
  /**
   * Deliver a pending injected event (if any), then execute guest instructions until an exit or
   * until `budget` instructions have retired. Returns the exit reason (EXIT_NONE for the budget).
   * Never throws for anything the guest does.
   */
  run(budget: number): number;
  /** Make a running `run()` return EXIT_NONE at the next instruction boundary (from a callback). */
  requestStop(): void;
  /** Instructions retired since creation. */
  readonly instructionsRetired: number;

  /** General registers by index (RAX=0 ... R15=15), full 64 bits. */
  getRegister(index: number): bigint;
  setRegister(index: number, value: bigint): void;
  getRip(): bigint;
  setRip(value: bigint): void;
  /**
   * The same values as numbers, for the kernel's per-exit work (no BigInt on the VM-exit round
   * trip): RIP as the CPU keeps it (getRip() === BigInt.asUintN(64, BigInt(ripNumber())); in
   * 64-bit mode a canonical address, sign-extended), setRip for a number in that form, the low 32
   * bits of a general register (unsigned), and a segment's access rights (getSegment(seg).accessRights).
   */
  ripNumber(): number;
  setRipNumber(value: number): void;
  getRegister32(index: number): number;
  /** Writes the low 32 bits of a general register, keeping the high 32 (a host write: no zero extension). */
  setRegisterLow32(index: number, value: number): void;
  segmentAccessRights(seg: number): number;
  /** Host debugging: run() returns EXIT_HOST_BREAKPOINT before the instruction at `rip` (once per arrival). */
  setHostBreakpoint(rip: bigint, enabled: boolean): void;
  clearHostBreakpoints(): void;
  /** RFLAGS (fully materialised from the lazy flags). */
  getRflags(): number;
  setRflags(value: number): void;

  getSegment(seg: number): SegmentState;
  setSegment(seg: number, state: SegmentState): void;
  gdtrBase: bigint;
  gdtrLimit: number;
  idtrBase: bigint;
  idtrLimit: number;

  /** Actual control register values (what the CPU runs with). */
  cr0: number;
  cr2: bigint;
  cr3: bigint;
  cr4: number;
  /** CR8 / TPR. */
  cr8: number;
  efer: number;
  xcr0: number;
  /** VMX CR0/CR4 guest/host masks and read shadows (Intel SDM Vol. 3C §25.3). */
  cr0Mask: number;
  cr0Shadow: number;
  cr4Mask: number;
  cr4Shadow: number;

  /** MSRs the CPU implements natively (EFER, STAR, LSTAR, CSTAR, FMASK, FS/GS/KERNEL_GS base, SYSENTER_*, PAT, TSC, TSC_AUX). Undefined for others. */
  readMsr(msr: number): bigint | undefined;
  /** Returns false for MSRs the CPU does not implement natively, or for a value that would #GP. */
  writeMsr(msr: number, value: bigint): boolean;

  /** Queue one event for delivery at the start of the next run() (VM-entry event injection). errorCode < 0: none. */
  injectEvent(vector: number, type: number, errorCode: number): void;
  /** True when RFLAGS.IF = 1 and there is no STI / MOV SS blocking (an external interrupt could be taken now). */
  canTakeInterrupt(): boolean;
  /** True when NMIs are not blocked (no NMI in progress, no MOV SS blocking). */
  canTakeNmi(): boolean;
  /** Interrupt-window exiting (VMX primary control): exit with EXIT_INTERRUPT_WINDOW as soon as canTakeInterrupt(). */
  interruptWindowExiting: boolean;
  /** Clear STI / MOV SS blocking (done when a synchronous exit advances RIP). */
  clearInterruptShadow(): void;

  /** 128-bit XMM registers as 16 bytes each (little-endian). */
  readonly xmm: Uint8Array;
}
