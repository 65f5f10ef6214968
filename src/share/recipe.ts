/**
 * A recipe: everything needed to reproduce a guest boot for someone else — the guest (a bundled
 * guest's file name, an image's bytes, or assembly source), how it boots, the machine it runs on
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
 * that holds its recipe (recipeVersion): 1 without traps, 2 with them, so that a playground that
 * reads only version 1 opens every link it can and, for one with traps, says "made by a newer
 * playground" instead of booting the guest without them (README.md, "Versions").
 */
export const RECIPE_VERSION = 2;
/** The versions this playground reads. */
export type RecipeVersion = 1 | 2;
/** The first version with traps. */
export const TRAPS_VERSION = 2;

/** Guest RAM bounds in MiB: src/vmm's DEFAULT_MEMORY_MIB and MAX_MEMORY_MIB (recipe.test.ts checks they agree). */
export const DEFAULT_MEMORY_MIB = 128;
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
  "Linux guests cannot be shared by link: a kernel and initrd are megabytes, far more than a link carries";

export type FlatMode = "real" | "protected" | "long";
export type ClockMode = "deterministic" | "realtime";
export type Theme = "dark" | "light" | "system";

/** What to boot. */
export type GuestSpec =
  /** A guest bundled with the playground (public/guests/<file>): the link names it, the bytes stay home. */
  | { kind: "bundled"; file: string }
  /** An image the user opened: its bytes travel in the link. */
  | { kind: "image"; name: string; bytes: Uint8Array }
  /** NASM source the playground assembles (src/asm) before booting. */
  | { kind: "source"; name: string; text: string };

/** How to boot it (the `hvplay run --boot` methods a link can carry; Linux cannot, see LINUX_NOT_SHAREABLE). */
export type BootMethod =
  /** Multiboot v1 (ELF32 or a.out kludge), entered as QEMU's -kernel does. */
  | { method: "multiboot" }
  /** Raw bytes at `load`, started at `entry` in `mode` (VMM defaults for those left out). */
  | { method: "flat"; mode?: FlatMode; load?: number; entry?: number }
  /** An ELF32 or ELF64 executable, segments at their physical addresses. */
  | { method: "elf" };

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
  /** Multiboot command line ("" for none). */
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

/** The lowest format version that holds `recipe`: 2 if it has traps, else 1. */
export function recipeVersion(recipe: Recipe): RecipeVersion {
  return recipe.traps.length > 0 ? TRAPS_VERSION : 1;
}

/** A recipe for `guest` with every other field at its default. */
export function defaultRecipe(guest: GuestSpec, boot: BootMethod = { method: "multiboot" }): Recipe {
  return {
    guest,
    boot,
    memoryMiB: DEFAULT_MEMORY_MIB,
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
  ],
  'must be a bundled guest, an image or source (kind "bundled", "image" or "source")',
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
    // Named so that its refusal says why, instead of "not one of the methods".
    v.pipe(v.looseObject({ method: v.literal("linux") }), v.check(() => false, LINUX_NOT_SHAREABLE)),
  ],
  'must be "multiboot", "flat" or "elf"',
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
    v: v.picklist([1, 2], "must be 1 or 2"),
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
  const parsed = v.safeParse(WireRecipeSchema, json, { abortEarly: true });
  if (!parsed.success) return { ok: false, problem: describeIssue(parsed.issues[0]) };
  const w = parsed.output;
  if (version !== undefined && w.v !== version) return { ok: false, problem: { field: "v", message: `is ${w.v}, but the link says version ${version}` } };
  if (w.traps !== undefined && w.v < TRAPS_VERSION) {
    return { ok: false, problem: { field: "traps", message: `need version ${TRAPS_VERSION} of the recipe format (v: ${TRAPS_VERSION}); version ${w.v} has no traps` } };
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
    guest = w.guest.kind === "bundled" ? { kind: "bundled", file: w.guest.file } : { kind: "source", name: w.guest.name, text: w.guest.text };
  }
  const boot: BootMethod =
    w.boot === undefined || w.boot.method === "multiboot" ? { method: "multiboot" }
    : w.boot.method === "elf" ? { method: "elf" }
    : w.boot.method === "flat" ? withoutUndefined({ method: "flat" as const, mode: w.boot.mode, load: w.boot.load, entry: w.boot.entry })
    // Unreachable: the schema refuses "linux"; kept so that a schema change cannot let it through.
    : ({ method: "multiboot" } as never);
  return {
    ok: true,
    recipe: {
      guest,
      boot,
      memoryMiB: w.memoryMiB ?? DEFAULT_MEMORY_MIB,
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
    json.guest = g.kind === "bundled" ? { kind: "bundled", file: g.file } : { kind: "source", name: g.name, text: g.text };
  }
  if (recipe.boot.method !== "multiboot") json.boot = withoutUndefined({ ...recipe.boot });
  if (recipe.memoryMiB !== DEFAULT_MEMORY_MIB) json.memoryMiB = recipe.memoryMiB;
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
