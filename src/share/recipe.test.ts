/**
 * The recipe's validator: every malformed field is refused with a reason that names it; the wire
 * form leaves defaults out; the recipe's copies of the VMM's and the worker's limits agree with them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GUEST_FILE_NAME } from "../../workers/api";
import { DEFAULT_MEMORY_MIB as VMM_DEFAULT_MIB, MAX_MEMORY_MIB as VMM_MAX_MIB } from "../vmm/machine";
import {
  BUNDLED_FILE_NAME,
  DEFAULT_MEMORY_MIB,
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

/** The readable reason `json` is refused, or "ok". */
function problem(json: unknown, image: Uint8Array | null = null): string {
  const r = recipeFromWire(json, image);
  return r.ok ? "ok" : formatProblem(r.problem);
}

describe("the recipe's limits", () => {
  it("are the VMM's and the worker's", () => {
    expect(DEFAULT_MEMORY_MIB).toBe(VMM_DEFAULT_MIB);
    expect(MAX_MEMORY_MIB).toBe(VMM_MAX_MIB);
    expect(BUNDLED_FILE_NAME.source).toBe(GUEST_FILE_NAME.source);
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
    ["another version inside", { v: 2, guest: bundled }, "v: must be 1"],
    ["no guest", { v: 1 }, "guest: is missing"],
    ["an unknown guest kind", { v: 1, guest: { kind: "url", url: "http://x" } }, 'guest.kind: must be a bundled guest, an image or source'],
    ["a path for a bundled guest", { v: 1, guest: { kind: "bundled", file: "../../etc/passwd" } }, "guest.file: must be a bundled guest's file name"],
    ["a bundled guest of another type", { v: 1, guest: { kind: "bundled", file: "x.js" } }, "guest.file: must be a bundled guest's file name"],
    ["an unknown field", { v: 1, guest: bundled, script: "alert(1)" }, "script: is not a field of a recipe"],
    ["an unknown nested field", { v: 1, guest: { ...bundled, url: "x" } }, "guest.url: is not a field of a recipe"],
    ["a Linux boot", { v: 1, guest: bundled, boot: { method: "linux" } }, `boot: ${LINUX_NOT_SHAREABLE}`],
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
  ];
  for (const [what, json, reason] of refused) {
    it(`refuses ${what}`, () => {
      expect(problem(json)).toContain(reason);
    });
  }

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

  it("writes a negative address so that validation refuses it", () => {
    const r: Recipe = { ...defaultRecipe({ kind: "bundled", file: "hello.elf" }), breakpoints: { addresses: [-1n], lines: [] } };
    const { json } = recipeToWire(r);
    expect(problem(json)).toContain("breakpoints.addresses.0: must be a hex address");
  });
});
