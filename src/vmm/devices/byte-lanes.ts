/**
 * Byte-wide ISA devices (8254, MC146818, 8042, ELCR...) decode one byte per access: QEMU declares
 * them with `.impl.max_access_size = 1`, and its memory core splits a wider access into byte accesses
 * at consecutive addresses, lowest address first, assembling the result little-endian
 * (softmmu/memory.c access_with_adjusted_size). These helpers do the same for an IoHandler whose
 * registers are bytes, so `in ax, 0x40` reads counter 0 and counter 1 as QEMU does.
 */
export function readByteLanes(readByte: (offset: number) => number, offset: number, size: number): number {
  if (size <= 1) return readByte(offset) & 0xff;
  let value = 0;
  for (let i = 0; i < size; i++) value |= (readByte(offset + i) & 0xff) << (8 * i);
  return value >>> 0;
}

export function writeByteLanes(writeByte: (offset: number, value: number) => void, offset: number, size: number, value: number): void {
  if (size <= 1) {
    writeByte(offset, value & 0xff);
    return;
  }
  for (let i = 0; i < size; i++) writeByte(offset + i, (value >>> (8 * i)) & 0xff);
}
