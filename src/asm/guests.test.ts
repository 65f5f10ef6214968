/**
 * Oracle test 1: every gallery guest (guests/*.asm, with their %include files) and the VMM's
 * Multiboot trampoline assemble to exactly what `nasm -f bin -I guests/` writes — the command line
 * scripts/build-guests.mjs builds them with.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "./index";
import { nasmFile } from "./testing/nasm-oracle";

const root = join(__dirname, "..", "..");
const guestDir = join(root, "guests");

/** NASM's -I guests/: an %include name is looked up in guests/. */
function includeFrom(dir: string) {
  return (path: string) => {
    const p = join(dir, path);
    return existsSync(p) ? readFileSync(p, "utf8") : null;
  };
}

/** The first line whose bytes differ, to make a failure readable. */
function firstDifference(ours: Uint8Array, theirs: Uint8Array, listing: ReturnType<typeof assemble>["listing"]): string {
  const base = listing.find((l) => l.address !== null)?.address ?? 0;
  let at = 0;
  while (at < Math.min(ours.length, theirs.length) && ours[at] === theirs[at]) at++;
  const line = listing.find((l) => l.address !== null && l.bytes.length && l.address - base <= at && at < l.address - base + l.bytes.length);
  return `sizes ${ours.length} vs NASM ${theirs.length}; first difference at offset 0x${at.toString(16)}` + (line ? ` in ${line.file}:${line.line} "${line.source.trim()}"` : "");
}

const sources = [
  ...readdirSync(guestDir).filter((f) => f.endsWith(".asm")).map((f) => join(guestDir, f)),
  join(root, "src", "vmm", "loaders", "multiboot-trampoline.asm"),
];

describe("gallery guests assemble byte-identically to NASM", () => {
  it("finds the guests", () => {
    expect(sources.length).toBeGreaterThan(20);
  });
  for (const path of sources) {
    const name = path.slice(root.length + 1);
    it(name, () => {
      const r = assemble(readFileSync(path, "utf8"), { fileName: name, include: includeFrom(guestDir) });
      expect(r.errors).toEqual([]);
      expect(r.ok).toBe(true);
      const theirs = nasmFile(path, guestDir);
      const same = Buffer.from(r.bytes).equals(Buffer.from(theirs));
      expect(same, same ? "" : firstDifference(r.bytes, theirs, r.listing)).toBe(true);
    });
  }
});
