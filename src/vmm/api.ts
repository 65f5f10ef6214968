/**
 * The VMM's public surface, used by the CLI (src/cli) and by the worker (workers/). The VMM itself
 * (src/vmm/machine.ts) reaches the kernel only through zx_* calls; this file holds only types.
 */

/** A guest image and how to boot it. */
export type BootSpec =
  | {
      /** "multiboot": a Multiboot v1 kernel (ELF32 or a.out kludge), entered as QEMU's -kernel does. */
      boot: "multiboot";
      image: Uint8Array;
      /** Multiboot command line (QEMU: -append). */
      cmdline?: string;
      /** Multiboot modules, in order (QEMU: -initrd "file args,file2"): bytes and the string the kernel sees. */
      modules?: Array<{ data: Uint8Array; string: string }>;
      /**
       * The image's file name. QEMU's Multiboot command line is "<kernel file name> <append>", so the CLI
       * passes the IMAGE argument as given and a kernel sees the same string under hvplay and QEMU.
       * Default "kernel".
       */
      imageName?: string;
    }
  | {
      /** "flat": raw bytes at `load`, started at `entry` in `mode` (loaders/flat.ts has the exact start states). */
      boot: "flat";
      image: Uint8Array;
      /** Default "real". */
      mode?: "real" | "protected" | "long";
      /** Default 0x7c00 in real mode, 0x100000 otherwise. */
      load?: number;
      /** Default `load`. */
      entry?: number;
    }
  | {
      /** "elf": an ELF32 (protected mode) or ELF64 (long mode) executable, segments at their physical addresses. */
      boot: "elf";
      image: Uint8Array;
    }
  | {
      /** "linux": a bzImage by the Linux x86 boot protocol's 64-bit entry (loaders/linux.ts). */
      boot: "linux";
      image: Uint8Array;
      initrd?: Uint8Array;
      cmdline?: string;
    };

/**
 * A trap the user asked for (the page's Address space panel, a share link, `hvplay run --trap`), set
 * with zx_guest_set_trap after the VMM's own. MEM (synchronous: the VCPU waits, the VMM answers a read
 * with all ones and drops a write) or BELL (asynchronous: a packet on the VMM's port, the VCPU goes on).
 * No IO traps: the VMM traps every port itself, and Zircon has no call that removes a trap, so a user
 * IO trap could only fail with ZX_ERR_ALREADY_EXISTS. Every access is recorded as an exit under `key`.
 */
export interface UserTrap {
  kind: "mem" | "bell";
  /** Guest-physical address and size in bytes: multiples of 4096 (Zircon's rule for MEM and BELL traps). */
  addr: number;
  size: number;
  /** The packet key (u64). */
  key: bigint;
}

export interface MachineOptions {
  /** Guest RAM in MiB (default 128, as qemu-ref). */
  memoryMiB?: number;
}

/** Where guest output and machine events go. Every callback is optional. */
export interface MachineSinks {
  /** Bytes the guest wrote to the debug console (port 0xE9) or transmitted on COM1, in order. */
  console?(bytes: Uint8Array): void;
  /**
   * Every packet or status returned by zx_vcpu_resume, as the VMM saw it; with fnv1a(record.summary)
   * when the VMM has it at hand (exit-hash.ts: ExitHash.add takes it and skips its own lookup).
   * `record` is the VMM's own, filled anew for the next exit once this returns (a million exits a
   * second made as many objects): read it here, or copy it (`{ ...record }`) to keep it.
   */
  exit?(record: Readonly<ExitRecord>, summaryHash?: number): void;
}

export interface ExitRecord {
  /** Sequence number (0, 1, ...). */
  seq: number;
  /** Status returned by zx_vcpu_resume (ZX_OK when a packet came back). */
  status: number;
  /** Packet kind when status is ZX_OK: "io" | "mem" | "vcpu" | "bell"; otherwise "status". */
  kind: "io" | "mem" | "vcpu" | "bell" | "status";
  /** Short human-readable description, e.g. "OUT 0xe9 1 byte 0x48" or "ZX_ERR_CANCELED". */
  summary: string;
  /** Instructions retired by the VCPU when the exit happened. */
  instructions: number;
  /**
   * RIP of the instruction that caused the exit (playground extension hvplay_vcpu_last_exit), or
   * null when none did (a kick, an interrupt window) or it is unknown.
   */
  rip: bigint | null;
}

/** How a call to run()/step() ended. */
export type RunOutcome =
  /** The guest wrote v to the exit device (port 0xF4): the run's exit status is (v << 1) | 1. */
  | { kind: "exit-device"; exitStatus: number }
  /**
   * The guest pulsed the reset line (i8042 command 0xFE, port 0x92 bit 0). Sticky: QEMU with
   * -no-reboot (qemu-ref) ends there too.
   */
  | { kind: "reset" }
  /** zx_vcpu_resume returned ZX_ERR_CANCELED after pause() (zx_vcpu_kick). */
  | { kind: "paused" }
  /** The instruction limit given to run() or step() was reached (or, for stepToExit(), the exit was handled). */
  | { kind: "limit" }
  /** A host breakpoint (Machine.setBreakpoints): stopped before the instruction at `rip`. */
  | { kind: "breakpoint"; rip: bigint }
  /** zx_vcpu_resume failed with a status the VMM cannot recover from (a triple fault gives ZX_ERR_NOT_SUPPORTED). */
  | { kind: "error"; status: number; message: string };

export interface MachineStats {
  instructionsRetired: number;
  /** Exits seen by the VMM, by kind ("io", "mem", "vcpu", "bell", "status"). */
  exitsByKind: Record<string, number>;
  /** Wall-clock milliseconds spent inside run()/step(). */
  runMillis: number;
  /**
   * ExitHash (src/vmm/exit-hash.ts) of every exit record so far, as 8 hex digits, where the owner
   * of the exit sink keeps one (the browser's worker does; `hvplay run --exit-hash` prints its own).
   */
  exitHash?: string;
}

/** The general registers as zx_vcpu_read_state gives them (bigints, zx_vcpu_state_t field names). */
export interface GeneralRegisters {
  rax: bigint; rcx: bigint; rdx: bigint; rbx: bigint; rsp: bigint; rbp: bigint; rsi: bigint; rdi: bigint;
  r8: bigint; r9: bigint; r10: bigint; r11: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint;
  rflags: bigint;
}
