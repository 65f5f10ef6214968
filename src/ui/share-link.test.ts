/** The page's share-link helpers, without a browser. */
import { describe, expect, it } from "vitest";
import { encodeRecipe } from "../share/codec";
import { defaultRecipe, type Recipe } from "../share/recipe";
import { embedSnippet } from "./ShareButton";
import { playgroundHref } from "./EmbedApp";
import {
  fromGuestBoot,
  guestImageFromRecipe,
  initialBootSettled,
  isPlainBundledBoot,
  linkBase,
  readPageRequest,
  recipeFromLoaded,
  splitBreakpoints,
  breakpointAddresses,
  toGuestBoot,
} from "./share-link";
import { initialGuestFor } from "./share-setup";
import { initialSnapshot, type WorkbenchSnapshot } from "./store";

const hello = defaultRecipe({ kind: "bundled", file: "hello.elf" });
const fragment = (r: Recipe) => {
  const e = encodeRecipe(r);
  if (!e.ok) throw new Error(e.error.message);
  return e.fragment;
};

describe("readPageRequest", () => {
  it("reads ?embed and a #r= recipe, or neither", () => {
    expect(readPageRequest("", "")).toEqual({ embed: false, link: null });
    expect(readPageRequest("?embed", "")).toEqual({ embed: true, link: null });
    expect(readPageRequest("?guest=echo.elf&embed=1", fragment(hello))).toEqual({ embed: true, link: { ok: true, recipe: hello } });
    expect(readPageRequest("", "#r=9.x").link).toMatchObject({ ok: false, error: { kind: "version" } });
  });

  it("boots a link's bundled guest first, else ?guest= or the default", () => {
    expect(initialGuestFor(readPageRequest("?guest=echo.elf", fragment(hello)), "?guest=echo.elf")).toBe("hello.elf");
    expect(initialGuestFor(readPageRequest("?guest=echo.elf", "#r=1.broken"), "?guest=echo.elf")).toBe("echo.elf");
    const image = defaultRecipe({ kind: "image", name: "k.elf", bytes: Uint8Array.of(1) });
    expect(initialGuestFor(readPageRequest("", fragment(image)), "")).toBe("monitor.elf");
  });
});

describe("links", () => {
  it("start with the page's address, without its query", () => {
    expect(linkBase("https://x.test", "/play/", false)).toBe("https://x.test/play/");
    expect(linkBase("https://x.test", "/play/", true)).toBe("https://x.test/play/?embed");
  });

  it("embed as an iframe whose address is escaped for an attribute", () => {
    expect(embedSnippet('https://x.test/?embed&a="b"#r=1.A')).toBe(
      '<iframe src="https://x.test/?embed&amp;a=&quot;b&quot;#r=1.A" width="720" height="420" style="border:0" allow="cross-origin-isolated" title="Hypervisor Playground"></iframe>',
    );
  });

  it("open the full playground from an embed", () => {
    expect(playgroundHref("https://x.test/play/?embed#r=1.AAAA")).toBe("https://x.test/play/#r=1.AAAA");
    expect(playgroundHref("https://x.test/?guest=echo.elf&embed")).toBe("https://x.test/?guest=echo.elf");
  });
});

describe("boot methods", () => {
  it("convert between the recipe's and the worker's", () => {
    expect(toGuestBoot({ method: "multiboot" })).toEqual({ boot: "multiboot" });
    expect(toGuestBoot({ method: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 })).toEqual({ boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 });
    expect(toGuestBoot({ method: "flat" })).toEqual({ boot: "flat" });
    expect(toGuestBoot({ method: "elf" })).toEqual({ boot: "elf" });
    expect(fromGuestBoot({ boot: "elf" })).toEqual({ method: "elf" });
    expect(fromGuestBoot(undefined)).toEqual({ method: "multiboot" });
    expect(fromGuestBoot({ boot: "flat", mode: "long" })).toEqual({ method: "flat", mode: "long" });
  });
});

describe("recipeFromLoaded", () => {
  const image = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46);

  it("names a bundled guest whose bytes are the bundled file's", () => {
    const r = recipeFromLoaded({ name: "hello.elf", image }, image.slice());
    expect(r).toEqual(hello);
  });

  it("carries the bytes of an opened image, even one named like a bundled guest", () => {
    expect(recipeFromLoaded({ name: "mine.elf", image }, null).guest).toEqual({ kind: "image", name: "mine.elf", bytes: image });
    expect(recipeFromLoaded({ name: "hello.elf", image }, Uint8Array.of(1, 2)).guest).toEqual({ kind: "image", name: "hello.elf", bytes: image });
  });

  it("keeps the boot method, command line and machine", () => {
    const r = recipeFromLoaded(
      { name: "boot.bin", image, cmdline: "quiet", boot: { boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 }, machine: { memoryMiB: 16, clock: "realtime" } },
      null,
      { theme: "light" },
    );
    expect(r).toMatchObject({ boot: { method: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 }, cmdline: "quiet", memoryMiB: 16, clock: "realtime", settings: { theme: "light" } });
  });

  it("carries the page's traps (copies, in order)", () => {
    const traps = [{ kind: "mem" as const, addr: 0xd0000000, size: 0x1000, key: 7n }, { kind: "bell" as const, addr: 0xd0001000, size: 0x1000, key: 8n }];
    const r = recipeFromLoaded({ name: "hello.elf", image }, image.slice(), {}, { traps });
    expect(r.traps).toEqual(traps);
    expect(r.traps[0]).not.toBe(traps[0]);
  });
});

describe("guestImageFromRecipe", () => {
  const bytes = Uint8Array.of(1, 2, 3);
  const sources = { fetchBundled: async (file: string) => (file === "hello.elf" ? bytes : Promise.reject(new Error(`/guests/${file}: HTTP 404`))) };

  it("fetches a bundled guest and passes only what differs from the defaults", async () => {
    expect(await guestImageFromRecipe(hello, sources)).toEqual({ name: "hello.elf", image: bytes, boot: { boot: "multiboot" } });
    const r: Recipe = { ...hello, cmdline: "a b", memoryMiB: 16, clock: "realtime" };
    expect(await guestImageFromRecipe(r, sources)).toEqual({ name: "hello.elf", image: bytes, boot: { boot: "multiboot" }, cmdline: "a b", machine: { memoryMiB: 16, clock: "realtime" } });
  });

  it("says why it cannot: a missing bundled guest, source without an assembler or that does not assemble", async () => {
    expect(await guestImageFromRecipe(defaultRecipe({ kind: "bundled", file: "gone.elf" }), sources)).toBe(
      "this link boots the bundled guest gone.elf, which could not be fetched: /guests/gone.elf: HTTP 404",
    );
    expect(await guestImageFromRecipe({ ...hello, boot: { method: "elf" } }, sources)).toMatchObject({ boot: { boot: "elf" } });
    const source = defaultRecipe({ kind: "source", name: "a.asm", text: "hlt" });
    expect(await guestImageFromRecipe(source, sources)).toBe("this link carries assembly source (a.asm), and this playground has no assembler yet");
    const assemble = async (_: string, text: string) => (text === "hlt" ? { bytes: Uint8Array.of(0xf4) } : { error: "line 1: unknown instruction" });
    expect(await guestImageFromRecipe(source, { ...sources, assemble })).toEqual({ name: "a.asm", image: Uint8Array.of(0xf4), boot: { boot: "multiboot" } });
    expect(await guestImageFromRecipe({ ...source, guest: { kind: "source", name: "b.asm", text: "nop!" } }, { ...sources, assemble })).toBe(
      "b.asm does not assemble: line 1: unknown instruction",
    );
  });
});

describe("isPlainBundledBoot", () => {
  it("is true only when the workbench's own boot is the recipe's", () => {
    expect(isPlainBundledBoot(hello, "hello.elf", { boot: "multiboot" })).toBe(true);
    expect(isPlainBundledBoot(hello, "echo.elf", { boot: "multiboot" })).toBe(false);
    expect(isPlainBundledBoot({ ...hello, cmdline: "x" }, "hello.elf", { boot: "multiboot" })).toBe(false);
    expect(isPlainBundledBoot({ ...hello, memoryMiB: 64 }, "hello.elf", { boot: "multiboot" })).toBe(false);
    expect(isPlainBundledBoot({ ...hello, clock: "realtime" }, "hello.elf", { boot: "multiboot" })).toBe(false);
    expect(isPlainBundledBoot({ ...hello, traps: [{ kind: "mem", addr: 0xd0000000, size: 0x1000, key: 1n }] }, "hello.elf", { boot: "multiboot" })).toBe(false);
    const sector = defaultRecipe({ kind: "bundled", file: "journey-boot.bin" }, { method: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 });
    expect(isPlainBundledBoot(sector, "journey-boot.bin", { boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 })).toBe(true);
    expect(isPlainBundledBoot(sector, "journey-boot.bin", { boot: "multiboot" })).toBe(false);
  });
});

describe("initialBootSettled", () => {
  const base = initialSnapshot(true);
  const at = (patch: Partial<WorkbenchSnapshot>): WorkbenchSnapshot => ({ ...base, ...patch });
  const connected = { kind: "connected" } as const;
  it("waits for the machine to leave empty and loading, for a reported problem, or for the worker to die", () => {
    expect(initialBootSettled(base, base.errors)).toBe(false);
    expect(initialBootSettled(at({ connection: connected }), base.errors)).toBe(false);
    expect(initialBootSettled(at({ connection: connected, machine: { kind: "loading", what: "hello.elf" } }), base.errors)).toBe(false);
    expect(initialBootSettled(at({ connection: connected, machine: { kind: "running" } }), base.errors)).toBe(true);
    expect(initialBootSettled(at({ connection: connected, machine: { kind: "exited", exitStatus: 1 } }), base.errors)).toBe(true);
    // A fetch that failed leaves the machine empty and says why.
    expect(initialBootSettled(at({ connection: connected, errors: ["could not fetch the guest gone.elf"] }), base.errors)).toBe(true);
    // An error from before (the link's own) does not count.
    const before = ["Could not open the share link: …"];
    expect(initialBootSettled(at({ connection: connected, errors: before }), before)).toBe(false);
    expect(initialBootSettled(at({ connection: { kind: "dead", message: "x" } }), base.errors)).toBe(true);
  });
});

describe("breakpoints in recipes", () => {
  const program = {
    name: "a.asm",
    text: "nop\nnop\nhlt",
    lineMap: [
      { address: 0x7c00, size: 1, file: "a.asm", line: 1 },
      { address: 0x7c01, size: 1, file: "a.asm", line: 2 },
      { address: 0x7c02, size: 1, file: "a.asm", line: 3 },
    ],
  };

  it("keep a source program's breakpoints as lines, any other as addresses", () => {
    expect(splitBreakpoints([0x7c01n, 0x9000n], program)).toEqual({ addresses: [0x9000n], lines: [2] });
    expect(splitBreakpoints([0x7c01n], null)).toEqual({ addresses: [0x7c01n], lines: [] });
  });

  it("turn lines back into the first address of the line", () => {
    expect(breakpointAddresses({ addresses: [0x9000n], lines: [3, 99] }, program.lineMap, "a.asm").sort()).toEqual([0x7c02n, 0x9000n]);
    expect(breakpointAddresses({ addresses: [], lines: [3] }, null, null)).toEqual([]);
  });

  it("a recipe made from an editor program carries its source and its breakpoints", () => {
    const loaded = { name: "a.asm", image: Uint8Array.of(0x90, 0x90, 0xf4), boot: { boot: "flat" as const, mode: "real" as const, load: 0x7c00, entry: 0x7c00 } };
    const r = recipeFromLoaded(loaded, null, { theme: "light" }, { program, breakpoints: [0x7c02n] });
    expect(r.guest).toEqual({ kind: "source", name: "a.asm", text: "nop\nnop\nhlt" });
    expect(r.breakpoints).toEqual({ addresses: [], lines: [3] });
    expect(r.settings).toEqual({ theme: "light" });
    // Another program's name: the image travels instead.
    expect(recipeFromLoaded({ ...loaded, name: "b.bin" }, null, {}, { program }).guest.kind).toBe("image");
  });
});

describe("the bundled Linux guest in links", () => {
  const kernel = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2);
  const initrd = Uint8Array.of(0x1f, 0x8b);
  const linux = defaultRecipe({ kind: "bundled-linux" });
  /** What the worker reports after bootGuest("linux"): its name, the fetched files, the 256 MiB it gave it. */
  const loaded = { name: "linux", image: kernel, boot: { boot: "linux" as const, initrd }, machine: { memoryMiB: 256 } };

  it("is named, not carried: a recipe from what the worker loaded, whose link is short", () => {
    expect(toGuestBoot({ method: "linux" })).toEqual({ boot: "linux" });
    expect(fromGuestBoot({ boot: "linux", initrd })).toEqual({ method: "linux" });
    const r = recipeFromLoaded(loaded, null);
    expect(r).toEqual(linux);
    expect(fragment(r)).toMatch(/^#r=3\./);
    expect(fragment(r).length).toBeLessThan(100);
    expect(recipeFromLoaded({ ...loaded, cmdline: "console=ttyS0 quiet", machine: { memoryMiB: 512 } }, null)).toMatchObject({ guest: { kind: "bundled-linux" }, cmdline: "console=ttyS0 quiet", memoryMiB: 512 });
  });

  it("any other Linux guest (files the user opened) makes a recipe the codec refuses, saying why", () => {
    const opened = recipeFromLoaded({ name: "bzImage + initrd.img", image: kernel, boot: { boot: "linux", initrd } }, null);
    expect(opened.guest).toEqual({ kind: "image", name: "bzImage + initrd.img", bytes: kernel });
    expect(encodeRecipe(opened)).toMatchObject({ ok: false, error: { message: expect.stringContaining("Linux guests cannot be shared by link") } });
  });

  it("boots first on a page opened with its link; a plain link is the workbench's own boot", () => {
    expect(initialGuestFor(readPageRequest("?guest=echo.elf", fragment(linux)), "?guest=echo.elf")).toBe("linux");
    expect(isPlainBundledBoot(linux, "linux", { boot: "linux" })).toBe(true);
    expect(isPlainBundledBoot(linux, "hello.elf", { boot: "linux" })).toBe(false);
    expect(isPlainBundledBoot({ ...linux, memoryMiB: 128 }, "linux", { boot: "linux" })).toBe(false);
    expect(isPlainBundledBoot({ ...linux, cmdline: "console=ttyS0 quiet" }, "linux", { boot: "linux" })).toBe(false);
  });

  it("loads through the page's fetch when the link asks for more than the default machine, or says how to build it", async () => {
    const sources = { fetchBundled: async () => Uint8Array.of(), fetchLinux: async () => ({ name: "linux", image: kernel, boot: { boot: "linux" as const, initrd } }) };
    expect(await guestImageFromRecipe(linux, sources)).toEqual({ name: "linux", image: kernel, boot: { boot: "linux", initrd } });
    // 128 MiB is not the worker's default for Linux (256): it is stated, so the machine is the link's.
    expect(await guestImageFromRecipe({ ...linux, memoryMiB: 128, cmdline: "console=ttyS0 quiet" }, sources)).toEqual({
      name: "linux", image: kernel, boot: { boot: "linux", initrd }, cmdline: "console=ttyS0 quiet", machine: { memoryMiB: 128 },
    });
    const missing = "The Linux guest is not built on this server: … `npm install && npm run guests:linux` …";
    expect(await guestImageFromRecipe(linux, { ...sources, fetchLinux: async () => missing })).toBe(missing);
    expect(await guestImageFromRecipe(linux, { fetchBundled: sources.fetchBundled })).toBe("this link boots the bundled Linux guest, which this page cannot fetch");
  });
});
