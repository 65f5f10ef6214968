/**
 * The page's side of share links, as pure functions (tested without a browser, share-link.test.ts):
 * what the page's address asks for (`?embed`, a `#r=` recipe), a recipe from what the worker has
 * loaded, and the guest image a recipe boots. The codec itself is src/share.
 */
import { LINUX_DEFAULT_MEMORY_MIB, LINUX_GUEST, type GuestBoot, type GuestImage, type MachineConfig, type UserTrap } from "../../workers/api";
import { decodeFragment, type DecodeResult } from "../share/codec";
import { BUNDLED_FILE_NAME, DEFAULT_MEMORY_MIB, defaultMemoryMiB, type BootMethod, type Recipe, type Settings, type Trap } from "../share/recipe";
import type { LineMapEntry } from "../asm/types";
import type { ProgramInfo, WorkbenchSnapshot } from "./store";

export interface PageRequest {
  /** `?embed`: only the console and a Run button. */
  embed: boolean;
  /** The decoded `#r=` recipe or why it could not be read; null when the address has none. */
  link: DecodeResult | null;
}

/** Reads `location.search` and `location.hash`. */
export function readPageRequest(search: string, hash: string): PageRequest {
  return { embed: new URLSearchParams(search).has("embed"), link: decodeFragment(hash) };
}

/**
 * The address a link starts with: the page's own, without its query and fragment (a `?guest=` is
 * superseded by the recipe); `?embed` for the embeddable layout.
 */
export function linkBase(origin: string, pathname: string, embed: boolean): string {
  return `${origin}${pathname}${embed ? "?embed" : ""}`;
}

/** The recipe's boot method as the worker takes it, or why the worker cannot boot it. */
export function toGuestBoot(boot: BootMethod): GuestBoot | string {
  switch (boot.method) {
    case "multiboot":
      return { boot: "multiboot" };
    case "flat": {
      const out: GuestBoot = { boot: "flat" };
      if (boot.mode !== undefined) out.mode = boot.mode;
      if (boot.load !== undefined) out.load = boot.load;
      if (boot.entry !== undefined) out.entry = boot.entry;
      return out;
    }
    case "elf":
      return { boot: "elf" };
    case "linux":
      // The initrd is the bundled Linux guest's (loadableFromRecipe fetches it).
      return { boot: "linux" };
  }
}

/** The worker's boot method as a recipe's. */
export function fromGuestBoot(boot: GuestBoot | undefined): BootMethod {
  if (!boot || boot.boot === "multiboot") return { method: "multiboot" };
  if (boot.boot === "elf") return { method: "elf" };
  if (boot.boot === "linux") return { method: "linux" };
  const out: BootMethod = { method: "flat" };
  if (boot.mode !== undefined) out.mode = boot.mode;
  if (boot.load !== undefined) out.load = boot.load;
  if (boot.entry !== undefined) out.entry = boot.entry;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether the worker's loaded guest is the bundled Linux guest (bootGuest(LINUX_GUEST) names it so; a file the user opens never is). */
export function isBundledLinux(loaded: GuestImage): boolean {
  return loaded.name === LINUX_GUEST && loaded.boot?.boot === "linux";
}

/**
 * A recipe for what the worker has loaded. `bundledBytes` are the bytes of the bundled guest of the
 * same name (null if there is none): when they are the loaded image's, the link names the guest
 * instead of carrying it; any other image (opened from disk, or a bundled name with other bytes)
 * travels whole. The bundled Linux guest is named (its megabytes stay home); any other Linux guest
 * makes a recipe the codec refuses (LINUX_NOT_SHAREABLE).
 */
export function recipeFromLoaded(
  loaded: GuestImage,
  bundledBytes: Uint8Array | null,
  settings: Settings = {},
  debug: { program?: ProgramInfo | null; breakpoints?: readonly bigint[]; traps?: readonly UserTrap[] } = {},
): Recipe {
  const bundled = bundledBytes !== null && BUNDLED_FILE_NAME.test(loaded.name) && sameBytes(bundledBytes, loaded.image);
  // A program assembled in the editor travels as its source (smaller than its bytes, and editable).
  const program = debug.program && debug.program.name === loaded.name ? debug.program : null;
  const guest: Recipe["guest"] = program
    ? { kind: "source", name: program.name, text: program.text }
    : isBundledLinux(loaded) ? { kind: "bundled-linux" }
    : bundled ? { kind: "bundled", file: loaded.name } : { kind: "image", name: loaded.name, bytes: loaded.image };
  return {
    guest,
    boot: fromGuestBoot(loaded.boot),
    memoryMiB: loaded.machine?.memoryMiB ?? DEFAULT_MEMORY_MIB,
    cmdline: loaded.cmdline ?? "",
    clock: loaded.machine?.clock ?? "deterministic",
    breakpoints: splitBreakpoints(debug.breakpoints ?? [], program),
    traps: (debug.traps ?? []).map(copyTrap),
    settings,
    consoleInput: "",
  };
}

/** A trap as the other side keeps it (the recipe's Trap and the worker's UserTrap have one shape). */
export function copyTrap(trap: Trap | UserTrap): Trap & UserTrap {
  return { kind: trap.kind, addr: trap.addr, size: trap.size, key: trap.key };
}

/**
 * A recipe's breakpoints: those at the first instruction of a source line are kept as lines (they
 * follow the source if it is edited before it is assembled again), the others as addresses.
 */
export function splitBreakpoints(breakpoints: readonly bigint[], program: ProgramInfo | null): Recipe["breakpoints"] {
  const addresses: bigint[] = [];
  const lines: number[] = [];
  for (const address of breakpoints) {
    const entry = program ? program.lineMap.find((e) => BigInt(e.address) === address && e.file === program.name) : undefined;
    if (entry) lines.push(entry.line);
    else addresses.push(address);
  }
  return { addresses, lines: [...new Set(lines)].sort((a, b) => a - b) };
}

/** The addresses a recipe's breakpoints stand for, given the line map of its assembled source (if any). */
export function breakpointAddresses(breakpoints: Recipe["breakpoints"], lineMap: readonly LineMapEntry[] | null, file: string | null): bigint[] {
  const out = new Set<bigint>(breakpoints.addresses);
  if (lineMap && file !== null) {
    for (const line of breakpoints.lines) {
      // The first instruction of the line (a line with TIMES or data may map to several ranges).
      const entry = lineMap.find((e) => e.file === file && e.line === line);
      if (entry) out.add(BigInt(entry.address));
    }
  }
  return [...out];
}

/** Turns a recipe's assembly source into an image (and its line map, for source-line breakpoints). */
export type Assemble = (name: string, text: string) => Promise<{ bytes: Uint8Array; lineMap?: readonly LineMapEntry[] } | { error: string }>;

/** What the page needs to boot a recipe's guest. */
export interface RecipeSources {
  /** Fetches public/guests/<file>; throws on failure. */
  fetchBundled(file: string): Promise<Uint8Array>;
  /** Fetches the bundled Linux guest (workers/linux-guest.ts): the guest, or why it cannot (not built). */
  fetchLinux?(): Promise<GuestImage | string>;
  assemble?: Assemble;
}

/** The GuestImage the worker loads for `recipe`, or a readable reason it cannot. */
export async function guestImageFromRecipe(recipe: Recipe, sources: RecipeSources): Promise<GuestImage | string> {
  const loadable = await loadableFromRecipe(recipe, sources);
  return typeof loadable === "string" ? loadable : loadable.guest;
}

/**
 * What booting `recipe` takes: the GuestImage for the worker and, for a source recipe, the program
 * (source and line map: the editor shows it, and source-line breakpoints resolve through it).
 */
export async function loadableFromRecipe(recipe: Recipe, sources: RecipeSources): Promise<{ guest: GuestImage; program: ProgramInfo | null } | string> {
  let program: ProgramInfo | null = null;
  let boot = toGuestBoot(recipe.boot);
  if (typeof boot === "string") return boot;
  let name: string;
  let image: Uint8Array;
  const g = recipe.guest;
  switch (g.kind) {
    case "bundled":
      name = g.file;
      try {
        image = await sources.fetchBundled(g.file);
      } catch (error) {
        return `this link boots the bundled guest ${g.file}, which could not be fetched: ${error instanceof Error ? error.message : String(error)}`;
      }
      break;
    case "bundled-linux": {
      if (!sources.fetchLinux) return "this link boots the bundled Linux guest, which this page cannot fetch";
      const fetched = await sources.fetchLinux();
      if (typeof fetched === "string") return fetched;
      name = fetched.name;
      image = fetched.image;
      // Its initrd with it.
      if (fetched.boot) boot = fetched.boot;
      break;
    }
    case "image":
      name = g.name;
      image = g.bytes;
      break;
    case "source": {
      if (!sources.assemble) return `this link carries assembly source (${g.name}), and this playground has no assembler yet`;
      const assembled = await sources.assemble(g.name, g.text);
      if ("error" in assembled) return `${g.name} does not assemble: ${assembled.error}`;
      name = g.name;
      image = assembled.bytes;
      program = { name: g.name, text: g.text, lineMap: assembled.lineMap ?? [] };
      break;
    }
  }
  const machine: MachineConfig = {};
  // Left out at the worker's own default for this boot (a Linux boot gets more).
  if (recipe.memoryMiB !== (boot.boot === "linux" ? LINUX_DEFAULT_MEMORY_MIB : DEFAULT_MEMORY_MIB)) machine.memoryMiB = recipe.memoryMiB;
  if (recipe.clock !== "deterministic") machine.clock = recipe.clock;
  const guest: GuestImage = { name, image, boot };
  if (recipe.cmdline !== "") guest.cmdline = recipe.cmdline;
  if (Object.keys(machine).length > 0) guest.machine = machine;
  return { guest, program };
}

/**
 * Whether booting the bundled guest `file` the workbench's way (`bootGuest(file, boot)`, default
 * machine, no command line) already is the recipe's boot, so the page need not load it again.
 */
export function isPlainBundledBoot(recipe: Recipe, file: string, boot: GuestBoot): boolean {
  const mine = toGuestBoot(recipe.boot);
  const g = recipe.guest;
  return (
    ((g.kind === "bundled" && g.file === file) || (g.kind === "bundled-linux" && file === LINUX_GUEST)) &&
    typeof mine !== "string" &&
    JSON.stringify(mine) === JSON.stringify(boot) &&
    recipe.cmdline === "" &&
    // The workbench's boot takes the worker's default machine, which is the recipe's default.
    recipe.memoryMiB === defaultMemoryMiB(g) &&
    recipe.clock === "deterministic" &&
    // The workbench's boot sets no traps: a recipe with some boots again, with them.
    recipe.traps.length === 0
  );
}

/**
 * Whether the workbench's first boot has come to rest, so another load will not race it: the
 * worker is connected and the machine has left "empty" and "loading" (running, exited, failed), or
 * a problem was reported since `errorsBefore` (a guest that could not be fetched leaves the machine
 * empty); or the worker is dead. Not by guestName alone: a batch keeps only the latest state, so
 * a quick boot's "loading" (which names the guest) may never reach the store.
 */
export function initialBootSettled(s: WorkbenchSnapshot, errorsBefore: readonly string[]): boolean {
  if (s.connection.kind === "dead") return true;
  if (s.connection.kind !== "connected" || s.machine.kind === "loading") return false;
  return s.machine.kind !== "empty" || s.errors !== errorsBefore;
}
