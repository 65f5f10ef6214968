/**
 * The worker boundary: the one typed API module imported by both sides (STYLE.md §E, after 6502.ts's
 * `messages.ts`). The worker (workers/hypervisor.worker.ts) exposes an object implementing
 * `HypervisorApi` with Comlink; the page holds a `Comlink.Remote<HypervisorApi>`.
 *
 * Two channels, never mixed:
 * - request/response: the methods of `HypervisorApi` (each returns once its work is done);
 * - events: `subscribe(listener)` registers a Comlink-proxied callback that receives `EventBatch`es,
 *   flushed at most once per ~16 ms while something happens (console bytes, syscall log entries,
 *   exit records, state changes, registers, stats), one at a time: the next waits for the
 *   listener's promise (BATCH_ACK_TIMEOUT_MS).
 *
 * Every payload is structured-clone safe (bigints included). Guest RAM crosses as a Uint8Array over
 * a SharedArrayBuffer, which postMessage shares instead of copying.
 *
 * Names follow Zircon at the ABI (handle, koid, rights, status names such as ZX_ERR_CANCELED).
 * This file holds types and tiny constants only; it must not import src/zircon or src/vmm values,
 * so that the page bundle never pulls the kernel in.
 */
import type { ExitRecord, GeneralRegisters, MachineStats, UserTrap } from "../src/vmm/api";

/** UserTrap: a MEM or BELL trap the user added (Address space panel, share link), src/vmm's type. */
export type { ExitRecord, GeneralRegisters, MachineStats, UserTrap };

/** The general registers in display order, as named in zx_vcpu_state_t. */
export const GENERAL_REGISTER_NAMES = [
  "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rflags",
] as const satisfies readonly (keyof GeneralRegisters)[];

/**
 * Architectural state beyond zx_vcpu_state_t (RIP, control and segment registers). Zircon does not
 * let user space read these; the playground exposes them as a clearly marked extension
 * (Machine.readArchState). Values are bigints, keyed by lower-case register name.
 */
export type ArchRegisters = Record<string, bigint>;

/** A segment register with its hidden part, as the playground extension reads it (VMCS format). */
export interface SegmentView {
  selector: number;
  base: bigint;
  /** Byte-granular limit. */
  limit: number;
  /** VMCS access-rights format: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16. */
  accessRights: number;
}

export const SEGMENT_NAMES = ["cs", "ds", "es", "fs", "gs", "ss", "ldtr", "tr"] as const;
export type SegmentName = (typeof SEGMENT_NAMES)[number];

/** How the VCPU decodes instructions right now, derived from CR0, EFER, RFLAGS.VM and CS. */
export type CpuMode = "real" | "v86" | "protected16" | "protected32" | "compat16" | "compat32" | "long64";

/**
 * The full architectural picture behind the register panel (playground extension
 * hvplay_vcpu_read_arch_state; Zircon itself does not let user space read these).
 */
export interface ArchDetail {
  rip: bigint;
  rflags: bigint;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  segments: Record<SegmentName, SegmentView>;
  gdtr: { base: bigint; limit: number };
  idtr: { base: bigint; limit: number };
  mode: CpuMode;
  /** Code size the decoder uses in `mode`: 16, 32 or 64. */
  bits: 16 | 32 | 64;
}

/** What the register panel shows after a stop. */
export interface RegisterSnapshot {
  /** From zx_vcpu_read_state(ZX_VCPU_STATE); null if the VCPU could not be read. */
  general: GeneralRegisters | null;
  /** Playground extension, flattened to name → value (segments by selector, tables by base); null if unavailable. */
  arch: ArchRegisters | null;
  /** Playground extension, in full (hidden segment parts, table limits, the decoding mode); null if unavailable. */
  detail: ArchDetail | null;
  /** Instructions retired when the snapshot was taken. */
  instructions: number;
}

/** Lifecycle of the machine in the worker (Firecracker's explicit VCPU state machine, in small). */
export type MachineState =
  /** No guest loaded (before boot, or the last load failed). */
  | { kind: "empty" }
  /** Fetching / loading a guest image. */
  | { kind: "loading"; what: string }
  /** Loaded, not started yet (after load or reset). */
  | { kind: "ready" }
  /** The VCPU loop is running (possibly halted in the guest, waiting for an interrupt). */
  | { kind: "running" }
  /**
   * Stopped by Pause (zx_vcpu_kick), by Step (one instruction, or over a call), by Step to exit
   * (after the next VM exit was handled), by an instruction limit, or before the instruction at a
   * breakpoint (`address`: its RIP).
   */
  | { kind: "paused"; reason: "pause" | "step" | "exit" | "limit" }
  | { kind: "paused"; reason: "breakpoint"; address: bigint }
  /** The guest wrote to the exit device: exit status = (value << 1) | 1 (QEMU isa-debug-exit). */
  | { kind: "exited"; exitStatus: number }
  /** zx_vcpu_resume failed in a way the VMM cannot recover from, or the VMM threw. */
  | {
      kind: "error";
      message: string;
      status: number | null;
      statusName: string | null;
      /** What the guest did to get here, in words (workers/explain.ts), when there is more to say than the status. */
      explanation?: string;
    };

export type MachineStateKind = MachineState["kind"];

/** One row of the handles panel (from the process's handle table, names resolved in the worker). */
export interface HandleRow {
  /** The opaque, scrambled zx_handle_t value. */
  handle: number;
  /** ZX_OBJ_TYPE_* value and its name ("ZX_OBJ_TYPE_GUEST"). */
  type: number;
  typeName: string;
  koid: bigint;
  rights: number;
  /** ZX_RIGHT_* names of the set bits, lowest first. */
  rightsNames: string[];
}

/** One syscall, formatted in the worker from the kernel's tracer event. */
export interface SyscallLogEntry {
  /** Order in which the calls completed (0, 1, ...). */
  seq: number;
  /** The calling thread's koid (or name). */
  thread: string;
  /** Zircon's syscall name, e.g. "zx_vcpu_resume". */
  name: string;
  /** Arguments, formatted (handles and addresses in hex). */
  args: string;
  /** zx_status_t returned, if the call returns one. */
  status: number | null;
  statusName: string | null;
  /** Out-parameters other than status, formatted (e.g. "guest_handle=0x…"). */
  detail: string;
}

/**
 * Everything that happened since the previous batch. Lists are capped per batch (oldest dropped,
 * counted in *Dropped) so a guest that makes millions of exits cannot flood the page.
 */
export interface EventBatch {
  /** Batch sequence number (0, 1, ...), so the page can tell a lost batch. */
  seq: number;
  /**
   * A new machine was created (load or reset) before everything else in this batch: the page
   * clears what showed the old one (console, registers). A batch never spans two machines.
   */
  newMachine: boolean;
  /**
   * With `newMachine`: the name of the guest it is loaded from. (The "loading" state names it too,
   * but a batch keeps only its latest state, so a quick load's "loading" may never arrive.)
   */
  guestName?: string;
  /** Guest console output (debugcon 0xE9 and COM1 transmit), in order; null if none. */
  console: Uint8Array | null;
  /**
   * Console bytes the worker dropped before this batch's, oldest first (0 if none): it keeps at most
   * MAX_PENDING_CONSOLE_BYTES while the page has not taken the previous batch.
   */
  consoleDropped: number;
  syscalls: SyscallLogEntry[];
  syscallsDropped: number;
  exits: ExitRecord[];
  exitsDropped: number;
  /** Latest machine state, if it changed. */
  state: MachineState | null;
  /** Registers, pushed whenever the machine stops. */
  registers: RegisterSnapshot | null;
  /** Handle table, pushed after it may have changed (load, reset). */
  handles: HandleRow[] | null;
  stats: MachineStats | null;
  /** Readable problems (VMM exceptions, load errors) for the page to show; never fatal to the worker. */
  errors: string[];
}

/**
 * The result of a zx_* call made from the page (HypervisorApi.syscall): exactly what the kernel
 * binding returned — a bare status number, or `{ status, <C out-parameter names> }` — or `error`
 * when the call could not be made at all (unknown name).
 */
export type SyscallResult =
  /** `buffers`: the Uint8Array arguments as the call left them (filled caller buffers such as zx_vcpu_read_state's), in argument order. */
  | { result: unknown; error: null; buffers?: Uint8Array[] }
  | { result: null; error: string };

/** What a zx_* name the page may call looks like: Zircon's syscall names only (no other methods). */
export const ZX_SYSCALL_NAME = /^zx_[a-z0-9_]+$/;

/**
 * How to boot an image: src/vmm's BootSpec without the image. A Multiboot v1 kernel (ELF32 or a.out
 * kludge, what `hvplay run` assumes), a flat image at an address in real, protected or long mode
 * (`hvplay run --boot flat [--mode M] [--load A] [--entry A]`; a boot sector: real mode at 0000:7C00),
 * an ELF executable, or a Linux kernel with its initrd (`hvplay run --boot linux [--initrd F]`).
 */
export type GuestBoot =
  | { boot: "multiboot" }
  | { boot: "flat"; mode?: "real" | "protected" | "long"; load?: number; entry?: number }
  /** An ELF32/ELF64 executable, segments at their physical addresses (`hvplay run --boot elf`). */
  | { boot: "elf" }
  /**
   * A Linux kernel (GuestImage.image: a bzImage or an ELF64 vmlinux) by the x86 boot protocol's
   * 64-bit entry, with an optional initrd. The command line is GuestImage.cmdline (LINUX_DEFAULT_CMDLINE
   * when absent); the machine gets LINUX_DEFAULT_MEMORY_MIB unless MachineConfig says otherwise.
   */
  | { boot: "linux"; initrd?: Uint8Array };

/**
 * The machine a guest image runs on, beyond the image itself: what a share link's recipe (src/share)
 * carries. Absent fields take the worker's defaults (128 MiB, deterministic clock), as `hvplay run`'s.
 */
export interface MachineConfig {
  /** Guest RAM in MiB (`hvplay run --mem`; src/vmm takes 2 to 2048). */
  memoryMiB?: number;
  /** Device time from retired instructions, so a run replays the same (the default), or from the host's clock (`--clock`). */
  clock?: "deterministic" | "realtime";
}

/** A guest image to boot. */
export interface GuestImage {
  /** Shown in the UI, e.g. "hello.elf". */
  name: string;
  image: Uint8Array;
  /** Multiboot command line (after the file name, as QEMU's -append), or the Linux kernel's command line. */
  cmdline?: string;
  /** How to boot it; Multiboot when absent. */
  boot?: GuestBoot;
  /** The machine to create for it; the defaults when absent. */
  machine?: MachineConfig;
}

/** One guest-physical mapping of the guest's address space (zx_vmar_map on the guest's VMAR). */
export interface MappingView {
  /** Guest-physical address and size in bytes. */
  addr: number;
  size: number;
  /** The VMO mapped there, by koid, with its size and name (ZX_PROP_NAME; "" if unset). */
  vmoKoid: bigint;
  vmoSize: number;
  vmoName: string;
  /** Offset into the VMO. */
  vmoOffset: number;
  /** "r", "w", "x" as mapped (ZX_VM_PERM_*). */
  perms: string;
}

/** One trap set with zx_guest_set_trap. */
export interface TrapView {
  kind: "bell" | "mem" | "io";
  /** Guest-physical address (BELL/MEM) or port (IO), and length. */
  addr: number;
  len: number;
  /** The packet key, and the port's koid (BELL traps; null for MEM and IO traps, which are synchronous). */
  key: bigint;
  portKoid: bigint | null;
}

/** The guest's physical address space (playground extension; Zircon has no call that lists it). */
export interface AddressSpaceView {
  guestKoid: bigint;
  mappings: MappingView[];
  traps: TrapView[];
}

export interface StepResult {
  /** Null on success, else a readable reason (e.g. "the guest has exited"). */
  error: string | null;
  registers: RegisterSnapshot | null;
}

/** controlWords(): the page's requests to preempt the running VCPU (KernelContext.preempt reads this word). */
export const CONTROL_PREEMPT = 0;
/** controlWords(): how many runs of the VCPU loop have ended (the session adds 1 after CONTROL_RUN_END is stored). */
export const CONTROL_RUN_ENDS = 1;
/** controlWords(): how the last run ended: RUN_END_PAUSE (the state became "paused" for pause()) or RUN_END_OTHER. */
export const CONTROL_RUN_END = 2;
export const RUN_END_OTHER = 0;
export const RUN_END_PAUSE = 1;
/** The length of controlWords()'s array. */
export const CONTROL_WORDS = 3;

/**
 * The request/response half. Implemented by `HypervisorSession` (workers/hypervisor-session.ts).
 * Through Comlink every method returns a Promise on the page side.
 */
export interface HypervisorApi {
  /**
   * Registers the event listener (pass `Comlink.proxy(fn)`); replaces any previous one. The next
   * batch waits until the listener's promise settles: resolve it once the page has shown the batch.
   */
  subscribe(listener: (batch: EventBatch) => void | Promise<void>): void;
  /** Fetches the default guest (public/guests/DEFAULT_GUEST), loads it and runs it. Null or an error. */
  bootDefault(): Promise<string | null>;
  /**
   * Fetches a bundled guest (public/guests/<name>, `name` matching GUEST_FILE_NAME), loads it the way
   * `boot` says (Multiboot when absent; the page knows each bundled guest's kind, src/ui/guests.ts)
   * and runs it. Null or an error.
   *
   * `name` LINUX_GUEST ("linux") is the bundled Linux guest: the kernel and initrd that
   * `npm run guests:linux` builds into guests/linux/ (served at <base>guests/linux/, never
   * precached): LINUX_KERNEL_FILES (the first present), LINUX_INITRD_FILE. Absent, the error says
   * how to build them.
   */
  bootGuest(name: string, boot?: GuestBoot): Promise<string | null>;
  /** Loads an image (replacing the current machine); does not start it. Null or an error. */
  load(guest: GuestImage): Promise<string | null>;
  /** Starts (or resumes) the VCPU loop; returns once it is running. Null or why it cannot run. */
  run(): string | null;
  /** Stops a running VCPU with zx_vcpu_kick; resolves once it has stopped. */
  pause(): Promise<void>;
  /**
   * Words in shared memory between the page and the worker (CONTROL_*), so that Pause is answered
   * at once. A running VCPU takes the event loop's turn only between slices (up to ~20 ms), so the
   * page adds 1 to CONTROL_PREEMPT (Atomics.add) just before it calls pause(); while that word is
   * non-zero the VCPU ends its slice at its next look, within ~2 ms (KernelContext.preempt), and
   * pause() takes the 1 back. Each time a run of the VCPU loop ends, the session stores how it
   * ended in CONTROL_RUN_END and then adds 1 to CONTROL_RUN_ENDS: the page, which cannot take the
   * worker's messages while its click is being handled, watches that count for a few ms after
   * calling pause() and shows "paused" in the frame that follows the click. Null without
   * SharedArrayBuffer (then pause() waits for the slice's end, and the page for the state event).
   */
  controlWords(): Int32Array | null;
  /** Executes exactly one guest instruction (the machine must not be running). */
  step(): Promise<StepResult>;
  /**
   * Step over: like step(), but a CALL, INT n or REP-prefixed string instruction runs to the
   * instruction after it (through a temporary breakpoint), so a subroutine or an interrupt handler
   * runs as one step. Stops early at a breakpoint or an exit the VMM cannot continue from.
   */
  stepOver(): Promise<StepResult>;
  /** Runs until the VCPU makes its next VM exit and the VMM has handled it (or a breakpoint, or pause()). */
  stepToExit(): Promise<StepResult>;
  /**
   * Replaces the set of breakpoints (RIP values: the VCPU stops before executing an instruction
   * whose RIP is one of them). Kept across reset and load. Null or an error.
   */
  setBreakpoints(addresses: bigint[]): string | null;
  /**
   * Sets a user trap (MEM or BELL) on the current guest now, with zx_guest_set_trap after the VMM's
   * own traps, and remembers it: every machine created later (load, reset) gets it again, after the
   * VMM's setup. Null, or why not (the call and Zircon's status, named; not also sent as an error
   * event); a refused trap is not remembered. Without a machine it is only remembered.
   */
  addTrap(trap: UserTrap): string | null;
  /**
   * Replaces the remembered user traps (a share link's, or the list less one removed). They apply
   * from the next load or reset: Zircon has no call that removes a trap, so the current guest keeps
   * the traps it has. Null, or why the list was refused (nothing changes then).
   */
  setTraps(traps: UserTrap[]): string | null;
  /** The remembered user traps, in the order they were added. */
  userTraps(): UserTrap[];
  /**
   * zx_vcpu_write_state(ZX_VCPU_STATE) with the given general registers changed (the others as they
   * are); RFLAGS keeps bit 1 set. Returns the status and its name; the machine must be stopped.
   */
  writeRegisters(changes: Partial<GeneralRegisters>): Promise<{ status: number; statusName: string }>;
  /**
   * Writes bytes into guest RAM at a guest-physical address (as a VMM writing into its mapping;
   * instruction caches are told). Null or an error (out of range).
   */
  writeMemory(address: number, bytes: Uint8Array): string | null;
  /**
   * A guest's mappings and traps (playground extension hvplay_guest_describe): the VMM's guest, or
   * the guest of handle `guest` in the VMM process (one made through the page's zx_guest_create);
   * null without a machine or for a handle that is not a guest.
   */
  addressSpace(guest?: number): AddressSpaceView | null;
  /** Recreates the machine from the last loaded image, in state "ready". Null or an error. */
  reset(): Promise<string | null>;
  readRegisters(): RegisterSnapshot | null;
  readArchState(): ArchRegisters | null;
  listHandles(): HandleRow[];
  /**
   * Makes one zx_* syscall on the VMM process's main thread, exactly as the kernel binding takes it
   * (numbers or bigints; Uint8Array for caller buffers); blocking calls are awaited. Every call is
   * traced into the syscall log like the VMM's own. The VCPU belongs to the VMM's thread, so calls
   * that Zircon restricts to the owner (resume, read/write state) return ZX_ERR_BAD_STATE here.
   */
  syscall(name: string, args: unknown[]): Promise<SyscallResult>;
  /** Bytes typed by the user, for COM1's receive side. */
  consoleInput(bytes: Uint8Array): void;
  /** Guest RAM as a view over its SharedArrayBuffer (shared, not copied); null without a machine. */
  getRam(): Uint8Array | null;
  stats(): MachineStats | null;
  state(): MachineState;
  /** Liveness probe for the page's watchdog: returns its argument. */
  ping(nonce: number): number;
  /**
   * The guest the current machine was loaded from (a copy: name, image bytes, boot method, command
   * line, machine config), or null before any load. Share builds its link from this.
   */
  loadedGuest(): GuestImage | null;
}

/** The default guest, served from public/guests/: the interactive monitor on COM1 (guests/monitor.asm). */
export const DEFAULT_GUEST = "monitor.elf";
/** What a bundled guest's file name may look like (no paths: only files in public/guests/). */
export const GUEST_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(elf|bin)$/;

/**
 * The hypervisor worker's name (the `name` of `new Worker`, shown by devtools): "hypervisor", or
 * "hypervisor: GUEST" when the page will boot the bundled guest GUEST first (a file of
 * public/guests/, or LINUX_GUEST). The worker then fetches its files as soon as it starts
 * (prefetchedGuest, guest-prefetch.ts), and bootGuest(GUEST) takes those bytes: the page's first
 * calls reach a new worker only once the page's thread has run the task that says the worker has
 * loaded, which on a page still building itself comes ~0.1 s later (for the Linux guest, ~0.4 s).
 */
export function hypervisorWorkerName(prefetch?: string): string {
  return prefetch !== undefined && isBundledGuest(prefetch) ? `hypervisor: ${prefetch}` : "hypervisor";
}

/** The bundled guest (a guest file's name, or LINUX_GUEST) a worker named by hypervisorWorkerName is to fetch at once, or null. */
export function prefetchedGuest(workerName: string): string | null {
  const m = /^hypervisor: (.+)$/.exec(workerName);
  return m !== null && isBundledGuest(m[1]) ? m[1] : null;
}

function isBundledGuest(name: string): boolean {
  return GUEST_FILE_NAME.test(name) || name === LINUX_GUEST;
}

/**
 * The bundled Linux guest's name (bootGuest, the toolbar, `?guest=linux`, share links): a kernel built
 * from Debian's linux-source (scripts/linux-guest.config; Debian's stock kernel with `-- --stock`) and a
 * busybox initramfs, built by `npm run guests:linux` (scripts/build-linux-guest.mjs)
 * into guests/linux/, which is git-ignored and served at <base>guests/linux/ (vite.config.ts).
 */
export const LINUX_GUEST = "linux";
/** Where the bundled Linux guest's files are served, relative to the app's base URL. */
export const LINUX_GUEST_PATH = "guests/linux/";
/**
 * The kernel, first found first: the uncompressed ELF64 vmlinux (it spares the kernel's own
 * decompressor: 93 M instructions of gzip for the bundled kernel, billions of XZ for Debian's stock
 * one), else the bzImage of the same kernel.
 */
export const LINUX_KERNEL_FILES = ["vmlinux", "bzImage"] as const;
/**
 * The initramfs, uncompressed: the guest then copies it rather than gunzipping it (39 M
 * instructions). A browser downloads its gzip copy (vite.config.ts, scripts/build-linux-guest.mjs).
 */
export const LINUX_INITRD_FILE = "initramfs.cpio";
/**
 * The command line of a Linux boot that gives none: the console on COM1, and three words that spare
 * a distribution's kernel work this machine does not need (a user's own command line replaces all of
 * it). The bundled kernel (scripts/linux-guest.config) has none of that work built in, and boots to
 * the shell in 31 M instructions with them, 32 M without; they are for Debian's stock kernel
 * (`npm run guests:linux -- --stock`) and kernels dropped on the page. Instructions to the shell of
 * Debian's kernel, 1.58 G with none of them:
 * - `cryptomgr.notests`: no crypto self-tests (the kernel checks its ciphers, hashes and RSA against
 *   test vectors as it registers them, 875 M instructions);
 * - `mitigations=off`: no defences against speculative-execution attacks (page-table isolation,
 *   retpolines, return thunks). The emulated CPU does not speculate, so they defend against nothing
 *   here; Zircon hides the CPUID bits (IA32_ARCH_CAPABILITIES) by which a CPU says it is immune, so
 *   the kernel cannot tell by itself. Page-table isolation alone costs 130 M instructions to the shell;
 * - `rodata=off`: the kernel's text and read-only data stay writable after boot, so the kernel skips
 *   its two walks of every page table looking for writable and executable pages (Debian enables
 *   CONFIG_DEBUG_WX), 136 M instructions.
 * With all three: 444 M; 379 M since the initramfs is uncompressed (LINUX_INITRD_FILE, 39 M) and
 * the VMM passes an RNG seed (src/vmm/loaders/linux.ts, 26 M). `hvplay run --boot linux` takes the
 * command line as given, and its test (src/vmm/linux-boot.test.ts), given the stock kernel, runs the
 * self-tests and checks that none fails.
 */
export const LINUX_DEFAULT_CMDLINE = "console=ttyS0 cryptomgr.notests mitigations=off rodata=off";
/** Guest RAM of a Linux boot whose MachineConfig names none (Linux wants 64 MiB at least). */
export const LINUX_DEFAULT_MEMORY_MIB = 256;
/** How to get the bundled Linux guest, for every message that says it is missing. */
export const LINUX_BUILD_COMMAND = "npm install && npm run guests:linux";

/**
 * Per-batch caps (the page keeps its own, longer ring): the newest MAX_* of the batch that starts a
 * machine (so its setup, the VMM's first calls and the guest's first exits, is all there), the newest
 * STEADY_* of each later one (at a million exits a second, cloning thousands of records per frame
 * took a fifth of the worker's time, and nobody reads them at that rate). 100 is still three
 * screens of rows per frame; at 500, formatting, cloning and rendering them cost the worker 9 % more
 * CPU time on bench-exits in Chromium (and the page's main thread the 2-core machine's other core).
 */
export const MAX_SYSCALLS_PER_BATCH = 2000;
export const MAX_EXITS_PER_BATCH = 2000;
export const STEADY_SYSCALLS_PER_BATCH = 100;
export const STEADY_EXITS_PER_BATCH = 100;
/** Batches are flushed at most this often (about one animation frame). */
export const FLUSH_INTERVAL_MS = 16;
/**
 * One batch is in flight at a time: the next waits until the page's listener has settled the last
 * (the page settles it after its next animation frame), so a page that falls behind gets fewer,
 * fuller batches instead of a queue of them in front of its input events. If no answer comes in
 * this long (a page that never paints, say), the next batch goes anyway.
 */
export const BATCH_ACK_TIMEOUT_MS = 1000;
/** Console bytes the worker keeps for the page between batches; beyond that the oldest are dropped. */
export const MAX_PENDING_CONSOLE_BYTES = 1 << 20;
