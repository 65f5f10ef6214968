/**
 * Each template assembles without errors, byte-identical to `nasm -f bin`, boots as intended, and
 * runs to the exit device under `hvplay run` (the CLI runs the same VMM as the page's worker) with
 * the boot method the editor picks, printing its greeting.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemble } from "../../asm";
import { decideBoot } from "./boot-method";
import { TEMPLATES } from "./templates";

const root = join(__dirname, "..", "..", "..");

/** `hvplay run` on the image, booted as `boot` says: stdout and the exit status. */
function hvplayRun(image: Uint8Array, boot: { boot: string; mode?: string; load?: number; entry?: number }): { out: string; status: number } {
  const dir = mkdtempSync(join(tmpdir(), "hvplay-template-run-"));
  try {
    const file = join(dir, "image.bin");
    writeFileSync(file, image);
    const args = [join(root, "bin", "hvplay.mjs"), "run", file, "--boot", boot.boot, "--max-instructions", "10000000"];
    if (boot.mode) args.push("--mode", boot.mode);
    if (boot.load !== undefined) args.push("--load", `0x${boot.load.toString(16)}`);
    if (boot.entry !== undefined) args.push("--entry", `0x${boot.entry.toString(16)}`);
    try {
      return { out: execFileSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] }).toString(), status: 0 };
    } catch (e) {
      const err = e as { status?: number; stdout?: Buffer };
      return { out: err.stdout?.toString() ?? "", status: err.status ?? -1 };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXPECTED_OUTPUT: Record<string, string> = {
  "boot-sector": "Hello from real mode!\r\n",
  multiboot: "Hello from a Multiboot kernel on COM1!\r\n",
  "long-mode": "1 + 2 + ... + 10 = 55\n",
};

function nasm(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "hvplay-template-"));
  try {
    writeFileSync(join(dir, "in.asm"), source);
    execFileSync("nasm", ["-f", "bin", "-o", join(dir, "out.bin"), join(dir, "in.asm")], { stdio: ["ignore", "pipe", "pipe"] });
    return new Uint8Array(readFileSync(join(dir, "out.bin")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXPECTED_BOOT: Record<string, unknown> = {
  "boot-sector": { boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 },
  multiboot: { boot: "multiboot" },
  "long-mode": { boot: "flat", mode: "long", load: 0x100000, entry: 0x100000 },
};

describe("editor templates", () => {
  it("has a few, with unique ids and .asm names", () => {
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(2);
    expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
    for (const t of TEMPLATES) expect(t.fileName).toMatch(/^[\w-]+\.asm$/);
  });

  for (const t of TEMPLATES) {
    it(`${t.id}: assembles like NASM and boots as ${JSON.stringify(EXPECTED_BOOT[t.id])}`, () => {
      const r = assemble(t.source, { fileName: t.fileName });
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([]);
      expect(Buffer.from(r.bytes).equals(Buffer.from(nasm(t.source)))).toBe(true);
      const d = decideBoot(r.bytes, t.source, r.lineMap);
      expect(d.boot).toEqual(EXPECTED_BOOT[t.id]);
      expect(d.note).toBeNull();
    });

    it(`${t.id}: runs under hvplay, prints its greeting and exits with status 1`, () => {
      const r = assemble(t.source, { fileName: t.fileName });
      const { out, status } = hvplayRun(r.bytes, decideBoot(r.bytes, t.source, r.lineMap).boot);
      expect(out).toBe(EXPECTED_OUTPUT[t.id]);
      expect(status).toBe(1);
    });
  }

  it("the boot sector is 512 bytes ending in the boot signature", () => {
    const r = assemble(TEMPLATES[0].source, { fileName: TEMPLATES[0].fileName });
    expect(r.bytes.length).toBe(512);
    expect([r.bytes[510], r.bytes[511]]).toEqual([0x55, 0xaa]);
  });
});
