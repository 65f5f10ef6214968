/**
 * How to boot what the editor assembled, decided from the image and the source (pure; tested in
 * boot-method.test.ts):
 *
 * - a Multiboot v1 header (magic 0x1BADB002 at a 4-aligned offset in the first 8 KiB, with a valid
 *   checksum, as the Multiboot specification §3.1.1 requires) → Multiboot, as `hvplay run` does;
 * - else a flat image in the mode of the source's first BITS (16 when there is none, as nasm -f bin):
 *   - BITS 16: real mode at 0000:7C00 when ORG is 0x7C00 or absent (a boot sector), else at ORG;
 *   - BITS 32: protected mode, loaded and entered at ORG;
 *   - BITS 64: long mode, loaded and entered at ORG.
 *   Without an ORG, 32- and 64-bit images go to 0x100000 (the VMM's default; low memory holds the
 *   long-mode page tables), and the note says that labels then do not match the addresses.
 *
 * ORG is the address of the image's first byte, read from the assembler's line map (exact whatever
 * expression ORG was given), so no ORG means 0.
 */
import type { GuestBoot } from "../../../workers/api";
import type { LineMapEntry } from "../../asm/types";

export const MULTIBOOT_MAGIC = 0x1badb002;
/** The Multiboot header must lie within the first 8192 bytes of the image, 32-bit aligned. */
export const MULTIBOOT_SEARCH = 8192;
/** Where a boot sector runs. */
export const BOOT_SECTOR_ADDRESS = 0x7c00;
/** Where 32/64-bit flat images go when the source has no ORG (src/vmm/loaders/flat.ts's default). */
export const FLAT_DEFAULT_LOAD = 0x100000;

export interface BootDecision {
  boot: GuestBoot;
  /** One line for the panel head, e.g. "flat, real mode at 0x7c00". */
  describe: string;
  /** A caveat worth showing (labels that will not match RIP), or null. */
  note: string | null;
}

/** The offset of a valid Multiboot v1 header in `image`, or -1. */
export function findMultibootHeader(image: Uint8Array): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const end = Math.min(image.length, MULTIBOOT_SEARCH) - 12;
  for (let at = 0; at <= end; at += 4) {
    if (view.getUint32(at, true) !== MULTIBOOT_MAGIC) continue;
    const flags = view.getUint32(at + 4, true);
    const checksum = view.getUint32(at + 8, true);
    if (((MULTIBOOT_MAGIC + flags + checksum) >>> 0) === 0) return at;
  }
  return -1;
}

/** The first BITS (or USE16/32/64, or [BITS n]) in the source, ignoring comments; 16 when there is none. */
export function sourceBits(source: string): 16 | 32 | 64 {
  for (const raw of source.split("\n")) {
    const line = stripComment(raw).trim();
    const m = /^(?:\[\s*)?(?:bits\s+(16|32|64)|use(16|32|64))\b/i.exec(line);
    if (m) return Number(m[1] ?? m[2]) as 16 | 32 | 64;
  }
  return 16;
}

/** The line without its `;` comment (a `;` inside a string does not start one). */
export function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") {
      quote = c;
    } else if (c === ";") {
      return line.slice(0, i);
    }
  }
  return line;
}

/** The image's first address (ORG): the lowest address in the line map, 0 for an empty map. */
export function imageBase(lineMap: readonly LineMapEntry[]): number {
  let base = Infinity;
  for (const e of lineMap) if (e.size > 0 && e.address < base) base = e.address;
  return Number.isFinite(base) ? base : 0;
}

export function hexAddress(n: number): string {
  return `0x${n.toString(16)}`;
}

export function decideBoot(image: Uint8Array, source: string, lineMap: readonly LineMapEntry[]): BootDecision {
  const header = findMultibootHeader(image);
  if (header >= 0) {
    return { boot: { boot: "multiboot" }, describe: `Multiboot (header at offset ${hexAddress(header)})`, note: null };
  }
  const bits = sourceBits(source);
  const org = imageBase(lineMap);
  if (bits === 16) {
    const load = org === 0 ? BOOT_SECTOR_ADDRESS : org;
    const note = org === 0 ? "no ORG: labels are offsets from 0x7c00, not the addresses RIP shows (add org 0x7c00)" : null;
    return { boot: { boot: "flat", mode: "real", load, entry: load }, describe: `flat, real mode at ${hexAddress(load)}`, note };
  }
  const mode = bits === 32 ? "protected" : "long";
  const load = org === 0 ? FLAT_DEFAULT_LOAD : org;
  const note = org === 0 ? `no ORG: loaded at ${hexAddress(load)}, so labels do not match the addresses RIP shows (add org ${hexAddress(load)})` : null;
  return { boot: { boot: "flat", mode, load, entry: load }, describe: `flat, ${mode === "protected" ? "32-bit protected" : "64-bit long"} mode at ${hexAddress(load)}`, note };
}
