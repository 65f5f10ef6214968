/**
 * Layout of the guest-physical address-space map. A linear scale would make a 0x1000-byte trap at
 * 0xFEC00000 invisible beside 128 MiB of RAM, so the axis is compressed: the boundaries of every
 * range split the space into intervals; an interval that some range covers gets a length that grows
 * with the logarithm of its size, and an uncovered interval (a gap) gets a short fixed length with a
 * label saying how large it really is. Pure (address-map.test.ts).
 */

export interface AddrRange {
  /** First address and length in bytes (length > 0). */
  start: number;
  size: number;
}

export interface Interval {
  start: number;
  /** Exclusive. */
  end: number;
  /** Position and length along the axis, in pixels. */
  offset: number;
  length: number;
  /** Whether any range covers it. */
  used: boolean;
}

export interface AxisLayout {
  intervals: Interval[];
  /** Total length of the axis in pixels. */
  total: number;
  /** Axis position of a range boundary (any start or end of an input range); null for other addresses. */
  at(address: number): number | null;
}

export interface AxisOptions {
  /** Length of a gap. */
  gap: number;
  /** Length of the smallest used interval (one byte) and the largest (clamped). */
  min: number;
  max: number;
  /** Pixels per doubling of the size, above `min`. */
  perDoubling: number;
}

export const DEFAULT_AXIS: AxisOptions = { gap: 18, min: 22, max: 160, perDoubling: 6 };

/** The length of a used interval of `size` bytes. */
export function usedLength(size: number, o: AxisOptions = DEFAULT_AXIS): number {
  // 256 bytes and below get the minimum; each doubling above adds `perDoubling` pixels.
  return Math.min(o.max, Math.max(o.min, o.min + o.perDoubling * (Math.log2(Math.max(1, size)) - 8)));
}

/** Lays out `ranges` (in any order, overlapping or not) along a compressed axis. */
export function layoutAxis(ranges: readonly AddrRange[], o: AxisOptions = DEFAULT_AXIS): AxisLayout {
  const valid = ranges.filter((r) => r.size > 0 && Number.isFinite(r.start) && Number.isFinite(r.size));
  const points = [...new Set(valid.flatMap((r) => [r.start, r.start + r.size]))].sort((a, b) => a - b);
  const intervals: Interval[] = [];
  const positions = new Map<number, number>();
  let offset = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i], end = points[i + 1];
    positions.set(start, offset);
    const used = valid.some((r) => r.start < end && r.start + r.size > start);
    const length = used ? usedLength(end - start, o) : o.gap;
    intervals.push({ start, end, offset, length, used });
    offset += length;
  }
  if (points.length > 0) positions.set(points[points.length - 1], offset);
  return { intervals, total: offset, at: (address) => positions.get(address) ?? null };
}

/** 4096 → "4 KiB", 0x8000000 → "128 MiB", 1536 → "1.5 KiB". */
export function formatSize(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** An address for the map's labels: 0x-prefixed hex, at least 4 digits for ports, 8 for memory. */
export function addrHex(address: number, digits = 8): string {
  return `0x${address.toString(16).padStart(digits, "0")}`;
}
