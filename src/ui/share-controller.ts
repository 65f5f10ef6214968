/**
 * Share links in the page: builds a link from what the worker has loaded (Share), boots the recipe
 * of an opened link, and drives the embed layout's Run button.
 *
 * It talks to the worker through its own Comlink proxy on the workbench's current worker (handed
 * over by `trackWorkers`, the factory main.tsx gives the Workbench), so the Workbench itself is left
 * as it is. Comlink matches answers to requests by id per proxy, so two proxies share a worker
 * safely; this one is never released (the Workbench releases its own before terminating the worker).
 *
 * The Workbench boots its initial guest as soon as the worker answers. A recipe that is more than
 * that boot is loaded once it has come to rest (initialBootSettled), so the two loads never race.
 */
import * as Comlink from "comlink";
import { DEFAULT_GUEST, GUEST_FILE_NAME, LINUX_GUEST, type GuestImage, type HypervisorApi, type MachineStateKind } from "../../workers/api";
import { encodeRecipe, type DecodeResult } from "../share/codec";
import type { Recipe, Settings } from "../share/recipe";
import { guestBoot } from "./guests";
import {
  breakpointAddresses,
  copyTrap,
  initialBootSettled,
  loadableFromRecipe,
  isPlainBundledBoot,
  linkBase,
  recipeFromLoaded,
  type RecipeSources,
} from "./share-link";
import type { ProgramInfo, WorkbenchSnapshot } from "./store";
import { defaultWorkerFactory, type Workbench, type WorkerFactory } from "./workbench";

/** The workbench's workers as they are created: wrap `factory` and pass it to the Workbench. */
export interface WorkerTracker {
  factory: WorkerFactory;
  current(): Worker | null;
}

export function trackWorkers(create: WorkerFactory = defaultWorkerFactory): WorkerTracker {
  let current: Worker | null = null;
  return {
    factory: (options) => (current = create(options)),
    current: () => current,
  };
}

/** The links to what is loaded (and the length warning), or why there are none. */
export type LinkOutcome =
  | { ok: true; link: string; embedLink: string; chars: number; large: boolean }
  | { ok: false; message: string };

/** What Share produced: the links, and whether the link reached the clipboard; or why there is none. */
export type ShareOutcome = (Extract<LinkOutcome, { ok: true }> & { copied: boolean }) | Extract<LinkOutcome, { ok: false }>;

export interface ShareControllerOptions {
  workbench: Workbench;
  workers: WorkerTracker;
  sources: RecipeSources;
  /** The page's address parts the links start with. */
  origin: string;
  pathname: string;
  /** Settings to put in a link (panels, theme); none by default. */
  settings?: () => Settings;
  /** Copies text to the clipboard; resolves false when it could not. */
  copy?: (text: string) => Promise<boolean>;
}

/** How long console input waits for the guest's first output before it is sent anyway. */
const INPUT_WAIT_MS = 1000;

export class ShareController {
  private readonly options: ShareControllerOptions;
  private proxied: { worker: Worker; api: Comlink.Remote<HypervisorApi> } | null = null;
  /** Console input of the last recipe booted, sent on its first run. */
  private pendingInput = "";

  constructor(options: ShareControllerOptions) {
    this.options = options;
  }

  private get store() {
    return this.options.workbench.store;
  }

  /** This controller's proxy on the workbench's current worker. */
  private api(): Comlink.Remote<HypervisorApi> | null {
    const worker = this.options.workers.current();
    if (!worker) return null;
    if (this.proxied?.worker !== worker) this.proxied = { worker, api: Comlink.wrap<HypervisorApi>(worker) };
    return this.proxied.api;
  }

  /** Builds a link for what is loaded now and copies it. Never throws. */
  async share(): Promise<ShareOutcome> {
    const links = await this.links();
    if (!links.ok) return links;
    const copied = (await this.options.copy?.(links.link)) ?? false;
    return { ...links, copied };
  }

  /**
   * The links (plain and embed) that reproduce what is loaded now, as Share makes them, or why there
   * is none; copies nothing (the console's Save puts the link in the file's header). Never throws.
   */
  async links(): Promise<LinkOutcome> {
    try {
      const api = this.api();
      if (!api) return { ok: false, message: "the hypervisor worker is not running" };
      const loaded = await api.loadedGuest();
      if (!loaded) return { ok: false, message: "nothing to share: no guest is loaded" };
      let bundledBytes: Uint8Array | null = null;
      try {
        // Only a bundled guest's name is worth asking the server for (an editor program's
        // "hello-boot.asm" would be a 404 in the console).
        if (GUEST_FILE_NAME.test(loaded.name)) bundledBytes = await this.options.sources.fetchBundled(loaded.name);
      } catch {
        // Not a bundled guest (or not reachable): the image travels in the link.
      }
      const snapshot = this.store.getSnapshot();
      const settings: Settings = { theme: snapshot.theme, ...this.options.settings?.() };
      const recipe = recipeFromLoaded(loaded, bundledBytes, settings, { program: snapshot.program, breakpoints: snapshot.breakpoints, traps: snapshot.traps });
      const { origin, pathname } = this.options;
      const encoded = encodeRecipe(recipe, linkBase(origin, pathname, false));
      if (!encoded.ok) return { ok: false, message: encoded.error.message };
      const embed = encodeRecipe(recipe, linkBase(origin, pathname, true));
      return { ok: true, link: encoded.link, embedLink: embed.ok ? embed.link : encoded.link, chars: encoded.chars, large: encoded.large };
    } catch (error) {
      return { ok: false, message: `could not make a link: ${String(error)}` };
    }
  }

  /**
   * Acts on the address the page was opened with: shows why a link could not be read (the default
   * guest boots regardless), or boots its recipe; in the embed layout, leaves the guest loaded and
   * waiting for Run.
   */
  async openLink(link: DecodeResult | null, embed: boolean): Promise<void> {
    if (link && !link.ok) this.store.addError(`Could not open the share link: ${link.error.message}. The playground carries on without it.`);
    const recipe = link?.ok ? link.recipe : null;
    if (!recipe && !embed) return;
    if (!(await this.settled(this.store.getSnapshot().errors))) return;
    const s = this.store.getSnapshot();
    const initial = s.guestName;
    if (recipe) {
      // (Not when the page has traps of its own: the link's machine has none, so it boots afresh.)
      if (!embed && initial !== null && isPlainBundledBoot(recipe, initial, guestBoot(initial)) && s.machine.kind !== "empty" && s.traps.length === 0) {
        // The workbench's own boot was the recipe's; only the settings and the replay are left.
        await this.applyDebugSettings(recipe, null);
        await this.sendConsoleInput(recipe);
        return;
      }
      // The bundled Linux guest is the workbench's first boot already; if that found no images, it
      // said how to build them, and fetching them again for the recipe would only say it twice.
      if (recipe.guest.kind === "bundled-linux" && initial === LINUX_GUEST && s.machine.kind === "empty") {
        await this.options.workbench.bootGuest(DEFAULT_GUEST);
        return;
      }
      const booted = await this.bootRecipe(recipe, { run: !embed });
      // A recipe that failed to load leaves no machine (the old one is gone): boot the default
      // guest, so the playground stays usable.
      if (!booted && (await this.workerState()) === "empty") await this.options.workbench.bootGuest(DEFAULT_GUEST);
    } else {
      // Embed without a recipe: the guest the workbench booted, back at its start, waiting for Run.
      const api = this.api();
      const error = api ? await api.reset() : "the hypervisor worker is not running";
      if (error) this.store.addError(error);
    }
  }

  /** What a link sets besides the guest: the editor's program, the breakpoints, the theme. */
  private async applyDebugSettings(recipe: Recipe, program: ProgramInfo | null): Promise<void> {
    const workbench = this.options.workbench;
    this.store.update({ program });
    if (recipe.settings.theme === "dark" || recipe.settings.theme === "light") workbench.setTheme(recipe.settings.theme);
    const breakpoints = breakpointAddresses(recipe.breakpoints, program?.lineMap ?? null, program?.name ?? null);
    if (breakpoints.length > 0 || this.store.getSnapshot().breakpoints.length > 0) await workbench.setBreakpoints(breakpoints);
  }

  /** Loads a recipe's guest (and runs it, unless `run` is false). Problems become readable errors. */
  async bootRecipe(recipe: Recipe, { run }: { run: boolean }): Promise<boolean> {
    this.pendingInput = recipe.consoleInput;
    const loadable = await loadableFromRecipe(recipe, this.options.sources);
    if (typeof loadable === "string") {
      this.store.addError(`Could not boot the share link: ${loadable}.`);
      return false;
    }
    const { guest, program } = loadable;
    await this.applyDebugSettings(recipe, program);
    const api = this.api();
    if (!api) {
      this.store.addError("Could not boot the share link: the hypervisor worker is not running.");
      return false;
    }
    // The link's traps replace the page's; the worker sets them on the guest it loads, after the
    // VMM's own. If the load fails, the page's come back, so the playground is as it was.
    const previousTraps = this.store.getSnapshot().traps;
    const trapError = await this.options.workbench.setTraps(recipe.traps.map(copyTrap));
    if (trapError) {
      this.store.addError(`Could not boot the share link: ${trapError}`);
      return false;
    }
    try {
      this.options.workbench.rememberImage(guest as GuestImage);
      const error = await api.load(guest as GuestImage);
      if (error) {
        this.store.addError(`Could not boot the share link: ${guest.name}: ${error}`);
        await this.options.workbench.setTraps(previousTraps);
        return false;
      }
      if (run) return await this.run();
      return true;
    } catch (error) {
      this.store.addError(`Could not boot the share link: ${String(error)}`);
      return false;
    }
  }

  /**
   * Run (the embed layout's button): starts a loaded guest, or boots it again from the start when
   * it has finished; sends the recipe's console input on the first run.
   */
  async run(): Promise<boolean> {
    const api = this.api();
    if (!api) return false;
    try {
      const kind = this.store.getSnapshot().machine.kind;
      if (kind === "exited" || kind === "error") {
        const error = await api.reset();
        if (error) {
          this.store.addError(error);
          return false;
        }
      }
      const error = await api.run();
      if (error) {
        this.store.addError(error);
        return false;
      }
      const input = this.pendingInput;
      this.pendingInput = "";
      if (input) void this.sendConsoleInputText(input);
      return true;
    } catch (error) {
      this.store.addError(`Run failed: ${String(error)}`);
      return false;
    }
  }

  private async sendConsoleInput(recipe: Recipe): Promise<void> {
    if (recipe.consoleInput) await this.sendConsoleInputText(recipe.consoleInput);
  }

  /**
   * Types `text` into COM1 once the guest has shown it is up (its first output), or after
   * INPUT_WAIT_MS: sent earlier, it would meet a UART the guest has not set up yet, and a guest
   * that enables the FIFO clears what was received before (NS16550D FCR bit 0).
   */
  private async sendConsoleInputText(text: string): Promise<void> {
    await this.waitFor((s) => s.consoleText.length > 0 || s.machine.kind !== "running", INPUT_WAIT_MS);
    if (this.store.getSnapshot().machine.kind !== "running") return;
    try {
      await this.api()?.consoleInput(new TextEncoder().encode(text));
    } catch (error) {
      this.store.addError(`Console input failed: ${String(error)}`);
    }
  }

  /** The worker's machine state now (the store learns it a batch later); null if it cannot say. */
  private async workerState(): Promise<MachineStateKind | null> {
    try {
      return (await this.api()?.state())?.kind ?? null;
    } catch {
      return null;
    }
  }

  /** Waits until the workbench's initial boot is at rest; false if the worker died meanwhile. */
  private async settled(errorsBefore: readonly string[]): Promise<boolean> {
    await this.waitFor((s) => initialBootSettled(s, errorsBefore));
    return this.store.getSnapshot().connection.kind === "connected";
  }

  /** Resolves once `condition` holds for the store's snapshot (or after `timeoutMs`, if given). */
  private waitFor(condition: (s: WorkbenchSnapshot) => boolean, timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      if (condition(this.store.getSnapshot())) return resolve();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const unsubscribe = this.store.subscribe(() => {
        if (!condition(this.store.getSnapshot())) return;
        done();
      });
      const done = () => {
        unsubscribe();
        clearTimeout(timer);
        resolve();
      };
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
    });
  }
}
