/**
 * Test support (Node only): NASM as the oracle for many lines at once. One `nasm -f bin -l` run
 * gives every line's bytes through the listing; lines NASM rejects are blanked and NASM run again
 * (a pass-1 error hides later passes' errors), so each line ends up with bytes or NASM's error.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NasmLines {
  /** Bytes per 1-based source line (lines that produced bytes). */
  bytes: Map<number, string>;
  /** NASM's error per 1-based line. */
  errors: Map<number, string>;
}

/** Bytes of each line of `source` as hex (lower case), from NASM's listing. */
export function nasmPerLine(source: string, includeDir?: string): NasmLines {
  const dir = mkdtempSync(join(tmpdir(), "hvplay-asm-oracle-"));
  const errors = new Map<number, string>();
  try {
    const lines = source.split("\n");
    for (let attempt = 0; attempt < 8; attempt++) {
      const src = join(dir, "in.asm");
      writeFileSync(src, lines.join("\n") + "\n");
      const args = ["-f", "bin", "-l", join(dir, "out.lst"), "-o", join(dir, "out.bin"), src];
      if (includeDir) args.unshift("-I", includeDir.endsWith("/") ? includeDir : includeDir + "/");
      let stderr = "";
      try {
        execFileSync("nasm", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
      } catch (e) {
        const err = e as { code?: string; stderr?: Buffer };
        if (err.code === "ENOENT") throw new Error("nasm is not installed (apt-get install nasm); .ci/run installs it");
        stderr = err.stderr?.toString() ?? "";
      }
      let found = 0;
      for (const m of stderr.matchAll(/^.*?:(\d+): (?:error|fatal): (.*)$/gm)) {
        const n = Number(m[1]);
        if (!errors.has(n)) errors.set(n, m[2]);
        lines[n - 1] = "";
        found++;
      }
      if (found) continue;
      if (stderr && !/warning/.test(stderr)) throw new Error(`nasm failed:\n${stderr.slice(0, 2000)}`);
      const bin = readFileSync(join(dir, "out.bin"));
      const bytes = new Map<number, string>();
      for (const [line, { address, length }] of parseListing(readFileSync(join(dir, "out.lst"), "utf8"))) {
        bytes.set(line, bin.subarray(address, address + length).toString("hex"));
      }
      return { bytes, errors };
    }
    throw new Error("nasm kept reporting new errors");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Line number → where its bytes are, from a NASM listing of one section at ORG 0 without macros or
 * TIMES. (The listing shows relocated values in brackets before NASM resolves them — a jump to an
 * absolute address, say — so the bytes themselves are taken from the output file.)
 */
export function parseListing(text: string): Map<number, { address: number; length: number }> {
  const out = new Map<number, { address: number; length: number }>();
  for (const l of text.split("\n")) {
    const m = /^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F[\]()]+)-?\s/.exec(l + " ");
    if (!m) continue;
    const n = Number(m[1]);
    const len = m[3].replace(/[[\]()]/g, "").length / 2;
    const prev = out.get(n);
    if (prev) prev.length += len;
    else out.set(n, { address: parseInt(m[2], 16), length: len });
  }
  return out;
}

/** `nasm -f bin -I includeDir/ path`: the bytes, as scripts/build-guests.mjs builds the guests. */
export function nasmFile(path: string, includeDir: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "hvplay-asm-oracle-"));
  try {
    const out = join(dir, "out.bin");
    execFileSync("nasm", ["-f", "bin", "-I", includeDir.endsWith("/") ? includeDir : includeDir + "/", "-o", out, path], { stdio: ["ignore", "pipe", "pipe"] });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
