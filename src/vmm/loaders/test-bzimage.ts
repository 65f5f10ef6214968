/** Test helper (imported by the loader tests alone): a minimal bzImage around a 64-bit entry. */

/**
 * A bzImage as the boot protocol describes it (Documentation/arch/x86/boot.rst; setup_sects = 1,
 * protocol 2.15, relocatable, XLF_KERNEL_64), `code64` at +0x200 of the protected-mode kernel, where
 * the 64-bit entry is. `patch` edits the header afterwards (to make it wrong, say).
 */
export function bzImage(code64: Uint8Array, patch: (dv: DataView) => void = () => {}): Uint8Array {
  const img = new Uint8Array(1024 + 0x200 + code64.length);
  const dv = new DataView(img.buffer);
  img[0x1f1] = 1; // setup_sects
  dv.setUint16(0x1fe, 0xaa55, true);
  img[0x200] = 0xeb; // the jump over the header; its offset gives the header's end (0x202 + 0x66)
  img[0x201] = 0x66;
  dv.setUint32(0x202, 0x53726448, true); // "HdrS"
  dv.setUint16(0x206, 0x020f, true);
  img[0x211] = 1; // LOADED_HIGH
  dv.setUint32(0x214, 0x100000, true);
  dv.setUint32(0x22c, 0x7fffffff, true);
  dv.setUint32(0x230, 0x200000, true);
  img[0x234] = 1; // relocatable
  dv.setUint16(0x236, 1, true); // XLF_KERNEL_64
  dv.setUint32(0x238, 2047, true);
  dv.setBigUint64(0x258, 0x1000000n, true);
  dv.setUint32(0x260, 0x20000, true);
  img.set(code64, 1024 + 0x200);
  patch(dv);
  return img;
}
