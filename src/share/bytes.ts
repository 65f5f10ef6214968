/**
 * The byte-level pieces of the link codec: strict base64url (RFC 4648 §5, no padding), the zlib
 * container (RFC 1950: a 2-byte header, raw DEFLATE from fflate, the Adler-32 of the uncompressed
 * data) and a size-capped inflate. Pure functions over Uint8Array, no DOM: they run in Node for the
 * tests. Failures are returned as readable strings, never thrown.
 */
import { Inflate, deflateSync } from "fflate";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** Character code → 6-bit value, or -1 outside the base64url alphabet. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63];
  }
  return out;
}

/**
 * Decodes base64url without padding. Strict, so that a damaged link is reported where it is damaged
 * rather than decoded into something else: characters outside the alphabet, a length that no byte
 * count gives (4k+1), and nonzero unused bits in the last character (a canonical encoder writes
 * zeros there) are all errors.
 */
export function fromBase64Url(text: string): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || VALUE[c] < 0) {
      const shown = c === 0x3d ? '"=" (padding is not used)' : JSON.stringify(text[i]);
      return { ok: false, message: `character ${i + 1} of the data, ${shown}, is not base64url (A-Z a-z 0-9 - _)` };
    }
  }
  if (text.length % 4 === 1) return { ok: false, message: `the data is cut short: ${text.length} characters is not a whole number of bytes` };
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= text.length; i += 4) {
    const n = (VALUE[text.charCodeAt(i)] << 18) | (VALUE[text.charCodeAt(i + 1)] << 12) | (VALUE[text.charCodeAt(i + 2)] << 6) | VALUE[text.charCodeAt(i + 3)];
    bytes[o++] = n >> 16;
    bytes[o++] = (n >> 8) & 255;
    bytes[o++] = n & 255;
  }
  const rest = text.length - i;
  if (rest > 0) {
    let n = 0;
    for (let k = 0; k < rest; k++) n |= VALUE[text.charCodeAt(i + k)] << (18 - 6 * k);
    // 2 characters carry 1 byte (4 bits unused), 3 carry 2 bytes (2 bits unused).
    const unusedMask = rest === 2 ? 0xffff : 0xff;
    if ((n & unusedMask) !== 0) return { ok: false, message: "the last character of the data has bits no encoder writes: the link was altered" };
    bytes[o++] = n >> 16;
    if (rest === 3) bytes[o++] = (n >> 8) & 255;
  }
  return { ok: true, bytes };
}

/** Adler-32 (RFC 1950 §8.2), the checksum of zlib's trailer. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the most bytes that can be summed before b may exceed 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib-wraps `data`: header 0x78 0xDA (DEFLATE, 32 KiB window, best compression), raw DEFLATE, Adler-32. */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const body = deflateSync(data, { level: 9 });
  const out = new Uint8Array(2 + body.length + 4);
  out[0] = 0x78;
  out[1] = 0xda;
  out.set(body, 2);
  const sum = adler32(data);
  const t = 2 + body.length;
  out[t] = sum >>> 24;
  out[t + 1] = (sum >>> 16) & 255;
  out[t + 2] = (sum >>> 8) & 255;
  out[t + 3] = sum & 255;
  return out;
}

export type InflateResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: "compression" | "size"; message: string };

/** Compressed input is fed this many bytes at a time, so one push inflates to ~1 MiB at most (DEFLATE's ratio is below 1032:1). */
const PUSH_BYTES = 1024;

/**
 * Undoes zlibCompress, refusing to produce more than `maxBytes`: the input is inflated in small
 * pushes and abandoned once the output passes the cap, so a decompression bomb costs at most
 * `maxBytes` plus one push's output. The header and the Adler-32 are checked, so a damaged link is
 * reported as damaged instead of decoding to something else.
 */
export function zlibDecompress(data: Uint8Array, maxBytes: number): InflateResult {
  if (data.length < 2 + 2 + 4) return { ok: false, reason: "compression", message: "the compressed data is too short to be complete" };
  const cmf = data[0];
  const flg = data[1];
  // RFC 1950 §2.2: CM = 8 (DEFLATE), CINFO ≤ 7, FCHECK makes the header a multiple of 31, no preset dictionary.
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    return { ok: false, reason: "compression", message: "the data is not zlib-compressed (bad header)" };
  }
  const body = data.subarray(2, data.length - 4);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total <= maxBytes) chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let i = 0; i < body.length; i += PUSH_BYTES) {
      const end = Math.min(i + PUSH_BYTES, body.length);
      inflate.push(body.subarray(i, end), end === body.length);
      if (total > maxBytes) {
        return { ok: false, reason: "size", message: `the data inflates to more than ${formatBytes(maxBytes)}, the most a link may hold (a decompression bomb?)` };
      }
    }
    if (body.length === 0) inflate.push(body, true);
  } catch (error) {
    // fflate reports damaged DEFLATE data by throwing ("invalid block type", "unexpected EOF", ...).
    const what = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: "compression", message: `the compressed data is damaged (${what})` };
  }
  if (!ended) return { ok: false, reason: "compression", message: "the compressed data is cut short" };
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  const t = data.length - 4;
  const expected = ((data[t] << 24) | (data[t + 1] << 16) | (data[t + 2] << 8) | data[t + 3]) >>> 0;
  if (adler32(bytes) !== expected) return { ok: false, reason: "compression", message: "the data does not match its checksum: the link was damaged or altered" };
  return { ok: true, bytes };
}

/** "64 KiB", "1 MiB", "1,234 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n.toLocaleString("en-US")} bytes`;
}
