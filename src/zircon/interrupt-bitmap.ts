/**
 * A VCPU's pending-vector bitmap (`hypervisor/interrupt_tracker.h`, InterruptBitmap): 256 bits, one
 * per x86 vector. There is no in-service register or priority logic in Zircon's model (§4.3).
 */
export class InterruptBitmap {
  private readonly words = new Uint32Array(8);
  /** How many vectors are pending: the VCPU asks before every entry, and the answer is almost always none. */
  private count = 0;

  set(vector: number): void {
    const w = vector >>> 5;
    const bit = 1 << (vector & 31);
    if ((this.words[w] & bit) === 0) {
      this.words[w] |= bit;
      this.count++;
    }
  }
  clear(vector: number): void {
    const w = vector >>> 5;
    const bit = 1 << (vector & 31);
    if ((this.words[w] & bit) !== 0) {
      this.words[w] &= ~bit;
      this.count--;
    }
  }
  get(vector: number): boolean {
    return (this.words[vector >>> 5] & (1 << (vector & 31))) !== 0;
  }
  /** Clear every vector in [lo, hi]. */
  clearRange(lo: number, hi: number): void {
    for (let v = lo; v <= hi; v++) this.clear(v);
  }
  /** The highest pending vector, or -1 when none (Zircon scans from the top: higher vector first). */
  highest(): number {
    if (this.count === 0) return -1;
    for (let w = 7; w >= 0; w--) {
      const bits = this.words[w];
      if (bits !== 0) return w * 32 + 31 - Math.clz32(bits);
    }
    return -1;
  }
  any(): boolean {
    return this.count !== 0;
  }
}
