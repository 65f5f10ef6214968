/**
 * The kernel's CPRNG, behind zx_cprng_draw (the VMM draws the Linux guest's boot-time RNG seed from
 * it, as a Fuchsia component draws its randomness from the kernel).
 *
 * It follows the clock (clock.ts): with the realtime clock it is the host's CSPRNG
 * (crypto.getRandomValues); with the deterministic clock, which makes every run of a guest see the
 * same times at the same instructions, it is a generator from a fixed seed, so that the same
 * guest draws the same bytes every run and the run stays reproducible (a share link, an exit hash).
 * That stream is not secret: the deterministic mode is for replay, not for keys.
 */
import type { ClockMode } from "./clock";

/** Fills buffers with random bytes. */
export interface Cprng {
  draw(buffer: Uint8Array): void;
}

/** crypto.getRandomValues takes at most 65,536 bytes per call. */
const HOST_CHUNK = 65536;

class HostCprng implements Cprng {
  draw(buffer: Uint8Array): void {
    for (let at = 0; at < buffer.length; at += HOST_CHUNK) {
      globalThis.crypto.getRandomValues(buffer.subarray(at, Math.min(buffer.length, at + HOST_CHUNK)));
    }
  }
}

/** The fixed seed of the deterministic stream (the first 128 bits of the fractional part of pi). */
const DETERMINISTIC_SEED = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344] as const;

/** xoshiro128** (Blackman and Vigna), from DETERMINISTIC_SEED: reproducible, not secret. */
class DeterministicCprng implements Cprng {
  private s0: number = DETERMINISTIC_SEED[0];
  private s1: number = DETERMINISTIC_SEED[1];
  private s2: number = DETERMINISTIC_SEED[2];
  private s3: number = DETERMINISTIC_SEED[3];

  private next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  draw(buffer: Uint8Array): void {
    for (let i = 0; i < buffer.length; i += 4) {
      const w = this.next();
      for (let k = 0; k < 4 && i + k < buffer.length; k++) buffer[i + k] = (w >>> (8 * k)) & 0xff;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createCprng(mode: ClockMode): Cprng {
  return mode === "realtime" ? new HostCprng() : new DeterministicCprng();
}
