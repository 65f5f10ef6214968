/** Test helper (imported by the tests alone): fast-check arbitraries for valid recipes. */
import fc from "fast-check";
import { LIMITS, MAX_MEMORY_MIB, MIN_MEMORY_MIB, type BootMethod, type GuestSpec, type Recipe, type Trap } from "./recipe";

/** A name with no control characters (any other Unicode, lone surrogates included). */
const name = fc
  .string({ unit: "binary", minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/[\u0000-\u001f\u007f]/g, "x"));

const bundledFile = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), fc.constantFrom(".elf", ".bin"))
  .map(([stem, ext]) => stem + ext);

export const guestSpec: fc.Arbitrary<GuestSpec> = fc.oneof(
  bundledFile.map((file) => ({ kind: "bundled" as const, file })),
  fc.record({ kind: fc.constant("image" as const), name, bytes: fc.uint8Array({ minLength: 1, maxLength: 2000 }) }),
  fc.record({ kind: fc.constant("source" as const), name, text: fc.string({ unit: "binary", maxLength: 400 }) }),
);

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

export const bootMethod: fc.Arbitrary<BootMethod> = fc.oneof(
  fc.constant({ method: "multiboot" as const }),
  fc.constant({ method: "elf" as const }),
  fc.record(
    { method: fc.constant("flat" as const), mode: fc.constantFrom("real" as const, "protected" as const, "long" as const), load: u32, entry: u32 },
    { requiredKeys: ["method"] },
  ),
);

/**
 * Traps that never overlap: each starts on its own 64 KiB slot of the 2^48-byte guest-physical space
 * and covers at most 16 pages of it.
 */
export const traps: fc.Arbitrary<Trap[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 4 })
  .chain((slots) =>
    fc.tuple(
      ...slots.map((slot) =>
        fc.record({
          kind: fc.constantFrom("mem" as const, "bell" as const),
          addr: fc.constant(slot * 0x10000),
          size: fc.integer({ min: 1, max: 16 }).map((pages) => pages * 4096),
          key: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        }),
      ),
    ),
  );

const anyGuestRecipe: fc.Arbitrary<Recipe> = fc.record({
  guest: guestSpec,
  boot: bootMethod,
  memoryMiB: fc.integer({ min: MIN_MEMORY_MIB, max: MAX_MEMORY_MIB }),
  cmdline: fc.string({ unit: "binary", maxLength: 80 }).map((s) => s.replace(/\u0000/g, " ")),
  clock: fc.constantFrom("deterministic" as const, "realtime" as const),
  breakpoints: fc.record({
    addresses: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 8 }),
    lines: fc.array(fc.integer({ min: 1, max: LIMITS.line }), { maxLength: 8 }),
  }),
  traps: fc.oneof(fc.constant<Trap[]>([]), traps),
  settings: fc.record(
    {
      panels: fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), { maxLength: 5 }),
      theme: fc.constantFrom("dark" as const, "light" as const, "system" as const),
    },
    { requiredKeys: [] },
  ),
  consoleInput: fc.string({ unit: "binary", maxLength: 60 }),
});

/** Any recipe: mostly of the guests above, one in five of the bundled Linux guest (which boots only as Linux). */
export const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  { arbitrary: anyGuestRecipe, weight: 4 },
  { arbitrary: anyGuestRecipe.map((r): Recipe => ({ ...r, guest: { kind: "bundled-linux" }, boot: { method: "linux" } })), weight: 1 },
);
