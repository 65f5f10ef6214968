/**
 * The playground's assembler: NASM syntax in, what `nasm -f bin` writes out, plus a listing and a
 * line ↔ address map. Pure (no DOM, no Node APIs): runs in the browser and in Node. See README.md.
 */
import { Assembler } from "./assembler";
import { ALIASES, SIZED } from "./nasm-syntax";
import { allMnemonics } from "./table";
import type { AssembleOptions, AssembleResult, LineMapEntry } from "./types";

export type { AsmError, AssembleOptions, AssembleResult, LineMapEntry, ListingLine } from "./types";

/** Assembles `source`. Never throws: problems come back in `errors` with their file and line. */
export function assemble(source: string, options: AssembleOptions = {}): AssembleResult {
  try {
    return new Assembler(options).run(source);
  } catch (e) {
    // A bug in the assembler must not take the page down: report it as an error of the whole file.
    const message = `internal assembler error: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, bytes: new Uint8Array(0), listing: [], lineMap: [], errors: [{ file: options.fileName ?? "input.asm", line: 0, message }], warnings: [], symbols: new Map() };
  }
}

/** The source line whose bytes contain `address`, or null (binary search over the sorted map). */
export function lineAt(lineMap: readonly LineMapEntry[], address: number): LineMapEntry | null {
  let lo = 0;
  let hi = lineMap.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = lineMap[mid];
    if (address < e.address) hi = mid - 1;
    else if (address >= e.address + e.size) lo = mid + 1;
    else return e;
  }
  return null;
}

/** The first address of each run of bytes that `file:line` produced (for source breakpoints). */
export function addressesOf(lineMap: readonly LineMapEntry[], file: string, line: number): number[] {
  return lineMap.filter((e) => e.file === file && e.line === line).map((e) => e.address);
}

/** Every instruction mnemonic the assembler accepts, NASM's aliases included (for editor completion). */
export function instructionNames(): string[] {
  return [...new Set([...allMnemonics(), ...Object.keys(ALIASES), ...Object.keys(SIZED)])].sort();
}
