/**
 * The recipe's validator: every malformed field is refused with a reason that names it; the wire
 * form leaves defaults out; the recipe's copies of the VMM's and the worker's limits agree with them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GUEST_FILE_NAME } from "../../workers/api";
import { DEFAULT_MEMORY_MIB as VMM_DEFAULT_MIB, MAX_MEMORY_MIB as VMM_MAX_MIB } from "../vmm/machine";
import { MAX_USER_TRAPS } from "../../workers/hypervisor-session";
import { LINUX_DEFAULT_MEMORY_MIB } from "../../workers/api";
import { GUEST_PHYSICAL_ASPACE_SIZE, PAGE_SIZE } from "../zircon";
import {
  BUNDLED_FILE_NAME,
  DEFAULT_MEMORY_MIB,
  GUEST_PHYSICAL_LIMIT,
  LIMITS,
  LINUX_MEMORY_MIB,
  TRAP_PAGE,
  recipeVersion,
  LINUX_NOT_SHAREABLE,
  MAX_MEMORY_MIB,
  defaultRecipe,
  formatProblem,
  recipeFromWire,
  recipeToWire,
  type Recipe,
} from "./recipe";
import { recipe as arbRecipe } from "./test-recipes";

const bundled = { kind: "bundled", file: "hello.elf" };
const trap = { kind: "mem", addr: "0xd0000000", size: 4096, key: "0x7" };

/** The readable reason `json` is refused, or "ok". */
function problem(json: unknown, image: Uint8Array | null = null): string {
  const r = recipeFromWire(json, image);
  return r.ok ? "ok" : formatProblem(r.problem);
}

describe("the recipe's limits", () => {
  it("are the VMM's, the worker's and the kernel's", () => {
    expect(DEFAULT_MEMORY_MIB).toBe(VMM_DEFAULT_MIB);
    expect(MAX_MEMORY_MIB).toBe(VMM_MAX_MIB);
    expect(BUNDLED_FILE_NAME.source).toBe(GUEST_FILE_NAME.source);
    expect(LIMITS.traps).toBe(MAX_USER_TRAPS);
    expect(GUEST_PHYSICAL_LIMIT).toBe(GUEST_PHYSICAL_ASPACE_SIZE);
    expect(TRAP_PAGE).toBe(PAGE_SIZE);
    expect(LINUX_MEMORY_MIB).toBe(LINUX_DEFAULT_MEMORY_MIB);
  });
});

describe("recipeFromWire", () => {
  it("fills in the defaults of a minimal recipe", () => {
    expect(recipeFromWire({ v: 1, guest: bundled }, null)).toEqual({ ok: true, recipe: defaultRecipe({ kind: "bundled", file: "hello.elf" }) });
  });

  // Each malformed recipe, and the reason shown: the field's path, then what is wrong with it.
  const refused: [string, unknown, string][] = [
    ["not an object", [1, 2], "the recipe must be an object"],
    ["null", null, "the recipe must be an object"],
    ["no version", { guest: bundled }, "v: is missing"],
    ["another version inside", { v: 4, guest: bundled }, "v: must be 1, 2 or 3"],
    ["no guest", { v: 1 }, "guest: is missing"],
    ["an unknown guest kind", { v: 1, guest: { kind: "url", url: "http://x" } }, 'guest.kind: must be a bundled guest, the bundled Linux guest, an image or source'],
    ["a path for a bundled guest", { v: 1, guest: { kind: "bundled", file: "../../etc/passwd" } }, "guest.file: must be a bundled guest's file name"],
    ["a bundled guest of another type", { v: 1, guest: { kind: "bundled", file: "x.js" } }, "guest.file: must be a bundled guest's file name"],
    ["an unknown field", { v: 1, guest: bundled, script: "alert(1)" }, "script: is not a field of a recipe"],
    ["an unknown nested field", { v: 1, guest: { ...bundled, url: "x" } }, "guest.url: is not a field of a recipe"],
    ["a Linux boot", { v: 1, guest: bundled, boot: { method: "linux" } }, `boot: ${LINUX_NOT_SHAREABLE}`],
    // Version 3: the bundled Linux guest, named only; no other guest boots as Linux in a link.
    ["a Linux boot of an image (refused for being Linux, not for its size)", { v: 3, guest: { kind: "image", name: "bzImage", size: 8_000_000 }, boot: { method: "linux" } }, `boot: ${LINUX_NOT_SHAREABLE}`],
    ["a Linux boot of source", { v: 3, guest: { kind: "source", name: "a.asm", text: "" }, boot: { method: "linux", initrd: "x" } }, `boot: ${LINUX_NOT_SHAREABLE}`],
    ["the bundled Linux guest in version 2", { v: 2, guest: { kind: "bundled-linux" } }, "guest: the bundled Linux guest needs version 3 of the recipe format (v: 3); version 2 has none"],
    ["the bundled Linux guest booted as Multiboot", { v: 3, guest: { kind: "bundled-linux" }, boot: { method: "multiboot" } }, 'boot.method: must be "linux" for the bundled Linux guest (or left out), not "multiboot"'],
    ["the bundled Linux guest with a file", { v: 3, guest: { kind: "bundled-linux", file: "vmlinux" } }, "guest.file: is not a field of a recipe"],
    ["an initrd in a link", { v: 3, guest: { kind: "bundled-linux" }, boot: { method: "linux", initrd: "x" } }, "boot.initrd: is not a field of a recipe"],
    ["too little memory for the bundled Linux guest", { v: 3, guest: { kind: "bundled-linux" }, memoryMiB: 1 }, "memoryMiB: must be from 2 to 2048 MiB"],
    ["an unknown boot method", { v: 1, guest: bundled, boot: { method: "uefi" } }, 'boot.method: must be "multiboot", "flat" or "elf"'],
    ["a bad flat mode", { v: 1, guest: bundled, boot: { method: "flat", mode: "virtual-8086" } }, 'boot.mode: must be "real", "protected" or "long"'],
    ["a fractional load address", { v: 1, guest: bundled, boot: { method: "flat", load: 1.5 } }, "boot.load: must be a whole number"],
    ["an entry past 4 GiB", { v: 1, guest: bundled, boot: { method: "flat", entry: 2 ** 32 } }, "boot.entry: must fit in 32 bits"],
    ["too little memory", { v: 1, guest: bundled, memoryMiB: 1 }, "memoryMiB: must be from 2 to 2048 MiB"],
    ["too much memory", { v: 1, guest: bundled, memoryMiB: 4096 }, "memoryMiB: must be from 2 to 2048 MiB"],
    ["memory as text", { v: 1, guest: bundled, memoryMiB: "128" }, "memoryMiB: must be a number"],
    ["a NUL in the command line", { v: 1, guest: bundled, cmdline: "a\u0000b" }, "cmdline: must not contain NUL"],
    ["a long command line", { v: 1, guest: bundled, cmdline: "x".repeat(5000) }, "cmdline: must be at most 4096 characters"],
    ["an unknown clock", { v: 1, guest: bundled, clock: "wall" }, 'clock: must be "deterministic" or "realtime"'],
    ["a decimal address", { v: 1, guest: bundled, breakpoints: { addresses: ["0x10", "4096"] } }, "breakpoints.addresses.1: must be a hex address"],
    ["a 65-bit address", { v: 1, guest: bundled, breakpoints: { addresses: ["0x1" + "0".repeat(16)] } }, "breakpoints.addresses.0: must be a hex address of at most 64 bits"],
    ["line 0", { v: 1, guest: bundled, breakpoints: { lines: [3, 0] } }, "breakpoints.lines.1: must be at least 1"],
    ["too many breakpoints", { v: 1, guest: bundled, breakpoints: { lines: Array.from({ length: 300 }, (_, i) => i + 1) } }, "breakpoints.lines: must hold at most 256"],
    ["a bad panel name", { v: 1, guest: bundled, settings: { panels: ["<script>"] } }, "settings.panels.0: must be a panel name"],
    ["an unknown theme", { v: 1, guest: bundled, settings: { theme: "neon" } }, 'settings.theme: must be "dark", "light" or "system"'],
    ["console input as bytes", { v: 1, guest: bundled, consoleInput: [104, 105] }, "consoleInput: must be a string"],
    ["an image name with a newline", { v: 1, guest: { kind: "image", name: "a\nb", size: 1 } }, "guest.name: must not contain control characters"],
    ["an empty source name", { v: 1, guest: { kind: "source", name: "", text: "" } }, "guest.name: must not be empty"],
    ["an image of no bytes", { v: 1, guest: { kind: "image", name: "a.elf", size: 0 } }, "guest.size: must be at least 1 byte"],
    // Traps (version 2): Zircon's rules for MEM and BELL traps, checked before any kernel sees them.
    ["traps in version 1", { v: 1, guest: bundled, traps: [trap] }, "traps: need version 2 of the recipe format (v: 2); version 1 has no traps"],
    ["an IO trap", { v: 2, guest: bundled, traps: [{ ...trap, kind: "io", addr: "0x80", size: 1 }] }, "traps.0: IO traps cannot be shared: the VMM traps every I/O port itself"],
    ["an unknown trap kind", { v: 2, guest: bundled, traps: [{ ...trap, kind: "msr" }] }, 'traps.0.kind: must be "mem" or "bell"'],
    ["an unaligned trap address", { v: 2, guest: bundled, traps: [{ ...trap, addr: "0xd0000800" }] }, "traps.0.addr: must be a multiple of 0x1000 (4096): Zircon takes MEM and BELL traps in whole pages"],
    ["a decimal trap address", { v: 2, guest: bundled, traps: [{ ...trap, addr: "4096" }] }, "traps.0.addr: must be a hex guest-physical address below 2^48"],
    ["a trap address past 2^48", { v: 2, guest: bundled, traps: [{ ...trap, addr: "0x1000000000000" }] }, "traps.0.addr: must be a hex guest-physical address below 2^48"],
    ["an unaligned trap size", { v: 2, guest: bundled, traps: [{ ...trap, size: 6000 }] }, "traps.0.size: must be a multiple of 0x1000"],
    ["a trap of no bytes", { v: 2, guest: bundled, traps: [{ ...trap, size: 0 }] }, "traps.0.size: must be at least 4096 bytes (one page)"],
    ["a trap past the address space", { v: 2, guest: bundled, traps: [{ ...trap, addr: "0xfffffffff000", size: 0x2000 }] }, "traps.0.size: must end within the guest-physical address space"],
    ["a numeric trap key", { v: 2, guest: bundled, traps: [{ ...trap, key: 7 }] }, "traps.0.key: must be a hex string"],
    ["a 65-bit trap key", { v: 2, guest: bundled, traps: [{ ...trap, key: "0x1" + "0".repeat(16) }] }, "traps.0.key: must be a hex number of at most 64 bits"],
    ["a trap without a key", { v: 2, guest: bundled, traps: [{ kind: "mem", addr: "0xd0000000", size: 4096 }] }, "traps.0.key: is missing"],
    ["an unknown trap field", { v: 2, guest: bundled, traps: [{ ...trap, port: 3 }] }, "traps.0.port: is not a field of a recipe"],
    ["overlapping traps", { v: 2, guest: bundled, traps: [trap, { ...trap, kind: "bell", addr: "0xcffff000", size: 0x2000 }] }, "traps: entries 0 and 1 overlap: Zircon refuses overlapping MEM and BELL traps (ZX_ERR_ALREADY_EXISTS)"],
    ["too many traps", { v: 2, guest: bundled, traps: Array.from({ length: 65 }, (_, i) => ({ ...trap, addr: `0x${(i * 0x1000).toString(16)}` })) }, "traps: must hold at most 64 traps"],
  ];
  for (const [what, json, reason] of refused) {
    it(`refuses ${what}`, () => {
      expect(problem(json)).toContain(reason);
    });
  }

  it("reads the bundled Linux guest (version 3) with its own defaults: the Linux boot, 256 MiB", () => {
    const linux = recipeFromWire({ v: 3, guest: { kind: "bundled-linux" } }, null);
    expect(linux).toEqual({ ok: true, recipe: defaultRecipe({ kind: "bundled-linux" }) });
    expect(linux.ok && linux.recipe.boot).toEqual({ method: "linux" });
    expect(linux.ok && linux.recipe.memoryMiB).toBe(256);
    // Stated explicitly, the same; other fields as for any guest.
    expect(recipeFromWire({ v: 3, guest: { kind: "bundled-linux" }, boot: { method: "linux" }, memoryMiB: 128, cmdline: "console=ttyS0 quiet" }, null)).toMatchObject({
      ok: true, recipe: { boot: { method: "linux" }, memoryMiB: 128, cmdline: "console=ttyS0 quiet" },
    });
    // Version 3 changes nothing for the other guests: their defaults stay Multiboot and 128 MiB.
    expect(recipeFromWire({ v: 3, guest: bundled }, null)).toEqual({ ok: true, recipe: defaultRecipe({ kind: "bundled", file: "hello.elf" }) });
    expect(problem({ v: 3, guest: { kind: "bundled-linux" } }, Uint8Array.of(1))).toBe("guest: is a bundled-linux guest, but the link also carries image bytes");
  });

  it("checks the image bytes against the size the recipe states", () => {
    const image = { v: 1, guest: { kind: "image", name: "k.elf", size: 3 } };
    expect(problem(image, Uint8Array.of(1, 2, 3))).toBe("ok");
    expect(problem(image, null)).toBe("guest.size: says 3 bytes, but the link carries no image");
    expect(problem(image, Uint8Array.of(1, 2))).toBe("guest.size: says 3 bytes, but the link carries 2");
    expect(problem({ v: 1, guest: bundled }, Uint8Array.of(1))).toBe("guest: is a bundled guest, but the link also carries image bytes");
  });
});

describe("recipeToWire", () => {
  it("leaves defaults out, so the commonest link is short", () => {
    expect(recipeToWire(defaultRecipe({ kind: "bundled", file: "hello.elf" }))).toEqual({
      json: { v: 1, guest: { kind: "bundled", file: "hello.elf" } },
      imageBytes: null,
    });
  });

  it("writes addresses as hex and the image as its size", () => {
    const r: Recipe = {
      ...defaultRecipe({ kind: "image", name: "k.elf", bytes: Uint8Array.of(9, 8) }, { method: "flat", mode: "real", load: 0x7c00 }),
      breakpoints: { addresses: [0x7c00n, 0xffff_ffff_8000_0000n], lines: [] },
    };
    expect(recipeToWire(r)).toEqual({
      json: { v: 1, guest: { kind: "image", name: "k.elf", size: 2 }, boot: { method: "flat", mode: "real", load: 0x7c00 }, breakpoints: { addresses: ["0x7c00", "0xffffffff80000000"] } },
      imageBytes: Uint8Array.of(9, 8),
    });
  });

  it("round-trips every valid recipe through the wire form", () => {
    fc.assert(
      fc.property(arbRecipe, (r) => {
        const { json, imageBytes } = recipeToWire(r);
        // Through JSON text, as the codec sends it.
        const back = recipeFromWire(JSON.parse(JSON.stringify(json)), imageBytes);
        expect(back).toEqual({ ok: true, recipe: r });
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it("writes traps with hex addresses and keys, as version 2, and reads them back", () => {
    const r: Recipe = {
      ...defaultRecipe({ kind: "bundled", file: "hello.elf" }),
      traps: [
        { kind: "mem", addr: 0xd0000000, size: 0x1000, key: 7n },
        { kind: "bell", addr: 0xfffffffff000, size: 0x1000, key: 0xffff_ffff_ffff_ffffn },
      ],
    };
    const { json } = recipeToWire(r);
    expect(json).toEqual({
      v: 2,
      guest: { kind: "bundled", file: "hello.elf" },
      traps: [
        { kind: "mem", addr: "0xd0000000", size: 4096, key: "0x7" },
        { kind: "bell", addr: "0xfffffffff000", size: 4096, key: "0xffffffffffffffff" },
      ],
    });
    expect(recipeFromWire(JSON.parse(JSON.stringify(json)), null)).toEqual({ ok: true, recipe: r });
    expect(recipeVersion(r)).toBe(2);
    expect(recipeVersion(defaultRecipe({ kind: "bundled", file: "hello.elf" }))).toBe(1);
  });

  it("names the bundled Linux guest in version 3, its defaults left out, traps or not", () => {
    const linux = defaultRecipe({ kind: "bundled-linux" });
    expect(recipeToWire(linux)).toEqual({ json: { v: 3, guest: { kind: "bundled-linux" } }, imageBytes: null });
    const custom: Recipe = { ...linux, memoryMiB: 128, cmdline: "console=ttyS0 loglevel=3", traps: [{ kind: "bell", addr: 0xd0000000, size: 0x1000, key: 1n }] };
    const { json } = recipeToWire(custom);
    expect(json).toEqual({ v: 3, guest: { kind: "bundled-linux" }, memoryMiB: 128, cmdline: "console=ttyS0 loglevel=3", traps: [{ kind: "bell", addr: "0xd0000000", size: 4096, key: "0x1" }] });
    expect(recipeFromWire(JSON.parse(JSON.stringify(json)), null)).toEqual({ ok: true, recipe: custom });
    expect(recipeVersion(custom)).toBe(3);
    // Any other guest booted as Linux is written so that validation refuses it, saying why.
    const image: Recipe = { ...defaultRecipe({ kind: "image", name: "bzImage", bytes: Uint8Array.of(1) }), boot: { method: "linux" } };
    expect(problem(recipeToWire(image).json, Uint8Array.of(1))).toBe(`boot: ${LINUX_NOT_SHAREABLE}`);
  });

  it("writes a trap the schema refuses so that validation names it", () => {
    const r: Recipe = { ...defaultRecipe({ kind: "bundled", file: "hello.elf" }), traps: [{ kind: "mem", addr: 0.5, size: 4096, key: 1n }] };
    expect(problem(recipeToWire(r).json)).toContain("traps.0.addr: must be a hex guest-physical address");
  });

  it("writes a negative address so that validation refuses it", () => {
    const r: Recipe = { ...defaultRecipe({ kind: "bundled", file: "hello.elf" }), breakpoints: { addresses: [-1n], lines: [] } };
    const { json } = recipeToWire(r);
    expect(problem(json)).toContain("breakpoints.addresses.0: must be a hex address");
  });
});
