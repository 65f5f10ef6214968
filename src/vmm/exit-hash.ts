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

export class ExitHash {
  private h = FNV_OFFSET;
  /** Exits hashed so far. */
  count = 0;

  add(r: ExitRecord): void {
    this.h = fnv1a(exitLine(r), this.h);
    this.count++;
  }

  /** The hash as 8 hex digits. */
  hex(): string {
    return this.h.toString(16).padStart(8, "0");
  }
}
