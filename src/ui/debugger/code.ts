/**
 * The code view's listing: instructions around an address, decoded by src/x86/disasm.ts. Forward is
 * easy; backward is ambiguous on x86 (an instruction can start at any byte), so the listing before
 * the address comes from a start that is known to be an instruction (a RIP seen before, a line of
 * the assembled program) if one lands exactly on it, else from the earliest start in a small window
 * whose decoding lands exactly on it without an invalid instruction: x86 decoding resynchronises
 * within a few instructions, so the instructions next to the address are almost always right.
 * Pure: tested in code.test.ts.
 */
import { disassemble, type DisasmLine } from "../../x86/disasm";

/** Bytes at instruction pointer `ip`: up to `len`, fewer where memory stops being readable. */
export type CodeFetch = (ip: bigint, len: number) => Uint8Array;

const MAX_INSN = 15;
/** How far back a start is looked for. */
export const BACK_WINDOW = 64;

function mask(bits: 16 | 32 | 64): bigint {
  return bits === 64 ? (1n << 64n) - 1n : bits === 32 ? 0xffff_ffffn : 0xffffn;
}

/**
 * Decodes from `start` (at `offset` of `bytes`, which end at `end`) and returns the instructions if
 * they end exactly at `end` with no "(bad)" among them, else null.
 */
function chainTo(bytes: Uint8Array, offset: number, start: bigint, bits: 16 | 32 | 64): DisasmLine[] | null {
  const out: DisasmLine[] = [];
  let pos = offset;
  let ip = start;
  while (pos < bytes.length) {
    const r = disassemble(bytes, pos, bits, ip);
    if (r.text === "(bad)" || pos + r.length > bytes.length) return null;
    out.push({ address: ip, length: r.length, text: r.text, bytes: bytes.slice(pos, pos + r.length) });
    pos += r.length;
    ip = (ip + BigInt(r.length)) & mask(bits);
  }
  return out;
}

/**
 * The instructions that end exactly at `target` (at most `window` bytes of them), or [] when no
 * start found lands there. `known` are addresses known to start instructions.
 */
export function chainEndingAt(fetch: CodeFetch, target: bigint, bits: 16 | 32 | 64, known: ReadonlySet<bigint>, window = BACK_WINDOW): DisasmLine[] {
  const m = mask(bits);
  // The readable window before target (memory may stop being readable further back).
  let w = Number(target < BigInt(window) ? target : BigInt(window));
  let bytes: Uint8Array = new Uint8Array(0);
  for (; w > 0; w--) {
    bytes = fetch((target - BigInt(w)) & m, w);
    if (bytes.length === w) break;
  }
  if (w <= 0) return [];
  // A known start that lands on target wins; the earliest one gives the most context.
  for (let d = w; d >= 1; d--) {
    const start = (target - BigInt(d)) & m;
    if (!known.has(start)) continue;
    const chain = chainTo(bytes, w - d, start, bits);
    if (chain) return chain;
  }
  // Otherwise the earliest start that lands: it gives the most context, and decoding from a wrong
  // start resynchronises within a few instructions (voting between the candidates was tried: runs
  // of zero bytes, "add [eax], al", outvote the true start).
  for (let d = w; d >= 1; d--) {
    const chain = chainTo(bytes, w - d, (target - BigInt(d)) & m, bits);
    if (chain) return chain;
  }
  return [];
}

/** Up to `count` instructions right before `target`, oldest first. */
export function linesBefore(fetch: CodeFetch, target: bigint, bits: 16 | 32 | 64, count: number, known: ReadonlySet<bigint>): DisasmLine[] {
  let lines: DisasmLine[] = [];
  let at = target;
  // A window usually gives enough; when the nearest known start is close, go on from it.
  for (let round = 0; round < 4 && lines.length < count; round++) {
    const chain = chainEndingAt(fetch, at, bits, known);
    if (chain.length === 0) break;
    lines = chain.concat(lines);
    at = chain[0].address;
  }
  return lines.slice(Math.max(0, lines.length - count));
}

/** `count` instructions from `start` (fewer where memory stops being readable). */
export function linesFrom(fetch: CodeFetch, start: bigint, bits: 16 | 32 | 64, count: number): DisasmLine[] {
  const want = count * MAX_INSN;
  const bytes = fetch(start, want);
  const out: DisasmLine[] = [];
  let pos = 0;
  let ip = start;
  while (out.length < count && pos < bytes.length) {
    const r = disassemble(bytes, pos, bits, ip);
    // An instruction cut short where memory stops being readable: stop rather than show "(bad)".
    const cut = bytes.length < want && bytes.length - pos < MAX_INSN;
    if (r.text === "(bad)" && cut) break;
    out.push({ address: ip, length: r.length, text: r.text, bytes: bytes.slice(pos, pos + r.length) });
    pos += r.length;
    ip = (ip + BigInt(r.length)) & mask(bits);
  }
  return out;
}

export interface CodeListing {
  lines: DisasmLine[];
  /** Index of the line at the centre address (-1 if it could not be read). */
  centre: number;
}

/** The listing around `centre`: `before` instructions before it and `after` from it. */
export function listingAround(fetch: CodeFetch, centre: bigint, bits: 16 | 32 | 64, before: number, after: number, known: ReadonlySet<bigint>): CodeListing {
  const head = linesBefore(fetch, centre, bits, before, known);
  const tail = linesFrom(fetch, centre, bits, after);
  return { lines: head.concat(tail), centre: tail.length > 0 ? head.length : -1 };
}

/** Adds `address` to a bounded list of known instruction starts (newest kept). */
export function rememberStart(known: readonly bigint[], address: bigint, capacity = 512): bigint[] {
  const next = known.filter((a) => a !== address);
  next.push(address);
  return next.length > capacity ? next.slice(next.length - capacity) : next;
}

/** Instruction bytes as "b8 01 00 00 00". */
export function formatBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
