/**
 * `hvplay asm` end to end through main(): files in and out, %include lookup (next to the source,
 * then -I), NASM-style FILE:LINE: messages and exit statuses, the listing file.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nasm } from "../testing/nasm";
import { main } from "./main";

const dir = mkdtempSync(join(tmpdir(), "hvplay-asm-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hvplay(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (c: Uint8Array | string) => ((stdout += String(c)), true) },
    stderr: { write: (c: string) => ((stderr += c), true) },
    stdin: null,
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

describe("hvplay asm", () => {
  it("assembles a file with includes from its own directory and from -I, and writes a listing", async () => {
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "src", "local.inc"), "LOCAL equ 7\n");
    writeFileSync(join(dir, "lib", "shared.inc"), "%macro OUT 1\n  mov al, %1\n  out 0xe9, al\n%endmacro\n");
    const source = 'bits 32\norg 0x100000\n%include "local.inc"\n%include "shared.inc"\nstart: OUT LOCAL\n  jmp start\n';
    writeFileSync(join(dir, "src", "prog.asm"), source);
    const r = await hvplay(["asm", join(dir, "src", "prog.asm"), "-o", join(dir, "prog.bin"), "-I", join(dir, "lib"), "-l", join(dir, "prog.lst")]);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "" });
    const expected = nasm("bits 32\norg 0x100000\nLOCAL equ 7\n%macro OUT 1\n  mov al, %1\n  out 0xe9, al\n%endmacro\nstart: OUT LOCAL\n  jmp start\n");
    expect(Array.from(readFileSync(join(dir, "prog.bin")))).toEqual(Array.from(expected));
    const listing = readFileSync(join(dir, "prog.lst"), "utf8");
    expect(listing).toMatch(/prog\.asm:5\s+00100000 B007\s+<1>\s+mov al, %1/);
    expect(listing).toMatch(/prog\.asm:6\s+00100004 EBFA\s+jmp start/);
  });
  it("reports errors as FILE:LINE: message with status 2 and writes no output", async () => {
    writeFileSync(join(dir, "bad.asm"), "nop\nmov eax, bl\ndb 300\njmp nowhere\n");
    const r = await hvplay(["asm", join(dir, "bad.asm")]);
    expect(r.status).toBe(2);
    const f = join(dir, "bad.asm");
    expect(r.stderr).toBe(`${f}:3: warning: byte data exceeds bounds\n${f}:2: invalid combination of opcode and operands\n${f}:4: symbol \`nowhere' not defined\n`);
    expect(existsSync(join(dir, "bad.bin"))).toBe(false);
  });
  it("writes IN.bin by default; reports an unreadable input and usage errors with status 2", async () => {
    writeFileSync(join(dir, "ok.asm"), "db 1, 2\n");
    expect((await hvplay(["asm", join(dir, "ok.asm")])).status).toBe(0);
    expect(Array.from(readFileSync(join(dir, "ok.bin")))).toEqual([1, 2]);
    const missing = await hvplay(["asm", join(dir, "nope.asm")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.asm: ENOENT/);
    expect((await hvplay(["asm"])).status).toBe(2);
    const help = await hvplay(["asm", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/hvplay asm IN\.asm/);
  });
});
