import { describe, expect, it } from "vitest";
import { assemble } from "../../asm";
import { decideBoot, findMultibootHeader, imageBase, sourceBits, stripComment } from "./boot-method";

function decide(source: string) {
  const r = assemble(source, { fileName: "t.asm" });
  expect(r.errors).toEqual([]);
  return decideBoot(r.bytes, source, r.lineMap);
}

const MULTIBOOT_HEADER = "dd 0x1badb002\ndd 0x00010003\ndd -(0x1badb002 + 0x00010003)\n";

describe("decideBoot", () => {
  it("boots a boot sector (BITS 16, ORG 0x7C00) in real mode at 0x7C00", () => {
    const d = decide("bits 16\norg 0x7c00\ncli\nhlt\n");
    expect(d.boot).toEqual({ boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 });
    expect(d.describe).toBe("flat, real mode at 0x7c00");
    expect(d.note).toBeNull();
  });

  it("takes no BITS as 16 and no ORG as a boot sector, with a note that labels are offsets", () => {
    const d = decide("cli\nhlt\n");
    expect(d.boot).toEqual({ boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 });
    expect(d.note).toMatch(/no ORG/);
  });

  it("runs 16-bit code at another ORG there", () => {
    expect(decide("org 0x1000\nhlt\n").boot).toEqual({ boot: "flat", mode: "real", load: 0x1000, entry: 0x1000 });
  });

  it("boots BITS 32 in protected mode at ORG, BITS 64 in long mode at ORG", () => {
    expect(decide("bits 32\norg 0x200000\nhlt\n").boot).toEqual({ boot: "flat", mode: "protected", load: 0x200000, entry: 0x200000 });
    const long = decide("[BITS 64]\nORG 0x100000 + 0x1000\nhlt\n");
    expect(long.boot).toEqual({ boot: "flat", mode: "long", load: 0x101000, entry: 0x101000 });
    expect(long.describe).toBe("flat, 64-bit long mode at 0x101000");
  });

  it("puts 32/64-bit code without ORG at 0x100000 and says labels will not match", () => {
    const d = decide("use32\nhlt\n");
    expect(d.boot).toEqual({ boot: "flat", mode: "protected", load: 0x100000, entry: 0x100000 });
    expect(d.note).toMatch(/no ORG/);
  });

  it("boots an image with a valid Multiboot header by Multiboot, whatever its BITS", () => {
    const d = decide(`bits 32\norg 0x100000\n${MULTIBOOT_HEADER}hlt\n`);
    expect(d.boot).toEqual({ boot: "multiboot" });
    expect(d.describe).toMatch(/^Multiboot/);
    // Deeper in, still 4-aligned and within 8 KiB.
    expect(decide(`bits 32\ntimes 4096 db 0\n${MULTIBOOT_HEADER}`).boot).toEqual({ boot: "multiboot" });
  });

  it("ignores the magic with a bad checksum, misaligned, or beyond 8 KiB", () => {
    expect(decide("bits 32\norg 0x100000\ndd 0x1badb002, 0, 0\n").boot.boot).toBe("flat");
    expect(decide(`bits 32\ndb 0\n${MULTIBOOT_HEADER}`).boot.boot).toBe("flat");
    expect(decide(`bits 32\ntimes 8192 db 0\n${MULTIBOOT_HEADER}`).boot.boot).toBe("flat");
  });
});

describe("helpers", () => {
  it("finds the first BITS / USE / [BITS], skipping comments and strings", () => {
    expect(sourceBits("; bits 64\n  BITS 32\nbits 64\n")).toBe(32);
    expect(sourceBits("db 'bits 64'\n")).toBe(16);
    expect(sourceBits("use64\n")).toBe(64);
    expect(sourceBits("  [bits 32]\n")).toBe(32);
    expect(stripComment("db ';', 1 ; real comment")).toBe("db ';', 1 ");
  });

  it("reads ORG from the line map and finds the header offset", () => {
    expect(imageBase([])).toBe(0);
    expect(imageBase([{ address: 0x7c03, size: 1, file: "a", line: 2 }, { address: 0x7c00, size: 3, file: "a", line: 1 }])).toBe(0x7c00);
    const image = new Uint8Array(32);
    const view = new DataView(image.buffer);
    view.setUint32(8, 0x1badb002, true);
    view.setUint32(12, 0, true);
    view.setUint32(16, (-0x1badb002) >>> 0, true);
    expect(findMultibootHeader(image)).toBe(8);
    expect(findMultibootHeader(new Uint8Array(3))).toBe(-1);
  });
});
