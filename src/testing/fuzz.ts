/**
 * Test support for the seeded fuzzers (src/x86/fuzz-*.test.ts, src/vmm/fuzz-mmio-decode.test.ts,
 * src/vmm/loaders/fuzz-images.test.ts): the run count, the seed, a PRNG and hex dumps, so that every
 * fuzzer sizes itself the same way and every failure can be replayed from its message.
 *
 * - HVPLAY_FUZZ_RUNS: a multiplier of each fuzzer's CI size (default 1; 0.5 halves it, 50 is a long
 *   run). Test timeouts grow with it.
 * - HVPLAY_FUZZ_SEED: mixed into every fixed seed (default 0, the CI inputs), to explore other inputs
 *   in a long run. A failure message prints the seed actually used.
 *
 * A long run: `HVPLAY_FUZZ_RUNS=50 npx vitest run src/x86/fuzz-decode.test.ts src/x86/fuzz-execute.test.ts
 * src/vmm/fuzz-mmio-decode.test.ts src/vmm/loaders/fuzz-images.test.ts`.
 */

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};

function envNumber(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}=${raw}: expected a non-negative number`);
  return v;
}

/** The HVPLAY_FUZZ_RUNS multiplier. */
export const FUZZ_SCALE = envNumber("HVPLAY_FUZZ_RUNS", 1);
const SEED_MIX = envNumber("HVPLAY_FUZZ_SEED", 0) >>> 0;

/** How many inputs a fuzzer with CI size `ciCount` tries in this run (at least 1). */
export function fuzzRuns(ciCount: number): number {
  return Math.max(1, Math.round(ciCount * FUZZ_SCALE));
}

/** The seed to use for a fuzzer whose fixed CI seed is `base`. */
export function fuzzSeed(base: number): number {
  return (base ^ Math.imul(SEED_MIX, 0x9e3779b1)) >>> 0;
}

/** A vitest timeout for a test that takes about `ciMs` at CI size (generous: the machine is shared). */
export function fuzzTimeout(ciMs: number): number {
  return Math.max(60_000, Math.ceil(ciMs * Math.max(1, FUZZ_SCALE) * 4));
}

/** Seeded random numbers in [0, 1) (mulberry32, as FuzzRng), so a failure names a reproducible case. */
export function rng(seed: number): () => number {
  const r = new FuzzRng(seed);
  return () => r.u32() / 4294967296;
}

/** Deterministic PRNG (mulberry32; 32-bit state, so a seed alone replays the whole sequence). */
export class FuzzRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), 1 | t);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  byte(): number {
    return this.u32() & 0xff;
  }
  /** 0 ≤ result < n (n ≤ 2^32). */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** True with probability 1/n. */
  oneIn(n: number): boolean {
    return this.below(n) === 0;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.byte();
    return b;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  /** A seed for a sub-generator (one per input, so an input can be replayed on its own). */
  fork(): number {
    return this.u32();
  }
}

/** Bytes as space-separated hex (the first `max` of them, with the total when cut). */
export function hexBytes(b: ArrayLike<number>, max = 64): string {
  const n = Math.min(b.length, max);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push((b[i] & 0xff).toString(16).padStart(2, "0"));
  return parts.join(" ") + (b.length > max ? ` ... (${b.length} bytes)` : "");
}

/** Keeps the first `limit` failures of a fuzzer (enough to diagnose, without flooding the report). */
export class Failures {
  readonly list: string[] = [];
  count = 0;
  constructor(private readonly limit = 20) {}
  add(msg: string): void {
    this.count++;
    if (this.list.length < this.limit) this.list.push(msg);
  }
}
