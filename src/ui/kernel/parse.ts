/**
 * Parsing what the user types into the syscall forms: integers in hex or decimal, sizes with a
 * binary suffix, byte strings in hex. Pure, so it is unit tested (parse.test.ts). Every parser
 * returns a value or a readable error, never throws.
 */
import { VCPU_STATE_FIELDS, ZX_VCPU_STATE_SIZE, type VcpuStateField } from "./zx-constants";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const SUFFIX: Record<string, bigint> = { "": 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n };
const U64_MAX = (1n << 64n) - 1n;

/**
 * An unsigned integer: "4096", "0x1000", "1_000", or a size with a binary suffix "4K", "4KiB",
 * "128M", "0x10k" (K = 1024). `max` bounds it (inclusive); u64 by default.
 */
export function parseUnsigned(text: string, max: bigint = U64_MAX): Parsed<bigint> {
  const t = text.trim().toLowerCase().replace(/_/g, "");
  if (t === "") return { ok: false, error: "required" };
  const m = /^(0x[0-9a-f]+|[0-9]+)\s*(k|m|g|t)?(?:ib|b)?$/.exec(t);
  // A bare "b" suffix on hex would be a digit ("0x1b"): the regex's hex branch takes it first.
  if (!m) return { ok: false, error: `not a number: "${text.trim()}" (decimal, 0x… hex, or a size like 4K)` };
  const value = BigInt(m[1]) * SUFFIX[m[2] ?? ""];
  if (value > max) return { ok: false, error: `too large (at most 0x${max.toString(16)})` };
  return { ok: true, value };
}

/** A u32 (options, rights, vectors, kinds) as a number. */
export function parseU32(text: string): Parsed<number> {
  const r = parseUnsigned(text, 0xffffffffn);
  return r.ok ? { ok: true, value: Number(r.value) } : r;
}

/** A u64 as a number when it fits exactly (addresses and sizes in the guest-physical space), else a bigint. */
export function parseU64(text: string): Parsed<number | bigint> {
  const r = parseUnsigned(text);
  if (!r.ok) return r;
  return { ok: true, value: r.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r.value) : r.value };
}

/**
 * Bytes written as hex: "90 90 f4", "9090f4", "0x90, 0x90, 0xf4", "eb fe". Whitespace, commas and
 * 0x prefixes separate nothing and are ignored; an odd number of digits is an error.
 */
export function parseHexBytes(text: string): Parsed<Uint8Array> {
  const t = text.trim().toLowerCase().replace(/0x/g, "").replace(/[\s,]+/g, "");
  if (t === "") return { ok: false, error: "no bytes" };
  if (!/^[0-9a-f]+$/.test(t)) return { ok: false, error: "bytes must be hex digits (e.g. 90 90 f4)" };
  if (t.length % 2 !== 0) return { ok: false, error: "an odd number of hex digits" };
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return { ok: true, value: out };
}

/** zx_vcpu_state_t with bigint fields (zircon/syscalls/hypervisor.h). */
export type VcpuState = Record<VcpuStateField, bigint>;

/** Decodes a 136-byte zx_vcpu_state_t; null for a buffer of the wrong size. */
export function decodeVcpuState(bytes: Uint8Array): VcpuState | null {
  if (bytes.length !== ZX_VCPU_STATE_SIZE) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state = {} as VcpuState;
  VCPU_STATE_FIELDS.forEach((name, i) => (state[name] = dv.getBigUint64(i * 8, true)));
  return state;
}

export function encodeVcpuState(state: VcpuState): Uint8Array {
  const out = new Uint8Array(ZX_VCPU_STATE_SIZE);
  const dv = new DataView(out.buffer);
  VCPU_STATE_FIELDS.forEach((name, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, state[name]), true));
  return out;
}

/** Parses the register form: every field a u64. Errors name the register. */
export function parseVcpuState(fields: Readonly<Record<VcpuStateField, string>>): Parsed<VcpuState> {
  const state = {} as VcpuState;
  for (const name of VCPU_STATE_FIELDS) {
    const r = parseUnsigned(fields[name]);
    if (!r.ok) return { ok: false, error: `${name}: ${r.error}` };
    state[name] = r.value;
  }
  return { ok: true, value: state };
}

/** A value for a form field: 0x-prefixed hex. */
export function hexText(value: number | bigint): string {
  return `0x${BigInt.asUintN(64, BigInt(value)).toString(16)}`;
}
