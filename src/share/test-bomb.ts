/** Test helper (Node only, imported by the tests alone): a zlib decompression bomb. */
import { constants, deflateRawSync } from "node:zlib";

/**
 * A zlib stream of `mib` MiB of zeros, built without allocating them: one MiB deflated and ended
 * with a sync flush (an empty stored block, so the next block starts on a byte boundary) repeated
 * `mib` times, then a final empty block. The Adler-32 is left zero: a capped reader never gets there.
 */
export function bomb(mib: number): Uint8Array {
  const piece = deflateRawSync(new Uint8Array(1024 * 1024), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const end = deflateRawSync(new Uint8Array(0));
  const out = new Uint8Array(2 + piece.length * mib + end.length + 4);
  out[0] = 0x78;
  out[1] = 0xda;
  for (let i = 0; i < mib; i++) out.set(piece, 2 + i * piece.length);
  out.set(end, 2 + piece.length * mib);
  return out;
}
