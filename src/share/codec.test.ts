/**
 * The link codec: seeded random recipes round-trip; thousands of seeded mutations and every
 * truncation of valid links give a readable error and never throw; versions; size limits; a
 * decompression bomb. node:zlib builds hostile payloads the encoder would never write.
 */
import { deflateSync as nodeDeflate, inflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBase64Url } from "./bytes";
import { FRAGMENT_PREFIX, MAX_LINK_CHARS, MAX_PAYLOAD_BYTES, WARN_LINK_CHARS, checkRecipe, decodeFragment, encodeRecipe, type DecodeResult } from "./codec";
import { defaultRecipe, RECIPE_VERSION, type Recipe } from "./recipe";
import { bomb } from "./test-bomb";
import { recipe as arbRecipe } from "./test-recipes";
import { rng } from "../testing/fuzz";

const hello = defaultRecipe({ kind: "bundled", file: "hello.elf" });

function fragmentOf(recipe: Recipe): string {
  const e = encodeRecipe(recipe);
  if (!e.ok) throw new Error(e.error.message);
  return e.fragment;
}

/** A fragment carrying `payload` as is (what a hand-made or hostile link could hold). */
function rawFragment(payload: Uint8Array | string, version = RECIPE_VERSION): string {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return `${FRAGMENT_PREFIX}${version}.${toBase64Url(nodeDeflate(bytes))}`;
}

/** A readable error: a sentence, not a stack trace, an "[object …]" or an "undefined". */
function expectReadable(result: DecodeResult | null): void {
  if (result === null || result.ok) return;
  expect(result.error.kind).not.toBe("internal");
  expect(result.error.message.length).toBeGreaterThan(10);
  expect(result.error.message).not.toMatch(/undefined|\[object |^\s|\n|    at /);
}

const LINK_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=#&%+/ é";

/** One random edit of `text`: replace, insert or delete a character, or swap two. */
function mutate(text: string, random: () => number): string {
  const i = Math.floor(random() * text.length);
  const c = LINK_CHARS[Math.floor(random() * LINK_CHARS.length)];
  switch (Math.floor(random() * 4)) {
    case 0:
      return text.slice(0, i) + c + text.slice(i + 1);
    case 1:
      return text.slice(0, i) + c + text.slice(i);
    case 2:
      return text.slice(0, i) + text.slice(i + 1);
    default: {
      const j = Math.floor(random() * text.length);
      const a = [...text];
      [a[i], a[j]] = [a[j], a[i]];
      return a.join("");
    }
  }
}

describe("round trips", () => {
  it("decodes every seeded random recipe to itself", () => {
    fc.assert(
      fc.property(arbRecipe, (r) => {
        const e = encodeRecipe(r, "https://example.test/playground/");
        expect(e.ok).toBe(true);
        if (!e.ok) return;
        expect(e.link).toBe(`https://example.test/playground/${e.fragment}`);
        expect(e.chars).toBe(e.link.length);
        expect(e.large).toBe(e.link.length > WARN_LINK_CHARS);
        expect(decodeFragment(e.fragment)).toEqual({ ok: true, recipe: r });
        // The fragment as location.hash gives it, and without its "#".
        expect(decodeFragment(e.fragment.slice(1))).toEqual({ ok: true, recipe: r });
      }),
      { seed: 20240501, numRuns: 400 },
    );
  });

  it("keeps the commonest link (a bundled guest, defaults) short", () => {
    const f = fragmentOf(hello);
    expect(f).toMatch(/^#r=1\.[A-Za-z0-9_-]+$/);
    expect(f.length).toBeLessThan(100);
  });

  it("is deterministic: the same recipe gives the same link", () => {
    const r: Recipe = { ...hello, cmdline: "console=ttyS0", consoleInput: "help\r", breakpoints: { addresses: [0x100000n], lines: [4] } };
    expect(fragmentOf(r)).toBe(fragmentOf(structuredClone(r)));
  });

  it("carries an image's bytes exactly, and compresses them", () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7) & 0x3f);
    const r = defaultRecipe({ kind: "image", name: "kernel.elf", bytes }, { method: "elf" });
    const f = fragmentOf(r);
    expect(f.length).toBeLessThan(bytes.length);
    expect(decodeFragment(f)).toEqual({ ok: true, recipe: r });
  });
});

describe("damaged links", () => {
  const samples: Recipe[] = fc.sample(arbRecipe, { seed: 7, numRuns: 25 });
  samples.push(hello, { ...hello, guest: { kind: "image", name: "k.bin", bytes: new Uint8Array(300).fill(0x90) } });
  const fragments = samples.map(fragmentOf);

  it("gives a readable error for thousands of seeded mutations, and never throws", () => {
    const random = rng(0xc0ffee);
    const kinds = new Map<string, number>();
    let unchanged = 0;
    for (let n = 0; n < 6000; n++) {
      const k = n % fragments.length;
      let text = fragments[k];
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) text = mutate(text, random);
      const result = decodeFragment(text);
      expectReadable(result);
      const kind = result === null ? "null" : result.ok ? "ok" : result.error.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      // A mutation may undo itself (a swap of equal characters); then the original comes back,
      // never a different recipe: the checksum and strict base64 see to that.
      if (result?.ok) {
        expect(result.recipe).toEqual(samples[k]);
        unchanged++;
      }
    }
    // The mutations reached every layer of the decoder.
    for (const kind of ["format", "base64", "compression"]) expect(kinds.get(kind) ?? 0).toBeGreaterThan(0);
    expect(unchanged).toBeLessThan(600);
  });

  it("gives a readable error for thousands of mutations of the recipe's JSON behind a valid checksum", () => {
    // The checksum stops almost every mutation of a link at the compression layer; a hand-edited
    // link re-compressed by someone gets past it, so the JSON and schema layers are fuzzed too.
    const random = rng(0xbeef);
    const texts = samples.filter((r) => r.guest.kind !== "image").map((r) => {
      const f = fragmentOf(r);
      const payload = decodeFragmentPayload(f);
      return payload;
    });
    const kinds = new Map<string, number>();
    for (let n = 0; n < 4000; n++) {
      let text = texts[n % texts.length];
      for (let e = 1 + Math.floor(random() * 2); e > 0; e--) text = mutate(text, random);
      const result = decodeFragment(rawFragment(text));
      expectReadable(result);
      const kind = result === null ? "null" : result.ok ? "ok" : result.error.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(kinds.get("json") ?? 0).toBeGreaterThan(100);
    expect(kinds.get("recipe") ?? 0).toBeGreaterThan(100);
  });

  it("gives a readable error for every truncation, and never a recipe", () => {
    for (const f of fragments.slice(-8)) {
      for (let end = 0; end < f.length; end++) {
        const result = decodeFragment(f.slice(0, end));
        expectReadable(result);
        expect(result?.ok ?? false).toBe(false);
      }
    }
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        expectReadable(decodeFragment(s));
        expectReadable(decodeFragment(`#r=1.${s}`));
      }),
      { seed: 99, numRuns: 2000 },
    );
  });

  it("says which layer is broken", () => {
    expect(decodeFragment("")).toBeNull();
    expect(decodeFragment("#section-2")).toBeNull();
    expect(decodeFragment("#r=")).toMatchObject({ ok: false, error: { kind: "format", message: expect.stringContaining("version is missing") } });
    expect(decodeFragment("#r=v1.abc")).toMatchObject({ ok: false, error: { kind: "format" } });
    expect(decodeFragment("#r=1")).toMatchObject({ ok: false, error: { kind: "format", message: expect.stringContaining("cut short") } });
    expect(decodeFragment("#r=1.abc$")).toMatchObject({ ok: false, error: { kind: "base64", message: expect.stringContaining('character 4 of the data, "$"') } });
    expect(decodeFragment("#r=1.AAAAAAAAAAAA")).toMatchObject({ ok: false, error: { kind: "compression", message: expect.stringContaining("bad header") } });
    expect(decodeFragment(rawFragment("not json"))).toMatchObject({ ok: false, error: { kind: "json", message: expect.stringContaining("not valid JSON") } });
    expect(decodeFragment(rawFragment(Uint8Array.of(0x7b, 0xff, 0x7d)))).toMatchObject({ ok: false, error: { kind: "json", message: expect.stringContaining("UTF-8") } });
    expect(decodeFragment(rawFragment('{"v":1,"guest":{"kind":"bundled","file":"/etc/passwd"}}'))).toMatchObject({
      ok: false,
      error: { kind: "recipe", message: expect.stringContaining("guest.file: must be a bundled guest's file name") },
    });
    expect(decodeFragment(rawFragment('{"v":1,"guest":{"kind":"bundled","file":"a.elf"},"boot":{"method":"linux"}}'))).toMatchObject({
      ok: false,
      error: { kind: "recipe", message: expect.stringContaining("Linux guests cannot be shared") },
    });
  });
});

describe("versions", () => {
  it("says a newer link is newer, naming both versions", () => {
    const f = fragmentOf(hello).replace(/^#r=1\./, "#r=7.");
    expect(decodeFragment(f)).toEqual({
      ok: false,
      error: { kind: "version", message: `this link was made by a newer playground (version 7); this one reads up to ${RECIPE_VERSION}` },
    });
    // Recognised before the data is touched: a future version may encode it differently.
    expect(decodeFragment("#r=4.anything at all, even ***")).toMatchObject({ ok: false, error: { kind: "version" } });
  });

  it("writes the lowest version that holds the recipe: 1 without traps, 2 with them; reads both", () => {
    expect(fragmentOf(hello)).toMatch(/^#r=1\./);
    const trapped: Recipe = { ...hello, traps: [{ kind: "mem", addr: 0xd0000000, size: 0x1000, key: 7n }] };
    const f = fragmentOf(trapped);
    expect(f).toMatch(/^#r=2\./);
    expect(decodeFragment(f)).toEqual({ ok: true, recipe: trapped });
    expect(decodeFragment(fragmentOf(hello))).toEqual({ ok: true, recipe: hello });
    // What a playground that reads version 1 only says of it (RECIPE_VERSION was 1 there):
    // recognised as newer before the data is touched, so it never boots the guest without its traps.
    expect(RECIPE_VERSION).toBe(3);
    expect(decodeFragment(f.replace(/^#r=2\./, "#r=4."))).toMatchObject({ ok: false, error: { kind: "version", message: expect.stringContaining("made by a newer playground (version 4)") } });
  });

  it("names the bundled Linux guest in a short version 3 link, which a version 2 playground calls newer", () => {
    const linux = defaultRecipe({ kind: "bundled-linux" });
    const f = fragmentOf(linux);
    expect(f).toMatch(/^#r=3\./);
    expect(f.length).toBeLessThan(100);
    expect(decodeFragment(f)).toEqual({ ok: true, recipe: linux });
    // Old links still read exactly as before, and are written byte for byte as before: these two
    // were made by the version 2 playground (commit bce2148), one of each older version.
    const v1 = "#r=1.eNoVjTEOgzAUQ69SeY4qkKoOGbt16AmqDpD_aSOSH5oQBELcncSbLft5xwLdKnwzpxl6x2iFoNFnIccEhcE6LgGbX7iyG3AoePYhbi_7gL7fFIwnZ6WW1stWFn3kbpyClTlVYkcUOSUu5o1mbZsqfArHBEnB8VOmXL7xx3EC0K0t5w";
    const v2 = "#r=2.eNo9jU0KwjAYRD3LrIPEUlvNVcRFSmIM-ZMmilpyYu8gfq3Q2T1mHjPhAdEwmLvOBWKCs1FBwAZpNBiiDJrQbQcbCbN9EzaVYUhp2Qddrmk2Ll4WWoSkZsGnaIh8ktTteHvY9x1ZZZS3DHFaf4IONJNKjQT8qfg_61XLjx2D06-l7lHPdfP5_gCxVjbP";
    const old1: Recipe = { ...defaultRecipe({ kind: "bundled", file: "echo.elf" }), cmdline: "x y", memoryMiB: 64, consoleInput: "q", breakpoints: { addresses: [0x100000n], lines: [] } };
    const old2: Recipe = {
      ...defaultRecipe({ kind: "image", name: "k.bin", bytes: Uint8Array.of(0xeb, 0xfe) }, { method: "flat", mode: "long", load: 0x100000 }),
      traps: [{ kind: "mem", addr: 0xd0000000, size: 0x1000, key: 7n }],
    };
    expect(decodeFragment(v1)).toEqual({ ok: true, recipe: old1 });
    expect(decodeFragment(v2)).toEqual({ ok: true, recipe: old2 });
    expect(fragmentOf(old1)).toBe(v1);
    expect(fragmentOf(old2)).toBe(v2);
    // A Linux image still cannot travel in a link.
    const image = { ...defaultRecipe({ kind: "image", name: "bzImage", bytes: Uint8Array.of(1, 2, 3) }), boot: { method: "linux" as const } };
    expect(encodeRecipe(image)).toMatchObject({ ok: false, error: { kind: "recipe", message: expect.stringContaining("Linux guests cannot be shared by link") } });
  });

  it("refuses traps in a version 1 recipe, and a recipe whose version is not the link's", () => {
    const traps = '"traps":[{"kind":"mem","addr":"0xd0000000","size":4096,"key":"0x7"}]';
    expect(decodeFragment(rawFragment(`{"v":1,"guest":{"kind":"bundled","file":"a.elf"},${traps}}`, 1))).toMatchObject({
      ok: false,
      error: { kind: "recipe", message: "this link's recipe is not valid: traps: need version 2 of the recipe format (v: 2); version 1 has no traps" },
    });
    expect(decodeFragment(rawFragment(`{"v":2,"guest":{"kind":"bundled","file":"a.elf"},${traps}}`, 1))).toMatchObject({
      ok: false,
      error: { kind: "recipe", message: "this link's recipe is not valid: v: is 2, but the link says version 1" },
    });
    expect(decodeFragment(rawFragment(`{"v":2,"guest":{"kind":"bundled","file":"a.elf"},${traps}}`, 2))).toMatchObject({ ok: true });
  });

  it("refuses version 0, leading zeros and absurd numbers as malformed", () => {
    expect(decodeFragment("#r=0.abc")).toMatchObject({ ok: false, error: { kind: "format" } });
    expect(decodeFragment(fragmentOf(hello).replace("#r=1.", "#r=01."))).toMatchObject({ ok: false, error: { kind: "format" } });
    expect(decodeFragment("#r=99999999999.abc")).toMatchObject({ ok: false, error: { kind: "format" } });
  });

  it("refuses a payload whose own version disagrees with the link's", () => {
    expect(decodeFragment(rawFragment('{"v":4,"guest":{"kind":"bundled","file":"a.elf"}}'))).toMatchObject({ ok: false, error: { kind: "recipe", message: expect.stringContaining("v: must be 1, 2 or 3") } });
    expect(decodeFragment(rawFragment('{"v":1,"guest":{"kind":"bundled","file":"a.elf"}}', 2))).toMatchObject({ ok: false, error: { kind: "recipe", message: expect.stringContaining("v: is 1, but the link says version 2") } });
  });
});

describe("size limits", () => {
  /** Bytes that do not compress, from a seeded generator. */
  function noise(length: number, seed: number): Uint8Array {
    const random = rng(seed);
    return new Uint8Array(length).map(() => Math.floor(random() * 256));
  }

  it("flags a link over 2 KB, and only then", () => {
    const small = encodeRecipe(hello, "https://example.test/");
    expect(small.ok && small.large).toBe(false);
    const big = encodeRecipe(defaultRecipe({ kind: "image", name: "k.elf", bytes: noise(3000, 1) }), "https://example.test/");
    expect(big.ok && big.chars > WARN_LINK_CHARS && big.large).toBe(true);
  });

  it("refuses to make a link over the limit, saying how long it would be", () => {
    const r = defaultRecipe({ kind: "image", name: "k.elf", bytes: noise(60_000, 2) });
    const e = encodeRecipe(r, "https://example.test/");
    expect(e).toMatchObject({ ok: false, error: { kind: "size", message: expect.stringMatching(/the link would be [\d,]+ characters, over the limit of 65,536/) } });
    // The base counts: a link is measured whole.
    const justUnder = defaultRecipe({ kind: "image", name: "k.elf", bytes: noise(47_000, 3) });
    const bare = encodeRecipe(justUnder);
    expect(bare.ok).toBe(true);
    if (bare.ok) expect(encodeRecipe(justUnder, "x".repeat(MAX_LINK_CHARS - bare.chars + 1))).toMatchObject({ ok: false, error: { kind: "size" } });
  });

  it("refuses to make a payload over the cap even when it compresses well", () => {
    const r = defaultRecipe({ kind: "image", name: "zeros.bin", bytes: new Uint8Array(MAX_PAYLOAD_BYTES) }, { method: "flat" });
    expect(encodeRecipe(r)).toMatchObject({ ok: false, error: { kind: "size" } });
    expect(checkRecipe(r)).toBeNull();
  });

  it("does not read a link over the limit", () => {
    const f = `#r=1.${"A".repeat(MAX_LINK_CHARS)}`;
    expect(decodeFragment(f)).toMatchObject({ ok: false, error: { kind: "size", message: expect.stringContaining("over the limit of 65,536") } });
  });

  it("stops a decompression bomb that fits in a link", () => {
    // 40 MiB of zeros in about 40 KB (55 K characters of link).
    const f = `${FRAGMENT_PREFIX}1.${toBase64Url(bomb(40))}`;
    expect(f.length).toBeLessThan(MAX_LINK_CHARS);
    expect(decodeFragment(f)).toMatchObject({ ok: false, error: { kind: "size", message: expect.stringContaining("decompression bomb") } });
  });
});

describe("checkRecipe", () => {
  it("accepts a valid recipe and names the field of an invalid one", () => {
    expect(checkRecipe(hello)).toBeNull();
    expect(checkRecipe({ ...hello, memoryMiB: 0.5 })).toBe("memoryMiB: must be a whole number of MiB");
    expect(checkRecipe({ ...hello, boot: { method: "linux" } as unknown as Recipe["boot"] })).toContain("Linux guests cannot be shared");
  });
});

/** The JSON text inside a fragment this codec wrote (node:zlib as the independent reader). */
function decodeFragmentPayload(fragment: string): string {
  const data = fragment.slice(fragment.indexOf(".") + 1);
  return new TextDecoder().decode(inflateSync(Buffer.from(data, "base64url")));
}
