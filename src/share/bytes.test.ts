/**
 * The byte layer against Node's own implementations as oracles: Buffer's base64url and node:zlib
 * (which checks the Adler-32 trailer itself), plus the published Adler-32 example.
 */
import { deflateSync as nodeDeflate, inflateRawSync, inflateSync as nodeInflate } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bomb } from "./test-bomb";
import { adler32, formatBytes, fromBase64Url, toBase64Url, zlibCompress, zlibDecompress } from "./bytes";

const SEED = 0x5eed;

describe("base64url", () => {
  it("matches Node's encoder and decodes back, for every length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        const back = fromBase64Url(text);
        expect(back.ok && Array.from(back.bytes)).toEqual(Array.from(bytes));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("refuses characters outside the alphabet, padding, impossible lengths and stray bits", () => {
    expect(fromBase64Url("ab+c")).toMatchObject({ ok: false, message: expect.stringContaining('character 3 of the data, "+"') });
    expect(fromBase64Url("abc=")).toMatchObject({ ok: false, message: expect.stringContaining("padding is not used") });
    expect(fromBase64Url("abcde")).toMatchObject({ ok: false, message: expect.stringContaining("cut short") });
    expect(fromBase64Url("é")).toMatchObject({ ok: false });
    // "AB" carries one byte (0x00) and 4 unused bits; B sets one of them: not what any encoder writes.
    expect(fromBase64Url("AA")).toMatchObject({ ok: true });
    expect(fromBase64Url("AB")).toMatchObject({ ok: false, message: expect.stringContaining("altered") });
    expect(fromBase64Url("AAB")).toMatchObject({ ok: false, message: expect.stringContaining("altered") });
    expect(fromBase64Url("")).toMatchObject({ ok: true, bytes: new Uint8Array(0) });
  });
});

describe("Adler-32", () => {
  it("gives the RFC's and Wikipedia's values", () => {
    expect(adler32(new Uint8Array(0))).toBe(1);
    expect(adler32(new TextEncoder().encode("Wikipedia"))).toBe(0x11e60398);
  });

  it("agrees with zlib's trailer on long inputs (past the 5552-byte batching)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 5000, maxLength: 40000 }), (bytes) => {
        const z = nodeDeflate(bytes);
        expect(adler32(bytes)).toBe(z.readUInt32BE(z.length - 4));
      }),
      { seed: SEED, numRuns: 20 },
    );
  });
});

describe("zlib container", () => {
  it("writes streams node:zlib reads, and reads node:zlib's", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), (bytes, repetitive) => {
        const data = repetitive ? new Uint8Array(bytes.length * 8).map((_, i) => bytes[i % Math.max(1, bytes.length)] ?? 0) : bytes;
        expect(Array.from(nodeInflate(zlibCompress(data)))).toEqual(Array.from(data));
        const theirs = zlibDecompress(nodeDeflate(data), 1 << 20);
        expect(theirs.ok && Array.from(theirs.bytes)).toEqual(Array.from(data));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("reports a bad header, a cut stream, damage and a wrong checksum", () => {
    const good = zlibCompress(new TextEncoder().encode("hello, hypervisor ".repeat(20)));
    expect(zlibDecompress(good.subarray(0, 5), 1000)).toMatchObject({ ok: false, reason: "compression", message: expect.stringContaining("too short") });
    const header = good.slice();
    header[0] = 0x79;
    expect(zlibDecompress(header, 1000)).toMatchObject({ ok: false, message: expect.stringContaining("bad header") });
    expect(zlibDecompress(good.subarray(0, good.length - 8), 1000)).toMatchObject({ ok: false, reason: "compression" });
    const sum = good.slice();
    sum[sum.length - 1] ^= 1;
    expect(zlibDecompress(sum, 1000)).toMatchObject({ ok: false, message: expect.stringContaining("checksum") });
    // A block type of 3 is reserved (RFC 1951 §3.2.3): BFINAL=1, BTYPE=11.
    expect(zlibDecompress(Uint8Array.of(0x78, 0xda, 0x07, 0, 0, 0, 0, 0, 0, 1), 1000)).toMatchObject({ ok: false, message: expect.stringContaining("damaged") });
  });

  it("stops a decompression bomb at the cap, without inflating it all", () => {
    // 1 GiB of zeros in about 1 MB: inflated whole it would need the 1 GiB (and seconds); capped, it
    // stops after the first MiB.
    const b = bomb(1024);
    expect(b.length).toBeLessThan(1100 * 1024);
    const started = performance.now();
    const result = zlibDecompress(b, 1024 * 1024);
    expect(result).toMatchObject({ ok: false, reason: "size", message: expect.stringContaining("more than 1 MiB") });
    expect(performance.now() - started).toBeLessThan(5000);
    // Exactly at the cap is fine; one byte over is not.
    const full = zlibDecompress(nodeDeflate(new Uint8Array(1024 * 1024)), 1024 * 1024);
    expect(full.ok && full.bytes.length).toBe(1024 * 1024);
    expect(zlibDecompress(nodeDeflate(new Uint8Array(1024 * 1024 + 1)), 1024 * 1024)).toMatchObject({ ok: false, reason: "size" });
  });
});

describe("formatBytes", () => {
  it("names round sizes in KiB and MiB", () => {
    expect(formatBytes(64 * 1024)).toBe("64 KiB");
    expect(formatBytes(1024 * 1024)).toBe("1 MiB");
    expect(formatBytes(1234)).toBe("1,234 bytes");
  });
});

describe("the bomb helper", () => {
  it("really holds that many zeros (checked at a size node:zlib can inflate)", () => {
    const b = bomb(3);
    const raw = b.subarray(2, b.length - 4);
    expect(inflateRawSync(raw).length).toBe(3 * 1024 * 1024);
  });
});
