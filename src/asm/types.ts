/** The assembler's public types (see README.md). */

export interface AssembleOptions {
  /** Reads an %include'd file by the name written in the source; null when it does not exist. */
  include?: (path: string) => string | null;
  /** Reads an INCBIN file; null when it does not exist. Without it INCBIN is an error. */
  readBinary?: (path: string) => Uint8Array | null;
  /** The main file's name, for messages, the listing and the line map (default "input.asm"). */
  fileName?: string;
  /** The initial BITS (default 16, as NASM's bin format). */
  bits?: 16 | 32 | 64;
}

export interface AsmError {
  file: string;
  /** 1-based line; for code from a macro, the line that invoked it. */
  line: number;
  message: string;
}

export interface ListingLine {
  file: string;
  line: number;
  /** Address of the line's first byte (ORG and section starts applied), or null for lines outside any code (directives). */
  address: number | null;
  /** Bytes this line emitted (empty for labels, directives, RESB in a BSS section). */
  bytes: Uint8Array;
  /** The source line as written (for a macro's lines, the body line before parameter substitution). */
  source: string;
  /** Macro nesting depth: 0 for a line as written, 1+ inside a macro expansion. */
  depth: number;
}

/** One run of bytes that came from one source line. */
export interface LineMapEntry {
  address: number;
  size: number;
  file: string;
  line: number;
}

export interface AssembleResult {
  /** No errors: `bytes` is what `nasm -f bin` writes. */
  ok: boolean;
  bytes: Uint8Array;
  listing: ListingLine[];
  /** Sorted by address. */
  lineMap: LineMapEntry[];
  errors: AsmError[];
  warnings: AsmError[];
  /** Labels and EQU symbols with their final values (addresses for labels). */
  symbols: Map<string, number>;
}
