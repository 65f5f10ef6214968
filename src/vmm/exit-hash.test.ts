import { describe, expect, it } from "vitest";
import type { ExitRecord } from "./api";
import { ExitHash, exitWords, fnv1a } from "./exit-hash";

const rec = (seq: number, summary: string, rip: bigint | null = 0x7c00n): ExitRecord => ({ seq, status: 0, kind: "io", summary, instructions: seq * 10, rip });

describe("ExitHash", () => {
  it("is FNV-1a, a 32-bit word at a time, over the records' fields", () => {
    // The published FNV-1a 32-bit test vectors (Fowler, Noll, Vo) for the summary's hash.
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
    expect(new ExitHash().hex()).toBe("811c9dc5");
    const r = rec(1, "OUT 0xe9 1 byte 0x41 (debugcon)");
    expect(exitWords(r)).toEqual([1, 0, 0, 0, 10, 0, 0x7c00, 0, fnv1a("OUT 0xe9 1 byte 0x41 (debugcon)")]);
    expect(exitWords({ ...r, seq: 2 ** 40 + 3, status: -2, kind: "status", instructions: 2 ** 53 - 1, rip: null })).toEqual([3, 256, 0xfffffffe, 4, 0xffffffff, 0x1fffff, 0xffffffff, 0xffffffff, fnv1a(r.summary)]);
    const h = new ExitHash();
    h.add(r);
    // With the summary's hash handed in (the VMM's IO exits), the same.
    const given = new ExitHash();
    given.add(r, fnv1a(r.summary));
    expect(given.hex()).toBe(h.hex());
    let want = 0x811c9dc5;
    for (const w of exitWords(r)) want = Math.imul(want ^ w, 0x01000193) >>> 0;
    expect(h.hex()).toBe(want.toString(16).padStart(8, "0"));
  });

  it("changes with the order, a count, a RIP or a summary", () => {
    const base = [rec(0, "a"), rec(1, "b")];
    const hash = (rs: ExitRecord[]) => {
      const h = new ExitHash();
      for (const r of rs) h.add(r);
      return h.hex();
    };
    const ref = hash(base);
    expect(hash([rec(0, "a"), rec(1, "b")])).toBe(ref);
    expect(hash([base[1], base[0]])).not.toBe(ref);
    expect(hash([rec(0, "a"), { ...rec(1, "b"), instructions: 11 }])).not.toBe(ref);
    expect(hash([rec(0, "a"), rec(1, "b", null)])).not.toBe(ref);
    expect(hash([rec(0, "a"), rec(1, "c")])).not.toBe(ref);
  });

  it("hashes a record without BigInt or an array: the same as FNV-1a over exitWords, record by record", () => {
    // A fixed xorshift stream: seqs and counts up to 2^53, negative statuses, 64-bit RIPs, summaries
    // with characters beyond ASCII (an IN's "→").
    let x = 0x2545f491;
    const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
    const kinds: ExitRecord["kind"][] = ["io", "mem", "vcpu", "bell", "status"];
    const summaries = ["", "IN 0x3fd 1 byte → 0x60 (uart)", "ZX_ERR_CANCELED", "MMIO write 4 bytes at 0xfee000b0 (local APIC)", "é\u{1F600}"];
    const pool = Array.from({ length: 12 }, (_, k) => (BigInt(k % 2) << 63n) | (BigInt(next()) << 20n) | BigInt(k));
    const h = new ExitHash();
    let want = 0x811c9dc5;
    for (let i = 0; i < 5000; i++) {
      const big = (next() % 4 === 0 ? 2 ** 53 - 1 - next() : next() * (next() % 2 ** 21)) % 2 ** 53;
      const r: ExitRecord = {
        seq: i % 3 === 0 ? i : big,
        status: next() % 3 === 0 ? -(next() % 40) : 0,
        kind: kinds[next() % kinds.length],
        summary: summaries[next() % summaries.length] + (next() % 2 ? String(next()) : ""),
        instructions: i % 5 === 0 ? 0 : big,
        // Fresh RIPs, and RIPs from a pool of twelve (more than the hash keeps: some come back
        // after being let go), equal in value but not always the same bigint.
        rip: next() % 7 === 0 ? null : next() % 2 ? (BigInt(next()) << 32n) | BigInt(next()) : pool[next() % pool.length] + 0n * BigInt(i),
      };
      h.add(r);
      for (const w of exitWords(r)) want = Math.imul(want ^ w, 0x01000193) >>> 0;
      expect(h.hex(), JSON.stringify({ ...r, rip: r.rip?.toString(16) })).toBe(want.toString(16).padStart(8, "0"));
    }
    expect(h.count).toBe(5000); // past the summary memo's 4096: it starts afresh on the way
  });
});
