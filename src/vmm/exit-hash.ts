/**
 * A fingerprint of a run's VM exits: FNV-1a (32-bit) over each exit record's canonical line, in
 * order. Two runs of the same guest on the same machine — the CLI and the browser's worker, or two
 * runs of either — must give the same fingerprint: the exits, their instruction counts and RIPs,
 * and what the VMM did with each (its summary) are all deterministic under the deterministic clock.
 */
import type { ExitRecord } from "./api";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The text an exit record contributes to the hash (one line). */
export function exitLine(r: ExitRecord): string {
  return `${r.seq} ${r.status} ${r.kind} ${r.instructions} ${r.rip === null ? "-" : r.rip.toString(16)} ${r.summary}\n`;
}

/** FNV-1a (32-bit) of `text`'s UTF-16 code units, continuing from `h`. */
export function fnv1a(text: string, h = FNV_OFFSET): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Decimal digits of a non-negative safe integer, least significant first (scratch for fnvDecimal). */
const digits = new Uint8Array(20);

/** FNV-1a of the decimal text of the safe integer `n` (what `${n}` gives), continuing from `h`. */
function fnvDecimal(n: number, h: number): number {
  if (n < 0) {
    h = Math.imul(h ^ 0x2d, FNV_PRIME); // "-"
    n = -n;
  }
  let k = 0;
  do {
    const d = n % 10;
    digits[k++] = d;
    n = (n - d) / 10; // exact: n - d is a multiple of 10
  } while (n !== 0);
  while (k > 0) h = Math.imul(h ^ (0x30 + digits[--k]), FNV_PRIME);
  return h;
}

/** FNV-1a of one character code, continuing from `h`. */
function fnvChar(c: number, h: number): number {
  return Math.imul(h ^ c, FNV_PRIME);
}

/**
 * The running fingerprint. `add` hashes a record's line without building it (a VMM that records
 * every exit adds a million a second): the same value as fnv1a(exitLine(r)), which stays the
 * definition (exit-hash.test.ts holds the two together).
 */
export class ExitHash {
  private h = FNV_OFFSET;
  /** Exits hashed so far. */
  count = 0;
  /** The last RIP hashed and its hex text (a guest exits from the same few instructions). */
  private rip: bigint | null = null;
  private ripHex = "";

  add(r: ExitRecord): void {
    let h = fnvDecimal(r.seq, this.h);
    h = fnvDecimal(r.status, fnvChar(0x20, h));
    h = fnv1a(r.kind, fnvChar(0x20, h));
    h = fnvDecimal(r.instructions, fnvChar(0x20, h));
    h = fnvChar(0x20, h);
    if (r.rip === null) h = fnvChar(0x2d, h);
    else {
      if (r.rip !== this.rip) {
        this.rip = r.rip;
        this.ripHex = r.rip.toString(16);
      }
      h = fnv1a(this.ripHex, h);
    }
    h = fnv1a(r.summary, fnvChar(0x20, h));
    this.h = fnvChar(0x0a, h) >>> 0;
    this.count++;
  }

  /** The hash as 8 hex digits. */
  hex(): string {
    return this.h.toString(16).padStart(8, "0");
  }
}
