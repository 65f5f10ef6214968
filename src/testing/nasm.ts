/**
 * Test support (Node only): assemble NASM source with Debian's `nasm`, the oracle assembler.
 * `.ci/run` installs nasm; a missing nasm is a loud failure, never a silent skip.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const cache = new Map<string, Uint8Array>();

/** Assemble `source` to a flat binary (`nasm -f bin`). Results are cached per source text. */
export function nasm(source: string, format: "bin" | "elf32" | "elf64" = "bin"): Uint8Array {
  const key = `${format}\0${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), "hvplay-nasm-"));
  try {
    const src = join(dir, "in.asm");
    const out = join(dir, "out.bin");
    writeFileSync(src, source);
    try {
      execFileSync("nasm", ["-f", format, "-o", out, src], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      if (err.code === "ENOENT") throw new Error("nasm is not installed (apt-get install nasm); .ci/run installs it");
      throw new Error(`nasm failed:\n${err.stderr?.toString() ?? String(e)}`);
    }
    const bytes = new Uint8Array(readFileSync(out));
    cache.set(key, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
