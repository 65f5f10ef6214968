/**
 * A fingerprint of a run's VM exits. Two runs of the same guest on the same machine — the CLI and
 * the browser's worker, or two runs of either — must give the same fingerprint: the exits, their
 * instruction counts and RIPs, and what the VMM did with each (its summary) are all deterministic
 * under the deterministic clock.
 *
 * The definition (exitWords gives it, exit-hash.test.ts holds ExitHash to it): FNV-1a (32-bit)
 * taken a 32-bit word at a time — h = (h ^ w) × 16777619 mod 2^32, from 2166136261 — over every
 * record's words in order: seq (low, high), status, the kind's index in EXIT_KINDS, instructions
 * (low, high), RIP (low, high; both 0xffffffff when null) and the FNV-1a of the summary's UTF-16
 * code units. A word per field rather than a byte per character: the VMM records up to a million
 * exits a second, and each record's summary is one of a few strings whose hash is kept.
 */
import type { ExitRecord } from "./api";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO32 = 4294967296;

/** ExitRecord kinds in the order their index enters the hash. */
export const EXIT_KINDS: readonly ExitRecord["kind"][] = ["io", "mem", "vcpu", "bell", "status"];

/** FNV-1a (32-bit) of `text`'s UTF-16 code units, continuing from `h`. */
export function fnv1a(text: string, h = FNV_OFFSET): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The words a record contributes to the hash (the definition; ExitHash.add computes the same without BigInt or an array). */
export function exitWords(r: ExitRecord): number[] {
  const u64 = (v: bigint) => [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];
  return [
    ...u64(BigInt(r.seq)),
    r.status >>> 0,
    EXIT_KINDS.indexOf(r.kind),
    ...u64(BigInt(r.instructions)),
    ...(r.rip === null ? [0xffffffff, 0xffffffff] : u64(r.rip)),
    fnv1a(r.summary),
  ];
}

/** RIPs whose words ExitHash keeps. */
const RIPS_KEPT = 8;

/** Summary hashes kept before the memo starts afresh (a guest repeats a few summaries; MMIO ones vary). */
const SUMMARY_MEMO = 4096;

/** The running fingerprint. */
export class ExitHash {
  private h = FNV_OFFSET;
  /** Exits hashed so far. */
  count = 0;
  /**
   * The last RIPS_KEPT RIPs hashed and their two words (a guest exits from the same few
   * instructions): no BigInt arithmetic per record. Empty slots hold -1n (no RIP is negative), so
   * the array holds only bigints and each comparison is a BigInt one; a null RIP has its own words.
   */
  private readonly rips: bigint[] = new Array<bigint>(RIPS_KEPT).fill(-1n);
  private readonly ripLo = new Uint32Array(RIPS_KEPT);
  private readonly ripHi = new Uint32Array(RIPS_KEPT);
  private ripNext = 0;
  /** The slot the last record's RIP was found in: looked at first. */
  private ripLast = 0;
  private readonly summaries = new Map<string, number>();

  /** Hashes `r`; `summaryHash` is fnv1a(r.summary) when the caller has it (else it is looked up). */
  add(r: ExitRecord, summaryHash?: number): void {
    let h = this.h;
    const seq = r.seq;
    const instructions = r.instructions;
    h = word(h, seq >>> 0);
    h = word(h, seq <= 0xffffffff ? 0 : (seq / TWO32) >>> 0);
    h = word(h, r.status >>> 0);
    h = word(h, exitKindIndex(r.kind));
    h = word(h, instructions >>> 0);
    h = word(h, instructions <= 0xffffffff ? 0 : (instructions / TWO32) >>> 0);
    const rip = r.rip;
    if (rip === null) {
      h = word(h, 0xffffffff);
      h = word(h, 0xffffffff);
    } else {
      const rips = this.rips;
      let k = this.ripLast;
      if (rips[k] !== rip) {
        k = 0;
        while (k < RIPS_KEPT && rips[k] !== rip) k++;
        if (k === RIPS_KEPT) {
          k = this.ripNext;
          this.ripNext = (k + 1) % RIPS_KEPT;
          rips[k] = rip;
          this.ripLo[k] = Number(rip & 0xffffffffn);
          this.ripHi[k] = Number((rip >> 32n) & 0xffffffffn);
        }
        this.ripLast = k;
      }
      h = word(h, this.ripLo[k]);
      h = word(h, this.ripHi[k]);
    }
    let s = summaryHash ?? this.summaries.get(r.summary);
    if (s === undefined) {
      s = fnv1a(r.summary);
      if (this.summaries.size >= SUMMARY_MEMO) this.summaries.clear();
      this.summaries.set(r.summary, s);
    }
    this.h = word(h, s) >>> 0;
    this.count++;
  }

  /** The hash as 8 hex digits. */
  hex(): string {
    return this.h.toString(16).padStart(8, "0");
  }
}

/** One FNV-1a step over a 32-bit word. */
function word(h: number, w: number): number {
  return Math.imul(h ^ w, FNV_PRIME);
}

/** A kind's index in EXIT_KINDS. */
export function exitKindIndex(kind: ExitRecord["kind"]): number {
  switch (kind) {
    case "io": return 0;
    case "mem": return 1;
    case "vcpu": return 2;
    case "bell": return 3;
    default: return 4;
  }
}
