/**
 * Files opened or dropped on the page: a kernel is told from its initrd by content, and every other
 * combination gets a readable reason. Seeded random bytes stand in for real files.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { guestFromFiles, linuxKernelKind } from "./open-files";

/** A minimal bzImage header: the boot flag 0xAA55 at 0x1FE and "HdrS" at 0x202. */
function bzImage(size = 0x400): Uint8Array {
  const b = new Uint8Array(size);
  b[0x1fe] = 0x55;
  b[0x1ff] = 0xaa;
  b.set([0x48, 0x64, 0x72, 0x53], 0x202);
  return b;
}
/** An ELF header's identification: "\x7fELF", then the class (1: 32-bit, 2: 64-bit). */
const elf = (cls: number) => Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, cls, 1, 1, 0);
const initrd = Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0);

describe("linuxKernelKind", () => {
  it("knows a bzImage and an ELF64 by their headers, and nothing else", () => {
    expect(linuxKernelKind(bzImage())).toBe("bzImage");
    expect(linuxKernelKind(elf(2))).toBe("elf64");
    expect(linuxKernelKind(elf(1))).toBeNull();
    expect(linuxKernelKind(initrd)).toBeNull();
    expect(linuxKernelKind(new Uint8Array(0))).toBeNull();
    // The boot flag alone (any boot sector) is not a bzImage; nor is "HdrS" cut off at the end.
    const sector = new Uint8Array(512);
    sector[0x1fe] = 0x55;
    sector[0x1ff] = 0xaa;
    expect(linuxKernelKind(sector)).toBeNull();
    expect(linuxKernelKind(bzImage().subarray(0, 0x205))).toBeNull();
  });

  it("calls random bytes a kernel only when they carry one of the two signatures", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 0x300 }), (bytes) => {
        const kind = linuxKernelKind(bytes);
        const bz = bytes.length >= 0x206 && bytes[0x1fe] === 0x55 && bytes[0x1ff] === 0xaa && String.fromCharCode(...bytes.subarray(0x202, 0x206)) === "HdrS";
        const elf64 = bytes.length >= 5 && String.fromCharCode(...bytes.subarray(0, 4)) === "\x7fELF" && bytes[4] === 2;
        expect(kind).toBe(bz ? "bzImage" : elf64 ? "elf64" : null);
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});

describe("guestFromFiles", () => {
  it("boots one file as before, except a bzImage, which boots as Linux with no initrd", () => {
    expect(guestFromFiles([{ name: "hello.elf", bytes: elf(1) }])).toEqual({ name: "hello.elf", image: elf(1) });
    expect(guestFromFiles([{ name: "vmlinuz-6.1.0-28-amd64", bytes: bzImage() }])).toEqual({ name: "vmlinuz-6.1.0-28-amd64", image: bzImage(), boot: { boot: "linux" } });
    // A lone ELF64 may be any 64-bit guest: the Multiboot loader says what it makes of it.
    expect(guestFromFiles([{ name: "vmlinux", bytes: elf(2) }])).toEqual({ name: "vmlinux", image: elf(2) });
    expect(guestFromFiles([{ name: "empty.bin", bytes: new Uint8Array(0) }])).toBe("empty.bin is empty");
  });

  it("finds the kernel of two files by content, in either order, whatever the names say", () => {
    for (const kernel of [bzImage(), elf(2)]) {
      const k = { name: "initrd.img", bytes: kernel };
      const i = { name: "bzImage", bytes: initrd };
      const expected = { name: "initrd.img + bzImage", image: kernel, boot: { boot: "linux", initrd } };
      expect(guestFromFiles([k, i])).toEqual(expected);
      expect(guestFromFiles([i, k])).toEqual(expected);
    }
  });

  it("explains every other combination", () => {
    expect(guestFromFiles([])).toBe("no file was given");
    expect(guestFromFiles([{ name: "a.bin", bytes: initrd }, { name: "b.bin", bytes: initrd }])).toMatch(
      /^neither a\.bin nor b\.bin is a Linux kernel \(a Linux kernel is a bzImage \(0xAA55 at 0x1FE and "HdrS" at 0x202\) or an ELF64 vmlinux\)/,
    );
    expect(guestFromFiles([{ name: "a", bytes: bzImage() }, { name: "b", bytes: elf(2) }])).toMatch(/^both a, b look like Linux kernels/);
    expect(guestFromFiles([{ name: "k", bytes: bzImage() }, { name: "i", bytes: new Uint8Array(0) }])).toBe("the initrd i is empty");
    expect(guestFromFiles([{ name: "a", bytes: bzImage() }, { name: "b", bytes: initrd }, { name: "c", bytes: initrd }])).toMatch(/^3 files \(a, b, c\) were given: open one guest image, or a Linux kernel and its initrd together$/);
  });

  it("never names an opened guest as the bundled Linux guest (a link would name that one instead)", () => {
    expect(guestFromFiles([{ name: "linux", bytes: bzImage() }])).toMatchObject({ name: "linux (opened)" });
    expect(guestFromFiles([{ name: "linux", bytes: elf(1) }])).toMatchObject({ name: "linux (opened)" });
  });
});
