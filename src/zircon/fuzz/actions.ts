/**
 * The syscall fuzzer's vocabulary: one action per zx_* / hvplay_* call the kernel offers (plus a few
 * compound steps that build a runnable guest, flood a port, or make calls while a VCPU is inside
 * zx_vcpu_resume), and fast-check arbitraries that generate them.
 *
 * Actions are plain data (numbers, bigints, strings, Uint8Arrays) so that fast-check can shrink them
 * and print a failing sequence that can be pasted back into a test. Handles are not values but
 * operands (`HandleOperand`) that the runner resolves against the handles the process holds at that
 * moment: the i-th live handle (of the type the call wants, or of any type), a value that was closed
 * earlier (stale), ZX_HANDLE_INVALID, or raw garbage.
 */
import fc from "fast-check";

/** A handle argument, resolved by the runner at the time of the call. */
export type HandleOperand =
  | { k: "live"; i: number }
  /** A live handle of any type (usually the wrong one). */
  | { k: "any"; i: number }
  /** A value that was a handle once and has been closed. */
  | { k: "stale"; i: number }
  | { k: "zero" }
  /** Anything a JavaScript caller could pass: NaN, -1, 1.5, 2^32 + 3, a bigint, a string, null… */
  | { k: "raw"; v: unknown };

/** A buffer argument: a Uint8Array of `len` bytes (filled with `fill`), at a byte offset inside a larger buffer, or not a Uint8Array at all. */
export type BufferOperand =
  | { k: "bytes"; len: number; fill: number; offset: number }
  | { k: "raw"; v: unknown };

/** The rights argument of zx_handle_duplicate / zx_handle_replace. */
export type RightsOperand =
  | { k: "same" }
  /** The handle's current rights ANDed with `mask` (always a subset: a legal reduction). */
  | { k: "subset"; mask: number }
  | { k: "raw"; v: unknown };

/** A zx_port_queue packet. "user" packets get a fresh key from the runner so each can be traced. */
export type PacketOperand =
  | { k: "user"; status: number; payload: number; bytes: boolean }
  | { k: "raw"; v: unknown };

/** Calls made while a zx_vcpu_resume is pending (from another "thread" of the same process). */
export type DuringOp = "kick" | "close" | "readState" | "again" | "interrupt" | "writeArch" | "retired" | "setBreakpoints";

/**
 * Small hand-assembled guest programs (64-bit mode, at 0x2000). The runner appends a jump back to
 * the start, so every resume exits the same way again — except `bell`, which ends in `jmp $`: a guest
 * ringing a BELL in a loop fills the trap's 256 packets and then blocks in the kernel until the port
 * is read, which a kick does not end (Zircon's BlockingPortAllocator neither).
 */
export const PROGRAMS: Record<string, number[]> = {
  // mov al, 0x41; out 0x10, al
  out: [0xb0, 0x41, 0xe6, 0x10],
  // in al, 0x10
  in: [0xe4, 0x10],
  // mov [0x8000], al (a MEM trap when set, else an unmapped page)
  mem: [0x88, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00],
  // mov [0x9000], al (a BELL trap when set)
  bell: [0x88, 0x04, 0x25, 0x00, 0x90, 0x00, 0x00],
  hlt: [0xf4],
  loop: [],
  ud2: [0x0f, 0x0b],
  cpuid: [0x0f, 0xa2],
  vmcall: [0x0f, 0x01, 0xc1],
  stiHlt: [0xfb, 0xf4],
  pause: [0xf3, 0x90],
  // mov ecx, 0x830 (x2APIC ICR); xor edx, edx; mov eax, 0x40020 (self, fixed, vector 0x20); wrmsr
  ipi: [0xb9, 0x30, 0x08, 0x00, 0x00, 0x31, 0xd2, 0xb8, 0x20, 0x00, 0x04, 0x00, 0x0f, 0x30],
  // mov eax, 0xdeadbeef; mov cr3, rax: CR3 out in the weeds
  badCr3: [0xb8, 0xef, 0xbe, 0xad, 0xde, 0x0f, 0x22, 0xd8],
};
export const PROGRAM_NAMES = Object.keys(PROGRAMS);

export type Action =
  | { op: "close"; t: number; h: HandleOperand }
  | { op: "duplicate"; t: number; h: HandleOperand; rights: RightsOperand }
  | { op: "replace"; t: number; h: HandleOperand; rights: RightsOperand }
  | { op: "getInfo"; t: number; h: HandleOperand; topic: unknown; buf: BufferOperand | null }
  | { op: "vmoCreate"; t: number; size: unknown; options: unknown }
  | { op: "vmoRead"; t: number; h: HandleOperand; buf: BufferOperand; offset: unknown }
  | { op: "vmoWrite"; t: number; h: HandleOperand; buf: BufferOperand; offset: unknown }
  | { op: "vmoGetSize"; t: number; h: HandleOperand }
  | { op: "vmoSetCachePolicy"; t: number; h: HandleOperand; policy: unknown }
  | { op: "vmoReplaceAsExecutable"; t: number; h: HandleOperand; vmex: HandleOperand }
  | { op: "vmarMap"; t: number; vmar: HandleOperand; options: unknown; vmarOffset: unknown; vmo: HandleOperand; vmoOffset: unknown; len: unknown }
  | { op: "vmarUnmap"; t: number; vmar: HandleOperand; addr: unknown; len: unknown; relative: boolean }
  | { op: "vmarProtect"; t: number; vmar: HandleOperand; options: unknown; addr: unknown; len: unknown; relative: boolean }
  | { op: "vmarAllocate"; t: number; vmar: HandleOperand; options: unknown; offset: unknown; size: unknown }
  | { op: "guestCreate"; t: number; resource: HandleOperand | "hypervisor" | "other" | "vmex"; options: unknown }
  | { op: "guestSetTrap"; t: number; guest: HandleOperand; kind: unknown; addr: unknown; size: unknown; port: HandleOperand; key: unknown }
  | { op: "vcpuCreate"; t: number; guest: HandleOperand; options: unknown; entry: unknown }
  | { op: "vcpuResume"; t: number; vcpu: HandleOperand; how: "resume" | "enter" | "limited"; limit: unknown; during: DuringOp[] }
  | { op: "vcpuKick"; t: number; vcpu: HandleOperand }
  | { op: "vcpuInterrupt"; t: number; vcpu: HandleOperand; vector: unknown }
  | { op: "vcpuReadState"; t: number; vcpu: HandleOperand; kind: unknown; buf: BufferOperand }
  | { op: "vcpuWriteState"; t: number; vcpu: HandleOperand; kind: unknown; buf: BufferOperand }
  | { op: "readArchState"; t: number; vcpu: HandleOperand }
  | { op: "writeArchState"; t: number; vcpu: HandleOperand; partial: unknown }
  | { op: "setBreakpoints"; t: number; vcpu: HandleOperand; rips: unknown }
  | { op: "instructionsRetired"; t: number; vcpu: HandleOperand }
  | { op: "guestDescribe"; t: number; guest: HandleOperand }
  | { op: "portCreate"; t: number; options: unknown }
  | { op: "portQueue"; t: number; port: HandleOperand; packet: PacketOperand }
  | { op: "portFlood"; t: number; port: HandleOperand; count: number }
  | { op: "portWait"; t: number; port: HandleOperand; deadline: unknown }
  | { op: "portWaitThenQueue"; t: number; port: HandleOperand }
  /** `lastWait`: cancel the most recent zx_object_wait_async (its port, source handle and key). */
  | { op: "portCancel"; t: number; port: HandleOperand; source: HandleOperand; key: unknown; lastWait: boolean }
  | { op: "timerCreate"; t: number; options: unknown; clock: unknown }
  | { op: "timerSet"; t: number; timer: HandleOperand; deadline: unknown; slack: unknown }
  | { op: "timerCancel"; t: number; timer: HandleOperand }
  | { op: "waitAsync"; t: number; h: HandleOperand; port: HandleOperand; signals: unknown; options: unknown }
  | { op: "objectSignal"; t: number; h: HandleOperand; clear: unknown; set: unknown }
  | { op: "clock"; t: number; after: unknown }
  | { op: "setupGuest"; t: number; program: string; traps: { io: boolean; mem: boolean; bell: boolean } }
  | { op: "writeProgram"; t: number; vmo: HandleOperand; code: Uint8Array }
  | { op: "exitThread" }
  | { op: "drainPorts" };

// --- operands ---

const garbage: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  NaN, Infinity, -Infinity, -1, -3, 1.5, 3.5, 0.1, 2 ** 32 + 3, 0xffffffff, 0x7fffffff, Number.MAX_SAFE_INTEGER, -0,
  3n, -1n, 2n ** 64n + 3n, "3", "", null, undefined, {}, [], true, Symbol.for("h"),
);

export const handleOperand: fc.Arbitrary<HandleOperand> = fc.oneof(
  { weight: 14, arbitrary: fc.record({ k: fc.constant("live" as const), i: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("any" as const), i: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("stale" as const), i: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.constant({ k: "zero" as const }) },
  { weight: 1, arbitrary: fc.oneof(garbage, fc.integer({ min: 0, max: 0x3fffffff }).map((n) => ((n << 2) | 3) >>> 0)).map((v) => ({ k: "raw" as const, v })) },
);

/** Integers of every shape a binding could meet: small, page multiples, edges, huge bigints, negatives, NaN, non-numbers. */
export const anyInt: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(0x20000) },
  { weight: 4, arbitrary: fc.nat(64).map((n) => n * 4096) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(0, 1, 4095, 4096, 4097, 0x10000, 0xffffffff, 2 ** 32, 2 ** 47, 2 ** 48, 2 ** 53, Number.MAX_SAFE_INTEGER, -1, -4096, NaN, Infinity, -Infinity, 1.5, -0),
  },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0n, 1n, 4096n, -1n, 2n ** 32n, 2n ** 48n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 4096n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 63n), -(2n ** 64n)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("4096", null, undefined, {}, [], true) },
);

/** An option word: mostly a few of the known bits, sometimes anything. */
function options(known: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.nat().map((n) => (n & known) >>> 0) },
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.nat().map((n) => n >>> 0) },
    { weight: 1, arbitrary: anyInt },
  );
}

export const bufferOperand = (maxLen: number, special: number[] = [], randomWeight = 10): fc.Arbitrary<BufferOperand> =>
  fc.oneof(
    { weight: randomWeight, arbitrary: fc.record({ k: fc.constant("bytes" as const), len: fc.nat(maxLen), fill: fc.nat(255), offset: fc.constantFrom(0, 0, 0, 3, 8) }) },
    ...(special.length > 0
      ? [{ weight: 6, arbitrary: fc.record({ k: fc.constant("bytes" as const), len: fc.constantFrom(...special), fill: fc.oneof(fc.constantFrom(1, 2, 4), fc.nat(255)), offset: fc.constantFrom(0, 0, 5) }) }]
      : []),
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(null, undefined, "bytes", [1, 2, 3], 48, new Uint16Array(68), new ArrayBuffer(136), { length: 136 }).map((v) => ({ k: "raw" as const, v })),
    },
  );

const rightsOperand: fc.Arbitrary<RightsOperand> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ k: "same" as const }) },
  { weight: 6, arbitrary: fc.nat().map((mask) => ({ k: "subset" as const, mask: mask >>> 0 })) },
  { weight: 2, arbitrary: fc.oneof(anyInt, fc.nat().map((n) => n >>> 0)).map((v) => ({ k: "raw" as const, v })) },
);

const packetOperand: fc.Arbitrary<PacketOperand> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant("user" as const), status: fc.integer({ min: -100, max: 100 }), payload: fc.nat(255), bytes: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<unknown>(null, undefined, 7, "packet", {}, { key: "x" }, { key: NaN }, { key: -1, status: 2 ** 40 }, { key: 2n ** 70n, user: { u64: [1n, -1n] } }, { user: { u8: [1, 2, 3] } }, new Uint8Array(47), new Uint8Array(49), new Uint8Array(48))
      .map((v) => ({ k: "raw" as const, v })),
  },
);

/** Threads: 0 does most calls; 1 owns VCPUs of its own (so owner checks get exercised); 2 may exit. */
const thread = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) });

// ZX_VM_* bits map / allocate understand, plus a few alignments.
const VM_MAP_BITS = 0x7 | 0x10 | 0x20 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000;
const VM_ALLOC_BITS = 0x3c0 | 0x10 | 0x8 | 0x2000;
const vmOptions = (bits: number) =>
  fc.oneof(
    { weight: 8, arbitrary: options(bits) },
    { weight: 2, arbitrary: fc.tuple(options(bits), fc.constantFrom(0, 10, 12, 16, 21, 31)).map(([o, a]) => ((Number(o) | (a << 24)) >>> 0)) },
  );

/** Deadlines that never block: in the past, or "now" (the runner reads the clock), or not deadlines at all. */
export const NOW = "now";
const deadlineInPast = fc.constantFrom<unknown>(-(2n ** 63n), 0, 0n, -1, -1n, NOW, NOW, "yesterday", NaN, 2n ** 64n, 1.5);

const archPartial: fc.Arbitrary<unknown> = fc.oneof(
  {
    // Plausible values (the write succeeds), so the guest then runs in odd but legal states.
    weight: 6,
    arbitrary: fc.record(
      {
        rip: fc.constantFrom(0x2000, 0x2002, 0xfff0, 2n ** 64n - 16n),
        rflags: fc.constantFrom(0x2, 0x202, 0x3002, 0x20002),
        cr0: fc.constantFrom(0x80000031, 0x31, 0x10, 0x60000010),
        cr4: fc.constantFrom(0x20, 0x0, 0x620),
        efer: fc.constantFrom(0xd01, 0x0, 0x500),
        cs: fc.constantFrom({ selector: 8, base: 0, limit: 0xffff, access_rights: 0x209b }, { selector: 0, base: 0, limit: 0xffffffff, access_rights: 0xc09b }, { access_rights: 0x9b }),
        idtr: fc.constantFrom({ base: 0, limit: 0 }, { base: 0x3000, limit: 0xfff }),
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        rip: anyInt,
        rflags: anyInt,
        cr0: fc.oneof(anyInt, fc.constantFrom(0x80000011, 0x11, 0x60000010, 0x80000001)),
        cr3: anyInt,
        cr4: fc.oneof(anyInt, fc.constantFrom(0x20, 0x2020, 0)),
        efer: fc.oneof(anyInt, fc.constantFrom(0x500, 0x100, 0, 0xd01)),
        cs: fc.oneof(
          fc.record({ selector: anyInt, base: anyInt, limit: anyInt, access_rights: fc.oneof(anyInt, fc.constantFrom(0x209b, 0x409b, 0x9b, 0x10000)) }, { requiredKeys: [] }),
          garbage,
        ),
        ss: fc.record({ access_rights: fc.oneof(anyInt, fc.constantFrom(0x93, 0xf3)) }, { requiredKeys: [] }),
        gdtr: fc.oneof(fc.record({ base: anyInt, limit: anyInt }, { requiredKeys: [] }), garbage),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: garbage },
);

/** Addresses and lengths for unmap / protect: mostly inside the first 64 KiB of the VMAR (where mappings are). */
const vmarAddr = fc.oneof({ weight: 3, arbitrary: fc.nat(16).map((n) => n * 4096) }, { weight: 1, arbitrary: anyInt });
const vmarLen = fc.oneof({ weight: 3, arbitrary: fc.nat(3).map((n) => (n + 1) * 4096) }, { weight: 1, arbitrary: anyInt });

/** zx_vcpu_read_state / write_state kinds: ZX_VCPU_STATE mostly, ZX_VCPU_IO, or anything. */
const stateKind = fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>(0) }, { weight: 2, arbitrary: fc.constant<unknown>(1) }, { weight: 1, arbitrary: anyInt });

const during: fc.Arbitrary<DuringOp[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant([] as DuringOp[]) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom<DuringOp>("kick", "close", "readState", "again", "interrupt", "writeArch", "retired", "setBreakpoints"), { minLength: 1, maxLength: 3 }) },
);

const H = handleOperand;
const t = thread;

const weighted: Array<{ weight: number; arbitrary: fc.Arbitrary<Action> }> = [
  { weight: 6, arbitrary: fc.record({ op: fc.constant("close" as const), t, h: H }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("duplicate" as const), t, h: H, rights: rightsOperand }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("replace" as const), t, h: H, rights: rightsOperand }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("getInfo" as const), t, h: H, topic: fc.oneof(fc.constantFrom<unknown>(1, 2, 2, 2, 7, 32, 0, 3, 4, 999), anyInt), buf: fc.option(bufferOperand(64, [32, 16, 4, 31, 0]), { nil: null }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("vmoCreate" as const),
      t,
      size: fc.oneof({ weight: 8, arbitrary: fc.nat(0x10000) }, { weight: 2, arbitrary: anyInt }, { weight: 1, arbitrary: fc.constantFrom<unknown>(2 ** 32, 2 ** 32 + 1, 2n ** 64n - 1n, 2n ** 64n - 4096n, 2n ** 63n) }),
      options: options(0x6),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("vmoRead" as const), t, h: H, buf: bufferOperand(9000), offset: anyInt }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("vmoWrite" as const), t, h: H, buf: bufferOperand(9000), offset: anyInt }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("vmoGetSize" as const), t, h: H }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("vmoSetCachePolicy" as const), t, h: H, policy: fc.oneof(fc.nat(5), anyInt) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("vmoReplaceAsExecutable" as const), t, h: H, vmex: fc.oneof(H, fc.constant({ k: "zero" as const })) }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("vmarMap" as const), t, vmar: H, options: vmOptions(VM_MAP_BITS), vmarOffset: anyInt, vmo: H, vmoOffset: fc.oneof(fc.constant(0), anyInt), len: anyInt }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vmarUnmap" as const), t, vmar: H, addr: vmarAddr, len: vmarLen, relative: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vmarProtect" as const), t, vmar: H, options: options(0x4007), addr: vmarAddr, len: vmarLen, relative: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vmarAllocate" as const), t, vmar: H, options: vmOptions(VM_ALLOC_BITS), offset: anyInt, size: anyInt }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("guestCreate" as const), t, resource: fc.oneof({ weight: 6, arbitrary: fc.constant("hypervisor" as const) }, { weight: 1, arbitrary: fc.constantFrom("other" as const, "vmex" as const) }, { weight: 2, arbitrary: H }), options: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: anyInt }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("guestSetTrap" as const),
      t,
      guest: H,
      kind: fc.oneof(fc.constantFrom<unknown>(0, 1, 2), anyInt),
      addr: fc.oneof(fc.nat(0x10).map((n) => n * 4096), fc.nat(0xffff), anyInt),
      size: fc.oneof(fc.constantFrom<unknown>(1, 2, 4096, 8192), anyInt),
      port: fc.oneof(H, fc.constant({ k: "zero" as const })),
      key: anyInt,
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("vcpuCreate" as const), t, guest: H, options: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: anyInt }), entry: fc.oneof(fc.constantFrom<unknown>(0x2000, 0, 0x1000), anyInt) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant("vcpuResume" as const),
      t,
      vcpu: H,
      how: fc.constantFrom("resume" as const, "enter" as const, "limited" as const),
      limit: fc.oneof({ weight: 4, arbitrary: fc.nat(2000) }, { weight: 1, arbitrary: anyInt }),
      during,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("vcpuKick" as const), t, vcpu: H }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("vcpuInterrupt" as const), t, vcpu: H, vector: fc.oneof(fc.nat(300), anyInt) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vcpuReadState" as const), t, vcpu: H, kind: stateKind, buf: bufferOperand(200, [136, 136, 136, 8, 135, 137], 1) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vcpuWriteState" as const), t, vcpu: H, kind: stateKind, buf: bufferOperand(200, [136, 136, 8, 8, 135, 137], 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("readArchState" as const), t, vcpu: H }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("writeArchState" as const), t, vcpu: H, partial: archPartial }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("setBreakpoints" as const), t, vcpu: H, rips: fc.oneof(fc.array(fc.oneof(fc.constantFrom<unknown>(0x2000, 0x2002), anyInt), { maxLength: 4 }), fc.constant(Array.from({ length: 257 }, (_, i) => i)), garbage) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("instructionsRetired" as const), t, vcpu: H }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("guestDescribe" as const), t, guest: H }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("portCreate" as const), t, options: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: anyInt }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("portQueue" as const), t, port: H, packet: packetOperand }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("portFlood" as const), t, port: H, count: fc.oneof(fc.nat(40), fc.constantFrom(2047, 2048, 2100)) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("portWait" as const), t, port: H, deadline: deadlineInPast }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("portWaitThenQueue" as const), t, port: H }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("portCancel" as const), t, port: H, source: H, key: fc.oneof(fc.nat(8).map(BigInt), anyInt), lastWait: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("timerCreate" as const), t, options: fc.oneof(fc.nat(3), anyInt), clock: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: anyInt }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("timerSet" as const), t, timer: H, deadline: fc.oneof(deadlineInPast, fc.nat(5000), anyInt), slack: fc.oneof(fc.constant(0), anyInt) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("timerCancel" as const), t, timer: H }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("waitAsync" as const),
      t,
      h: H,
      port: H,
      signals: fc.oneof(fc.constantFrom<unknown>(8, 1 << 24, 0xff000000, 8 | (1 << 25), 0), anyInt),
      options: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<unknown>(0, 1) }, { weight: 1, arbitrary: anyInt }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("objectSignal" as const), t, h: H, clear: fc.oneof(fc.constantFrom<unknown>(0, 1 << 24, 0xff000000), anyInt), set: fc.oneof(fc.constantFrom<unknown>(0, 1 << 24, 1 << 25, 0xff000000, 8), anyInt) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("clock" as const), t, after: anyInt }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("setupGuest" as const), t: fc.constantFrom(0, 0, 1), program: fc.constantFrom(...PROGRAM_NAMES), traps: fc.record({ io: fc.boolean(), mem: fc.boolean(), bell: fc.boolean() }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("writeProgram" as const), t, vmo: H, code: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: "exitThread" as const }) },
  { weight: 2, arbitrary: fc.constant({ op: "drainPorts" as const }) },
];

export const action: fc.Arbitrary<Action> = fc.oneof(...weighted);

/** A sequence of calls for one fresh kernel. */
export const actionSequence = (maxLength: number): fc.Arbitrary<Action[]> => fc.array(action, { minLength: 1, maxLength, size: "max" });
