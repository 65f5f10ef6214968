/**
 * Segment limit checks in protected mode (Intel SDM Vol. 3A §5.3 "Limit checking"): every data
 * access must lie within [0, limit] of its segment (for an expand-up segment), else #GP(0) (#SS(0)
 * for SS). QEMU's TCG does not check data-segment limits, so the QEMU-recorded guests cannot be the
 * oracle here: these tests follow the SDM.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import { SEG_FS } from "./vtx";

const ENTRY = 0x100000;
const HANDLER = ENTRY + 0x40;

/** Flat 32-bit code with FS limited to 4 KiB and a #GP handler (gate 13) that records the error code in EDX. */
function limited(body: string): Runner {
  const r = new Runner()
    .asm(`bits 32\norg ${ENTRY}\n${body}\nhlt\ntimes ${HANDLER - ENTRY} - ($ - $$) nop\npop edx\nmov esi, 0x600d\nhlt`, ENTRY)
    .flat32(ENTRY);
  r.seg(SEG_FS, 0x10, 0, 0xfff, 0x4093); // 32-bit read/write data, byte-granular limit 0xfff
  r.reg(4, 0x90000); // ESP
  r.w32(0x5000 + 13 * 8, (0x08 << 16) | (HANDLER & 0xffff));
  r.w32(0x5000 + 13 * 8 + 4, (HANDLER & 0xffff0000) | 0x8e00);
  r.cpu.idtrBase = 0x5000n;
  r.cpu.idtrLimit = 0x7ff;
  return r;
}

describe("data segment limits (protected mode)", () => {
  it("the last dword inside the limit is readable", () => {
    const r = limited("mov ebx, 0x11\nmov eax, [fs:0xffc]\nmov ecx, 1");
    r.runToHlt();
    expect(r.r32(1)).toBe(1);
    expect(r.r32(6)).toBe(0);
  });

  it("a dword that crosses the limit raises #GP(0) before anything changes", () => {
    const r = limited("mov eax, 0x5555\nmov eax, [fs:0xffe]\nmov ecx, 1");
    r.runToHlt();
    expect(r.r32(6)).toBe(0x600d); // the handler ran
    expect(r.r32(2)).toBe(0); // error code 0
    expect(r.r32(0)).toBe(0x5555); // the load did not happen
    expect(r.r32(1)).toBe(0); // nor anything after it
  });

  it("a write past the limit raises #GP(0) and leaves memory unchanged", () => {
    const r = limited("mov dword [fs:0x1000], 0xdeadbeef\nmov ecx, 1");
    r.runToHlt();
    expect(r.r32(6)).toBe(0x600d);
    expect(r.u32(0x1000)).toBe(0);
    expect(r.r32(1)).toBe(0);
  });
});
