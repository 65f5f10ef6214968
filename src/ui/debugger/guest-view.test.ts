import { describe, expect, it } from "vitest";
import type { ArchDetail } from "../../../workers/api";
import { Translator, codeLinear, ipMask } from "./guest-view";

/** 32-bit paging: linear page 0x400000 → physical 0x9000, 0x401000 unmapped, 0x3ff000 → 0x8000. */
function pagedRam(): Uint8Array {
  const ram = new Uint8Array(0x20000);
  const dv = new DataView(ram.buffer);
  dv.setUint32(0x1000 + 1 * 4, 0x2000 | 3, true); // PDE 1 → PT at 0x2000
  dv.setUint32(0x2000 + 0 * 4, 0x9000 | 3, true); // 0x400000
  dv.setUint32(0x1000 + 0 * 4, 0x3000 | 3, true); // PDE 0 → PT at 0x3000
  dv.setUint32(0x3000 + 0x3ff * 4, 0x8000 | 3, true); // 0x3ff000
  for (let i = 0; i < 0x1000; i++) ram[0x9000 + i] = i & 0xff;
  ram[0x8fff] = 0xee;
  return ram;
}

const PAGING = { cr0: 0x8000_0001n, cr3: 0x1000n, cr4: 0n, efer: 0n };

describe("Translator", () => {
  it("without paging control, addresses are physical", () => {
    const t = new Translator(new Uint8Array([1, 2, 3]), null);
    expect(t.byte(1n)).toBe(2);
    expect(t.byte(3n)).toBeNull();
    expect(Array.from(t.bytes(1n, 5))).toEqual([2, 3]);
  });

  it("translates through the page tables and stops at an unmapped page", () => {
    const t = new Translator(pagedRam(), PAGING);
    expect(t.physical(0x400010n)).toBe(0x9010n);
    expect(t.byte(0x400010n)).toBe(0x10);
    expect(t.physical(0x401000n)).toBeNull();
    expect(t.byte(0x401000n)).toBeNull();
    expect(t.bytes(0x400ffen, 8).length).toBe(2);
    // Across a page boundary into a mapped page: 0x3fffff (phys 0x8fff) then 0x400000 (phys 0x9000).
    expect(Array.from(t.bytes(0x3fffffn, 3))).toEqual([0xee, 0, 1]);
  });
});

describe("code addresses", () => {
  const detail = { bits: 16, segments: { cs: { selector: 0x7c0, base: 0x7c00n, limit: 0xffff, accessRights: 0x9b } } } as unknown as ArchDetail;
  it("adds CS.base outside 64-bit code, truncated to 32 bits", () => {
    expect(codeLinear(detail, 0x10n)).toBe(0x7c10n);
    expect(codeLinear({ ...detail, bits: 32, segments: { ...detail.segments, cs: { ...detail.segments.cs, base: 0xffff_f000n } } }, 0x2000n)).toBe(0x1000n);
    expect(codeLinear({ ...detail, bits: 64 }, 0xffff_8000_0000_0000n)).toBe(0xffff_8000_0000_0000n);
  });
  it("masks IPs to the code size", () => {
    expect(ipMask(16)).toBe(0xffffn);
    expect(ipMask(64)).toBe((1n << 64n) - 1n);
  });
});
