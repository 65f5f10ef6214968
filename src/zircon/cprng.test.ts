/**
 * zx_cprng_draw and the kernel's CPRNG (cprng.ts): the host's CSPRNG with the realtime clock, a
 * reproducible stream with the deterministic one.
 */
import { describe, expect, it } from "vitest";
import { createKernel } from "./kernel";
import { createCprng } from "./cprng";
import { ZX_ERR_BAD_STATE, ZX_ERR_INVALID_ARGS, ZX_OK } from "./status";

function draw(clock: "deterministic" | "realtime", sizes: number[]): Uint8Array[] {
  const t = createKernel({ clock }).createProcess().mainThread;
  return sizes.map((n) => {
    const b = new Uint8Array(n);
    expect(t.zx_cprng_draw(b)).toBe(ZX_OK);
    return b;
  });
}

/** Bytes that look random enough to tell from a constant or a counter: most byte values, none dominant. */
function looksRandom(b: Uint8Array): void {
  const counts = new Map<number, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  expect(counts.size).toBeGreaterThan(200);
  expect(Math.max(...counts.values())).toBeLessThan(b.length / 32);
}

describe("zx_cprng_draw", () => {
  it("deterministic clock: every kernel draws the same stream, which looks random and never repeats a block", () => {
    const a = draw("deterministic", [32, 4096, 5]);
    const b = draw("deterministic", [32, 4096, 5]);
    expect(a).toEqual(b);
    looksRandom(a[1]);
    expect(a[1].subarray(0, 32)).not.toEqual(a[0]);
    // Split differently, the bytes are the same stream (the odd sizes take whole words).
    const one = draw("deterministic", [32 + 4096])[0];
    expect(one.subarray(0, 32)).toEqual(a[0]);
    expect(one.subarray(32)).toEqual(a[1]);
  });

  it("deterministic clock: xoshiro128** from the fixed seed (the reference's first outputs)", () => {
    // First words of xoshiro128** from state (0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344),
    // computed by the reference C code (Blackman and Vigna, xoshiro128starstar.c): s[1] * 5, rotl 7, * 9.
    const words = new Uint32Array(createCprngBytes(16).buffer);
    let s = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344].map((x) => BigInt(x));
    const M = 0xffffffffn;
    const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
    for (let i = 0; i < 4; i++) {
      const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
      const t = (s[1] << 9n) & M;
      s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11n);
      s = s.map((x) => x & M);
      expect(words[i]).toBe(Number(result));
    }
  });

  it("realtime clock: the host's CSPRNG (two kernels differ), large buffers filled to the end", () => {
    const [a] = draw("realtime", [100_000]);
    const [b] = draw("realtime", [100_000]);
    expect(a).not.toEqual(b);
    looksRandom(a);
    looksRandom(a.subarray(70_000)); // past crypto.getRandomValues' 65,536-byte limit
  });

  it("a buffer that is not a Uint8Array is ZX_ERR_INVALID_ARGS; a dead thread gets ZX_ERR_BAD_STATE; empty is fine", () => {
    const t = createKernel().createProcess().mainThread;
    for (const bad of [null, 32, "bytes", [1, 2, 3], new ArrayBuffer(8)]) expect(t.zx_cprng_draw(bad as unknown as Uint8Array)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_cprng_draw(new Uint8Array(0))).toBe(ZX_OK);
    t.exit();
    expect(t.zx_cprng_draw(new Uint8Array(8))).toBe(ZX_ERR_BAD_STATE);
  });
});

function createCprngBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  createCprng("deterministic").draw(b);
  return b;
}
