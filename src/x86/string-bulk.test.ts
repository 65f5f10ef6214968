/**
 * REP MOVS / STOS in bulk (Machine.copyItems / fillItems) must leave exactly what the item-by-item
 * loop leaves: memory, registers, flags, RIP, instruction counts and faults, for overlapping
 * ranges, page and segment-limit edges, unmapped pages mid-copy, and code on the destination page.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Machine } from "./machine";
import { Runner } from "./testing/runner";
import { stringBulk } from "./exec-string";
import { EXIT_EPT_VIOLATION, EXIT_HLT } from "./vtx";

const CODE = 0x20000;

afterEach(() => {
  stringBulk.enabled = true;
});

function run(bulk: boolean, src: string, budget = 10_000_000, bits: 32 | 64 = 32) {
  stringBulk.enabled = bulk;
  const r = new Runner().asm(`bits ${bits}\norg ${CODE}\n${src}\n`, CODE);
  for (let i = 0; i < 0x30000; i++) r.ram[0x100000 + i] = (i * 131 + 7) & 0xff;
  if (bits === 64) r.long64(CODE);
  else r.flat32(CODE);
  r.reg(4, 0x90000);
  const exit = r.run(budget);
  return {
    exit,
    regs: Array.from({ length: bits === 64 ? 16 : 8 }, (_, i) => r.r(i)),
    rip: r.cpu.getRip(),
    flags: r.cpu.getRflags(),
    retired: r.cpu.instructionsRetired,
    mem: Array.from(r.ram.subarray(0x100000, 0x130000)).reduce((h, b, i) => (h * 31 + b * (i + 1)) | 0, 0),
    code: Array.from(r.ram.subarray(CODE, CODE + 64)),
    exitGpa: r.cpu.exit.gpa,
  };
}

describe("bulk REP MOVS / STOS", () => {
  const cases: Record<string, string> = {
    "movsd, disjoint, across pages": "mov esi, 0x100123\nmov edi, 0x110ffd\nmov ecx, 5000\nrep movsd\nhlt",
    "movsb, disjoint": "mov esi, 0x100001\nmov edi, 0x118002\nmov ecx, 12345\nrep movsb\nhlt",
    "movsd, destination 2 bytes ahead (overlap)": "mov esi, 0x100100\nmov edi, 0x100102\nmov ecx, 3000\nrep movsd\nhlt",
    "movsb, destination 1 byte ahead (overlap)": "mov esi, 0x100100\nmov edi, 0x100101\nmov ecx, 9000\nrep movsb\nhlt",
    "movsd, destination behind (overlap)": "mov esi, 0x100800\nmov edi, 0x1007fe\nmov ecx, 3000\nrep movsd\nhlt",
    "stosd": "mov eax, 0xdeadbeef\nmov edi, 0x100ffe\nmov ecx, 9999\nrep stosd\nhlt",
    "stosb": "mov al, 0x5a\nmov edi, 0x100003\nmov ecx, 17000\nrep stosb\nhlt",
    "std: backwards (item by item)": "std\nmov esi, 0x108000\nmov edi, 0x110000\nmov ecx, 3000\nrep movsd\ncld\nhlt",
    "into unmapped memory mid-copy": "mov esi, 0x100000\nmov edi, 0xffe000\nmov ecx, 0x2000\nrep movsd\nhlt",
    "from unmapped memory mid-copy": "mov esi, 0xffd000\nmov edi, 0x100000\nmov ecx, 0x2000\nrep movsd\nhlt",
    "over its own code": `mov esi, 0x100000\nmov edi, ${CODE + 40}\nmov ecx, 4\nrep movsb\nhlt\ntimes 64 nop\nhlt`,
    "long: more than one chunk": "mov esi, 0x100000\nmov edi, 0x118000\nmov ecx, 0x6000\nrep movsd\nmov ecx, 40000\nrep stosb\nhlt",
  };

  // 64-bit mode, 64-bit addressing (a kernel's memcpy and memset, clear_page): no segment limits.
  const cases64: Record<string, string> = {
    "64-bit: movsq, disjoint, across pages": "mov rsi, 0x100123\nmov rdi, 0x110ffd\nmov rcx, 3000\nrep movsq\nhlt",
    "64-bit: movsq, destination 4 bytes ahead (overlap)": "mov rsi, 0x100100\nmov rdi, 0x100104\nmov rcx, 2000\nrep movsq\nhlt",
    "64-bit: movsq, destination 8 bytes ahead (overlap)": "mov rsi, 0x100100\nmov rdi, 0x100108\nmov rcx, 2000\nrep movsq\nhlt",
    "64-bit: movsq, destination behind (overlap)": "mov rsi, 0x100800\nmov rdi, 0x1007fc\nmov rcx, 2000\nrep movsq\nhlt",
    "64-bit: movsb, destination 1 byte ahead (overlap)": "mov rsi, 0x100100\nmov rdi, 0x100101\nmov rcx, 9000\nrep movsb\nhlt",
    "64-bit: movsd and movsb, disjoint": "mov rsi, 0x100001\nmov rdi, 0x118002\nmov rcx, 5000\nrep movsd\nmov rcx, 7000\nrep movsb\nhlt",
    "64-bit: stosq of a value": "mov rax, 0x0123456789abcdef\nmov rdi, 0x100ffc\nmov rcx, 5000\nrep stosq\nhlt",
    "64-bit: stosq of zero, aligned (clear_page)": "xor eax, eax\nmov rdi, 0x104000\nmov rcx, 1536\nrep stosq\nhlt",
    "64-bit: stosd and stosb": "mov eax, 0xdeadbeef\nmov rdi, 0x100ffe\nmov rcx, 9999\nrep stosd\nmov al, 0x5a\nmov rcx, 7777\nrep stosb\nhlt",
    "64-bit: movsw (item by item)": "mov rsi, 0x100001\nmov rdi, 0x118002\nmov rcx, 5000\nrep movsw\nhlt",
    "64-bit: into unmapped memory mid-copy": "mov rsi, 0x100000\nmov rdi, 0xffe000\nmov rcx, 0x1000\nrep movsq\nhlt",
    "64-bit: from unmapped memory mid-copy": "mov rsi, 0xffd000\nmov rdi, 0x100000\nmov rcx, 0x1000\nrep movsq\nhlt",
    "64-bit: over its own code": `mov rsi, 0x100000\nmov rdi, ${CODE + 64}\nmov rcx, 2\nrep movsq\nhlt\ntimes 64 nop\nhlt`,
    "64-bit: more than one chunk": "mov rsi, 0x100000\nmov rdi, 0x118000\nmov rcx, 0x5000\nrep movsq\nmov rcx, 40000\nrep stosb\nhlt",
  };
  for (const [bits, table] of [[32, cases], [64, cases64]] as const) {
    for (const [name, src] of Object.entries(table)) {
      it(name, () => {
        const slow = run(false, src, 10_000_000, bits);
        const fast = run(true, src, 10_000_000, bits);
        expect(fast).toEqual(slow);
        expect([EXIT_HLT, EXIT_EPT_VIOLATION]).toContain(slow.exit);
      });
    }
  }

  it("really copies in bulk in 64-bit mode too", () => {
    const copies = vi.spyOn(Machine.prototype, "copyItems");
    const fills = vi.spyOn(Machine.prototype, "fillItems");
    run(true, "mov rsi, 0x100123\nmov rdi, 0x110ffd\nmov rcx, 3000\nrep movsq\nmov rax, -7\nmov rcx, 3000\nrep stosq\nhlt", 10_000_000, 64);
    expect(copies.mock.results.filter((r) => r.value === true).length).toBeGreaterThan(3);
    expect(fills.mock.results.filter((r) => r.value === true).length).toBeGreaterThan(3);
    copies.mockRestore();
    fills.mockRestore();
  });

  it("really copies in bulk (the cases above compare something)", () => {
    const copies = vi.spyOn(Machine.prototype, "copyItems");
    const fills = vi.spyOn(Machine.prototype, "fillItems");
    run(true, "mov esi, 0x100123\nmov edi, 0x110ffd\nmov ecx, 5000\nrep movsd\nmov eax, 7\nmov ecx, 3000\nrep stosd\nhlt");
    expect(copies.mock.results.filter((r) => r.value === true).length).toBeGreaterThan(3);
    expect(fills.mock.results.filter((r) => r.value === true).length).toBeGreaterThan(0);
    copies.mockRestore();
    fills.mockRestore();
  });

  it("stops at the same points for every budget", () => {
    const src = "mov esi, 0x100010\nmov edi, 0x111000\nmov ecx, 0x9000\nrep movsd\nmov ecx, 0x8000\nrep stosb\nhlt";
    for (const budget of [1, 2, 5]) {
      const trace = (bulk: boolean) => {
        stringBulk.enabled = bulk;
        const r = new Runner().asm(`bits 32\norg ${CODE}\n${src}\n`, CODE);
        r.flat32(CODE).reg(4, 0x90000);
        const out: string[] = [];
        for (let i = 0; i < 1000; i++) {
          const exit = r.run(budget);
          out.push(`${r.cpu.getRip()} ${r.r(1)} ${r.r(6)} ${r.r(7)} ${r.cpu.instructionsRetired}`);
          if (exit !== 0) break;
        }
        return out;
      };
      expect(trace(true), `budget ${budget}`).toEqual(trace(false));
    }
  });
});
