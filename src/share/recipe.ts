/**
 * A recipe: everything needed to reproduce a guest boot for someone else — the guest (a bundled
 * guest's file name, the bundled Linux guest, an image's bytes, or assembly source), how it boots, the machine it runs on
 * (memory, clock, the user's MEM and BELL traps), breakpoints, UI settings and console input to replay. It is data only: nothing in it is ever
 * executed outside the emulator.
 *
 * Two shapes:
 * - `Recipe`, the in-memory form the page works with (bigint addresses, image bytes, every field
 *   filled in);
 * - the wire form, the JSON the codec compresses (hex-string addresses, defaults left out, the image
 *   replaced by its size: its bytes travel after the JSON, see codec.ts). `WireRecipeSchema` is the
 *   one validator; `recipeToWire` / `recipeFromWire` convert.
 *
 * Validation uses valibot: a schema library whose functions are tree-shaken into the page bundle
 * (a few KB for this schema, against zod's ~50 KB core), whose issues carry the path of the field
 * at fault, and which runs unchanged in Node for the tests.
 */
import * as v from "valibot";

/**
 * The newest recipe format this playground reads and writes. A link is written in the lowest version
 * that holds its recipe (recipeVersion): 1 without traps, 2 with them, 3 for the bundled Linux
 * guest, so that a playground that reads only version 1 opens every link it can and, for one with
 * traps, says "made by a newer playground" instead of booting the guest without them (README.md,
 * "Versions"); and a version 2 playground, which has no Linux guest, says the same of a Linux link
 * instead of blaming the link ("guest.kind: must be a bundled guest, an image or source").
 */
export const RECIPE_VERSION = 3;
/** The versions this playground reads. */
export type RecipeVersion = 1 | 2 | 3;
/** The first version with traps. */
export const TRAPS_VERSION = 2;
/** The first version with the bundled Linux guest (guest kind "bundled-linux", boot method "linux"). */
export const LINUX_VERSION = 3;

/** Guest RAM bounds in MiB: src/vmm's DEFAULT_MEMORY_MIB and MAX_MEMORY_MIB (recipe.test.ts checks they agree). */
export const DEFAULT_MEMORY_MIB = 128;
/** The bundled Linux guest's default: workers/api.ts's LINUX_DEFAULT_MEMORY_MIB (recipe.test.ts checks they agree). */
export const LINUX_MEMORY_MIB = 256;
export const MIN_MEMORY_MIB = 2;
export const MAX_MEMORY_MIB = 2048;

/** A bundled guest's file name: workers/api.ts's GUEST_FILE_NAME (no paths; recipe.test.ts checks they agree). */
export const BUNDLED_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(elf|bin)$/;

/** Caps on single fields; the codec caps the whole payload as well (codec.ts). */
export const LIMITS = {
  /** A file name shown in the UI. */
  name: 255,
  /** The Multiboot command line. */
  cmdline: 4096,
  /** Assembly source text, in UTF-16 code units. */
  source: 512 * 1024,
  /** Image bytes (the codec's decompressed-size cap is the real bound). */
  image: 1024 * 1024,
  /** Console input to replay, in UTF-16 code units. */
  consoleInput: 64 * 1024,
  /** Breakpoints of each kind. */
  breakpoints: 256,
  /** The highest source line a breakpoint may name. */
  line: 1_000_000,
  /** Panels named in the settings. */
  panels: 32,
  /** User traps (workers/hypervisor-session.ts's MAX_USER_TRAPS; recipe.test.ts checks they agree). */
  traps: 64,
} as const;

/** Zircon's page: MEM and BELL traps start and end on one (zircon-hypervisor.md §5.2). */
export const TRAP_PAGE = 4096;
/** The guest-physical address space's size (src/zircon's GUEST_PHYSICAL_ASPACE_SIZE; recipe.test.ts checks). */
export const GUEST_PHYSICAL_LIMIT = 2 ** 48;

/** Why a link carries no IO traps: the VMM traps every port itself, and Zircon cannot remove a trap. */
export const IO_TRAPS_NOT_SHAREABLE =
  'IO traps cannot be shared: the VMM traps every I/O port itself and Zircon has no call that removes a trap, so a second IO trap would fail with ZX_ERR_ALREADY_EXISTS; use "mem" or "bell"';

/** Linux boots need a kernel and usually an initrd: megabytes, far past what a link can carry. */
export const LINUX_NOT_SHAREABLE =
  "Linux guests cannot be shared by link: a kernel and initrd are megabytes, far more than a link carries (only the bundled Linux guest can be named)";

export type FlatMode = "real" | "protected" | "long";
export type ClockMode = "deterministic" | "realtime";
export type Theme = "dark" | "light" | "system";

/** What to boot. */
export type GuestSpec =
  /** A guest bundled with the playground (public/guests/<file>): the link names it, the bytes stay home. */
  | { kind: "bundled"; file: string }
  /**
   * The bundled Linux guest (version 3): the kernel and busybox initramfs that
   * `npm run guests:linux` builds into guests/linux/. Named only; it boots by the Linux boot protocol.
   */
  | { kind: "bundled-linux" }
  /** An image the user opened: its bytes travel in the link. */
  | { kind: "image"; name: string; bytes: Uint8Array }
  /** NASM source the playground assembles (src/asm) before booting. */
  | { kind: "source"; name: string; text: string };

/**
 * How to boot it (the `hvplay run --boot` methods a link can carry). "linux" only for the bundled
 * Linux guest (its default, and its only method); any other Linux guest is LINUX_NOT_SHAREABLE.
 */
export type BootMethod =
  /** Multiboot v1 (ELF32 or a.out kludge), entered as QEMU's -kernel does. */
  | { method: "multiboot" }
  /** Raw bytes at `load`, started at `entry` in `mode` (VMM defaults for those left out). */
  | { method: "flat"; mode?: FlatMode; load?: number; entry?: number }
  /** An ELF32 or ELF64 executable, segments at their physical addresses. */
  | { method: "elf" }
  /** The Linux boot protocol's 64-bit entry (the bundled Linux guest only). */
  | { method: "linux" };

export interface Breakpoints {
  /** Guest addresses (as the debugger takes them). */
  addresses: bigint[];
  /** 1-based lines of the source (meaningful for source guests). */
  lines: number[];
}

/**
 * A trap set with zx_guest_set_trap on the guest after the VMM's own (the Address space panel's
 * "Add trap"): MEM (synchronous: the VMM answers reads with all ones) or BELL (asynchronous: a
 * packet on the VMM's port). Each access shows in the exit timeline under `key`.
 */
export interface Trap {
  kind: "mem" | "bell";
  /** Guest-physical address and size in bytes, multiples of TRAP_PAGE, ending at or below GUEST_PHYSICAL_LIMIT. */
  addr: number;
  size: number;
  /** The packet key, a u64. */
  key: bigint;
}

export interface Settings {
  /** Panels open, by the UI's names for them; names this UI does not know are ignored. */
  panels?: string[];
  theme?: Theme;
}

/** A recipe in memory. It has no version: its wire form is written in the lowest one that holds it (recipeVersion). */
export interface Recipe {
  guest: GuestSpec;
  boot: BootMethod;
  memoryMiB: number;
  /** Multiboot command line, or the Linux kernel's ("" for none: Linux then gets workers/api.ts LINUX_DEFAULT_CMDLINE). */
  cmdline: string;
  /** Deterministic by default: device time follows retired instructions, so a link replays the same. */
  clock: ClockMode;
  breakpoints: Breakpoints;
  /** User traps, in the order they are set; they may not overlap one another. */
  traps: Trap[];
  settings: Settings;
  /** Typed into COM1 once the guest runs ("" for none). */
  consoleInput: string;
}

/** The lowest format version that holds `recipe`: 3 for the bundled Linux guest, else 2 if it has traps, else 1. */
export function recipeVersion(recipe: Recipe): RecipeVersion {
  if (recipe.guest.kind === "bundled-linux") return LINUX_VERSION;
  return recipe.traps.length > 0 ? TRAPS_VERSION : 1;
}

/** How `guest` boots when the recipe does not say: Linux for the bundled Linux guest, else Multiboot. */
export function defaultBoot(guest: GuestSpec): BootMethod {
  return guest.kind === "bundled-linux" ? { method: "linux" } : { method: "multiboot" };
}

/** Guest RAM when the recipe does not say: LINUX_MEMORY_MIB for the bundled Linux guest, else DEFAULT_MEMORY_MIB. */
export function defaultMemoryMiB(guest: GuestSpec): number {
  return guest.kind === "bundled-linux" ? LINUX_MEMORY_MIB : DEFAULT_MEMORY_MIB;
}

/** A recipe for `guest` with every other field at its default. */
export function defaultRecipe(guest: GuestSpec, boot: BootMethod = defaultBoot(guest)): Recipe {
  return {
    guest,
    boot,
    memoryMiB: defaultMemoryMiB(guest),
    cmdline: "",
    clock: "deterministic",
    breakpoints: { addresses: [], lines: [] },
    traps: [],
    settings: {},
    consoleInput: "",
  };
}

// ---- the wire schema -------------------------------------------------------------------------

/** No control characters: a name is shown in the UI and used as the Multiboot image name. */
const NAME = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(LIMITS.name, `must be at most ${LIMITS.name} characters`),
  v.regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters"),
);

const U32 = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number"),
  v.minValue(0, "must not be negative"),
  v.maxValue(0xffff_ffff, "must fit in 32 bits"),
);

const WireGuestSchema = v.variant(
  "kind",
  [
    v.strictObject({
      kind: v.literal("bundled"),
      file: v.pipe(
        v.string("must be a string"),
        v.regex(BUNDLED_FILE_NAME, "must be a bundled guest's file name such as hello.elf (letters, digits, . _ -, ending .elf or .bin)"),
      ),
    }),
    v.strictObject({
      kind: v.literal("image"),
      name: NAME,
      size: v.pipe(
        v.number("must be a number"),
        v.integer("must be a whole number"),
        v.minValue(1, "must be at least 1 byte"),
        v.maxValue(LIMITS.image, `must be at most ${LIMITS.image} bytes`),
      ),
    }),
    v.strictObject({
      kind: v.literal("source"),
      name: NAME,
      text: v.pipe(v.string("must be a string"), v.maxLength(LIMITS.source, `must be at most ${LIMITS.source} characters`)),
    }),
    // Version 3: the bundled Linux guest, by name only (recipeFromWire checks the version).
    v.strictObject({ kind: v.literal("bundled-linux") }),
  ],
  'must be a bundled guest, the bundled Linux guest, an image or source (kind "bundled", "bundled-linux", "image" or "source")',
);

const WireBootSchema = v.variant(
  "method",
  [
    v.strictObject({ method: v.literal("multiboot") }),
    v.strictObject({
      method: v.literal("flat"),
      mode: v.optional(v.picklist(["real", "protected", "long"], 'must be "real", "protected" or "long"')),
      load: v.optional(U32),
      entry: v.optional(U32),
    }),
    v.strictObject({ method: v.literal("elf") }),
    // The bundled Linux guest's method (version 3). recipeFromWire refuses it for any other guest
    // with LINUX_NOT_SHAREABLE before the schema runs, so that the refusal says why.
    v.strictObject({ method: v.literal("linux") }),
  ],
  'must be "multiboot", "flat" or "elf" ("linux" for the bundled Linux guest only)',
);

const ADDRESS = v.pipe(
  v.string("must be a hex string such as \"0x100000\""),
  v.regex(/^0x[0-9a-fA-F]{1,16}$/, 'must be a hex address of at most 64 bits such as "0x100000"'),
);

const LINE = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(LIMITS.line, `must be at most ${LIMITS.line}`),
);

const WireBreakpointsSchema = v.strictObject({
  addresses: v.optional(v.pipe(v.array(ADDRESS, "must be a list"), v.maxLength(LIMITS.breakpoints, `must hold at most ${LIMITS.breakpoints} breakpoints`))),
  lines: v.optional(v.pipe(v.array(LINE, "must be a list"), v.maxLength(LIMITS.breakpoints, `must hold at most ${LIMITS.breakpoints} breakpoints`))),
});

/** A u64 in hex: a 64-bit value does not survive a JSON number. */
const KEY = v.pipe(
  v.string('must be a hex string such as "0x7"'),
  v.regex(/^0x[0-9a-fA-F]{1,16}$/, 'must be a hex number of at most 64 bits such as "0x7"'),
);

const PAGE_ALIGNED = `must be a multiple of 0x1000 (${TRAP_PAGE}): Zircon takes MEM and BELL traps in whole pages`;

const TRAP_ADDRESS = v.pipe(
  v.string('must be a hex string such as "0xd0000000"'),
  v.regex(/^0x[0-9a-fA-F]{1,12}$/, 'must be a hex guest-physical address below 2^48 such as "0xd0000000"'),
  v.check((a) => Number(a) % TRAP_PAGE === 0, PAGE_ALIGNED),
);

const TRAP_SIZE = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number of bytes"),
  v.minValue(TRAP_PAGE, `must be at least ${TRAP_PAGE} bytes (one page)`),
  v.maxValue(GUEST_PHYSICAL_LIMIT, "must be at most 2^48 bytes"),
  v.check((n) => n % TRAP_PAGE === 0, PAGE_ALIGNED),
);

const trapFields = { addr: TRAP_ADDRESS, size: TRAP_SIZE, key: KEY };

const WireTrapSchema = v.pipe(
  v.unknown(),
  // IO traps are named, so that their refusal says why instead of "not mem or bell".
  v.check((t) => !(typeof t === "object" && t !== null && (t as { kind?: unknown }).kind === "io"), IO_TRAPS_NOT_SHAREABLE),
  v.variant(
    "kind",
    [v.strictObject({ kind: v.literal("mem"), ...trapFields }), v.strictObject({ kind: v.literal("bell"), ...trapFields })],
    'must be "mem" or "bell"',
  ),
  v.forward(
    v.check((t) => Number(t.addr) + t.size <= GUEST_PHYSICAL_LIMIT, "must end within the guest-physical address space (2^48 bytes)"),
    ["size"],
  ),
);

/** The first two traps (by index) whose ranges overlap, or null. */
function overlapping(traps: readonly { addr: string; size: number }[]): [number, number] | null {
  for (let i = 0; i < traps.length; i++) {
    for (let j = i + 1; j < traps.length; j++) {
      const a = Number(traps[i].addr), b = Number(traps[j].addr);
      if (a < b + traps[j].size && b < a + traps[i].size) return [i, j];
    }
  }
  return null;
}

const WireTrapsSchema = v.pipe(
  v.array(WireTrapSchema, "must be a list"),
  v.maxLength(LIMITS.traps, `must hold at most ${LIMITS.traps} traps`),
  v.check(
    (traps) => overlapping(traps) === null,
    (issue) => {
      const pair = overlapping(issue.input as { addr: string; size: number }[]) ?? [0, 1];
      return `entries ${pair[0]} and ${pair[1]} overlap: Zircon refuses overlapping MEM and BELL traps (ZX_ERR_ALREADY_EXISTS)`;
    },
  ),
);

const WireSettingsSchema = v.strictObject({
  panels: v.optional(
    v.pipe(
      v.array(v.pipe(v.string("must be a string"), v.regex(/^[a-z][a-z0-9-]{0,31}$/, "must be a panel name (lower-case letters, digits and -)")), "must be a list"),
      v.maxLength(LIMITS.panels, `must name at most ${LIMITS.panels} panels`),
    ),
  ),
  theme: v.optional(v.picklist(["dark", "light", "system"], 'must be "dark", "light" or "system"')),
});

/** The wire form (JSON) of a recipe: optional fields take their defaults when absent. */
export const WireRecipeSchema = v.strictObject(
  {
    v: v.picklist([1, 2, 3], "must be 1, 2 or 3"),
    guest: WireGuestSchema,
    boot: v.optional(WireBootSchema),
    memoryMiB: v.optional(
      v.pipe(
        v.number("must be a number"),
        v.integer("must be a whole number of MiB"),
        v.minValue(MIN_MEMORY_MIB, `must be from ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB`),
        v.maxValue(MAX_MEMORY_MIB, `must be from ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB`),
      ),
    ),
    cmdline: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.maxLength(LIMITS.cmdline, `must be at most ${LIMITS.cmdline} characters`),
        v.regex(/^[^\u0000]*$/, "must not contain NUL characters"),
      ),
    ),
    clock: v.optional(v.picklist(["deterministic", "realtime"], 'must be "deterministic" or "realtime"')),
    breakpoints: v.optional(WireBreakpointsSchema),
    traps: v.optional(WireTrapsSchema),
    settings: v.optional(WireSettingsSchema),
    consoleInput: v.optional(v.pipe(v.string("must be a string"), v.maxLength(LIMITS.consoleInput, `must be at most ${LIMITS.consoleInput} characters`))),
  },
  "must be an object",
);

export type WireRecipe = v.InferOutput<typeof WireRecipeSchema>;

/** A recipe that failed validation: the field at fault and why, as one readable line. */
export interface RecipeProblem {
  /** Dotted path of the field ("guest.file", "breakpoints.lines.3"), or "" for the whole recipe. */
  field: string;
  message: string;
}

/** "field: message" for a valibot issue; unknown fields and wrong discriminants are named plainly. */
function describeIssue(issue: v.BaseIssue<unknown>): RecipeProblem {
  const field = v.getDotPath(issue) ?? "";
  // A strict object reports an unexpected key as a "never" issue at the key's path.
  if (issue.expected === "never") return { field, message: "is not a field of a recipe (made by another program?)" };
  // A missing required field arrives as a type issue whose input is undefined.
  if (issue.input === undefined && issue.kind === "schema") return { field, message: "is missing" };
  return { field, message: issue.message };
}

export function formatProblem(problem: RecipeProblem): string {
  return problem.field ? `${problem.field}: ${problem.message}` : `the recipe ${problem.message}`;
}

/**
 * Validates a wire recipe (parsed JSON). `imageBytes` are the bytes that travelled after the JSON
 * (null if none): an image guest needs exactly `size` of them, other guests none. `version`, when
 * given, is the one the link states outside the data: the recipe's own `v` must agree.
 */
export function recipeFromWire(
  json: unknown,
  imageBytes: Uint8Array | null,
  version?: number,
): { ok: true; recipe: Recipe } | { ok: false; problem: RecipeProblem } {
  // valibot's object schemas take an array for an object (both are typeof "object").
  if (Array.isArray(json)) return { ok: false, problem: { field: "", message: "must be an object" } };
  // A Linux boot of anything but the bundled Linux guest: said first, whatever else is wrong (an
  // image guest's kernel would otherwise be refused as too large, which is true but not the reason).
  if (typeof json === "object" && json !== null) {
    const { boot, guest } = json as { boot?: unknown; guest?: unknown };
    const method = typeof boot === "object" && boot !== null ? (boot as { method?: unknown }).method : undefined;
    const kind = typeof guest === "object" && guest !== null ? (guest as { kind?: unknown }).kind : undefined;
    if (method === "linux" && kind !== "bundled-linux") return { ok: false, problem: { field: "boot", message: LINUX_NOT_SHAREABLE } };
  }
  const parsed = v.safeParse(WireRecipeSchema, json, { abortEarly: true });
  if (!parsed.success) return { ok: false, problem: describeIssue(parsed.issues[0]) };
  const w = parsed.output;
  if (version !== undefined && w.v !== version) return { ok: false, problem: { field: "v", message: `is ${w.v}, but the link says version ${version}` } };
  if (w.traps !== undefined && w.v < TRAPS_VERSION) {
    return { ok: false, problem: { field: "traps", message: `need version ${TRAPS_VERSION} of the recipe format (v: ${TRAPS_VERSION}); version ${w.v} has no traps` } };
  }
  if (w.guest.kind === "bundled-linux") {
    if (w.v < LINUX_VERSION) {
      return { ok: false, problem: { field: "guest", message: `the bundled Linux guest needs version ${LINUX_VERSION} of the recipe format (v: ${LINUX_VERSION}); version ${w.v} has none` } };
    }
    if (w.boot !== undefined && w.boot.method !== "linux") {
      return { ok: false, problem: { field: "boot.method", message: `must be "linux" for the bundled Linux guest (or left out), not ${JSON.stringify(w.boot.method)}` } };
    }
  }
  let guest: GuestSpec;
  if (w.guest.kind === "image") {
    if (!imageBytes) return { ok: false, problem: { field: "guest.size", message: `says ${w.guest.size} bytes, but the link carries no image` } };
    if (imageBytes.length !== w.guest.size) {
      return { ok: false, problem: { field: "guest.size", message: `says ${w.guest.size} bytes, but the link carries ${imageBytes.length}` } };
    }
    guest = { kind: "image", name: w.guest.name, bytes: imageBytes };
  } else {
    if (imageBytes) return { ok: false, problem: { field: "guest", message: `is a ${w.guest.kind} guest, but the link also carries image bytes` } };
    guest = w.guest.kind === "bundled" ? { kind: "bundled", file: w.guest.file }
      : w.guest.kind === "bundled-linux" ? { kind: "bundled-linux" }
      : { kind: "source", name: w.guest.name, text: w.guest.text };
  }
  const boot: BootMethod =
    w.boot === undefined ? defaultBoot(guest)
    : w.boot.method === "multiboot" ? { method: "multiboot" }
    : w.boot.method === "elf" ? { method: "elf" }
    // Only the bundled Linux guest gets here with "linux" (checked above).
    : w.boot.method === "linux" ? { method: "linux" }
    : withoutUndefined({ method: "flat" as const, mode: w.boot.mode, load: w.boot.load, entry: w.boot.entry });
  return {
    ok: true,
    recipe: {
      guest,
      boot,
      memoryMiB: w.memoryMiB ?? defaultMemoryMiB(guest),
      cmdline: w.cmdline ?? "",
      clock: w.clock ?? "deterministic",
      breakpoints: {
        addresses: (w.breakpoints?.addresses ?? []).map((a) => BigInt(a)),
        lines: [...(w.breakpoints?.lines ?? [])],
      },
      traps: (w.traps ?? []).map((t) => ({ kind: t.kind, addr: Number(t.addr), size: t.size, key: BigInt(t.key) })),
      settings: withoutUndefined({ panels: w.settings?.panels ? [...w.settings.panels] : undefined, theme: w.settings?.theme }),
      consoleInput: w.consoleInput ?? "",
    },
  };
}

/**
 * The wire form of a recipe (defaults left out, so links stay short) and the image bytes that
 * travel after it. Does not validate: the codec validates the result with WireRecipeSchema, so a
 * recipe the decoder would refuse is never encoded.
 */
export function recipeToWire(recipe: Recipe): { json: Record<string, unknown>; imageBytes: Uint8Array | null } {
  const g = recipe.guest;
  const json: Record<string, unknown> = { v: recipeVersion(recipe) };
  let imageBytes: Uint8Array | null = null;
  if (g.kind === "image") {
    json.guest = { kind: "image", name: g.name, size: g.bytes.length };
    imageBytes = g.bytes;
  } else {
    json.guest = g.kind === "bundled" ? { kind: "bundled", file: g.file }
      : g.kind === "bundled-linux" ? { kind: "bundled-linux" }
      : { kind: "source", name: g.name, text: g.text };
  }
  if (recipe.boot.method !== defaultBoot(g).method) json.boot = withoutUndefined({ ...recipe.boot });
  if (recipe.memoryMiB !== defaultMemoryMiB(g)) json.memoryMiB = recipe.memoryMiB;
  if (recipe.cmdline !== "") json.cmdline = recipe.cmdline;
  if (recipe.clock !== "deterministic") json.clock = recipe.clock;
  const { addresses, lines } = recipe.breakpoints;
  if (addresses.length > 0 || lines.length > 0) {
    json.breakpoints = withoutUndefined({
      addresses: addresses.length > 0 ? addresses.map(formatAddress) : undefined,
      lines: lines.length > 0 ? [...lines] : undefined,
    });
  }
  if (recipe.traps.length > 0) {
    // Addresses in hex as breakpoints are; a key in hex, as a u64 does not survive a JSON number.
    json.traps = recipe.traps.map((t) => ({ kind: t.kind, addr: Number.isSafeInteger(t.addr) ? formatAddress(BigInt(t.addr)) : String(t.addr), size: t.size, key: formatAddress(t.key) }));
  }
  const settings = withoutUndefined({ ...recipe.settings });
  if (Object.keys(settings).length > 0) json.settings = settings;
  if (recipe.consoleInput !== "") json.consoleInput = recipe.consoleInput;
  return { json, imageBytes };
}

/** "0x…" in lower case; a negative or wider-than-64-bit value is written as is, for the schema to refuse. */
function formatAddress(address: bigint): string {
  return address < 0n ? `-0x${(-address).toString(16)}` : `0x${address.toString(16)}`;
}

function withoutUndefined<T extends object>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as T;
}
