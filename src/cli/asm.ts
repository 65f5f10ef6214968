/**
 * `hvplay asm`: the playground's assembler (src/asm) from the command line, with NASM's conventions:
 * -I include directories, FILE:LINE: messages on stderr, no output file when there are errors.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { assemble, type ListingLine } from "../asm";
import { EXIT_OK, EXIT_USAGE, type AsmCommand } from "./args";
import type { CliIo } from "./main";

/** Where an %include or INCBIN name is looked for: next to the source, the current directory, each -I. */
function resolver(cmd: AsmCommand): (name: string) => string | null {
  const dirs = [dirname(cmd.input), ".", ...cmd.includeDirs];
  return (name) => {
    if (isAbsolute(name)) return existsSync(name) ? name : null;
    for (const d of dirs) {
      const p = join(d, name);
      if (existsSync(p) && statSync(p).isFile()) return p;
    }
    return null;
  };
}

/** One listing line: line number, address, bytes (hex), source — long byte runs wrap as NASM's do. */
export function formatListing(listing: readonly ListingLine[]): string {
  const out: string[] = [];
  for (const l of listing) {
    const hex = Buffer.from(l.bytes).toString("hex").toUpperCase();
    const addr = l.address === null ? "        " : l.address.toString(16).toUpperCase().padStart(8, "0");
    const where = `${l.file}:${l.line}`.padEnd(24);
    const marker = l.depth ? `<${l.depth}> ` : "";
    const first = hex.slice(0, 20);
    out.push(`${where} ${hex ? addr : "        "} ${first.padEnd(20)} ${marker}${l.source}`);
    for (let i = 20; i < hex.length; i += 20) out.push(`${"".padEnd(24)} ${"".padEnd(8)} ${hex.slice(i, i + 20)}`);
  }
  return out.join("\n") + "\n";
}

export function runAsm(cmd: AsmCommand, io: CliIo): number {
  let source: string;
  try {
    source = readFileSync(cmd.input, "utf8");
  } catch (e) {
    io.stderr.write(`hvplay: cannot read ${cmd.input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return EXIT_USAGE;
  }
  const find = resolver(cmd);
  const result = assemble(source, {
    fileName: cmd.input,
    bits: cmd.bits,
    include: (name) => {
      const p = find(name);
      return p === null ? null : readFileSync(p, "utf8");
    },
    readBinary: (name) => {
      const p = find(name);
      return p === null ? null : new Uint8Array(readFileSync(p));
    },
  });
  for (const w of result.warnings) io.stderr.write(`${w.file}:${w.line}: warning: ${w.message}\n`);
  for (const e of result.errors) io.stderr.write(`${e.file}:${e.line}: ${e.message}\n`);
  try {
    if (cmd.listing) writeFileSync(cmd.listing, formatListing(result.listing));
    if (!result.ok) return EXIT_USAGE;
    writeFileSync(cmd.output, result.bytes);
  } catch (e) {
    io.stderr.write(`hvplay: cannot write: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}
