import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernel } from "../zircon";
// Test-only: the CPUID answers the kernel model gives a guest, to check what the monitor prints.
import { cpuid } from "../zircon/cpuid";
import type { ExitRecord } from "./api";
import { Machine } from "./machine";

// The gallery guests that only the playground can run (the mailbox device is its own; QEMU has no
// such device, so there is no QEMU recording to compare with): booted through the VMM over the real
// kernel model and CPU, their output checked byte for byte against what the mailbox's register
// definitions (devices/mailbox.ts) and the x86 semantics of each instruction say it must be.
// The gallery guests QEMU can run (ticks, paging-demo, monitor) are held to QEMU's recordings by
// src/cli/cli.test.ts; the checks here are about what the exit log shows.
const root = join(__dirname, "..", "..");

async function boot(name: string, input?: string) {
  const exits: ExitRecord[] = [];
  let out = "";
  const m = Machine.create(createKernel().createProcess(), { memoryMiB: 128 }, {
    console: (b) => (out += Buffer.from(b).toString("latin1")),
    exit: (r) => exits.push({ ...r }),
  });
  if (typeof m === "string") throw new Error(m);
  const image = new Uint8Array(readFileSync(join(root, "public", "guests", `${name}.elf`)));
  const err = m.load({ boot: "multiboot", image, imageName: `public/guests/${name}.elf` });
  if (err) throw new Error(err);
  if (input !== undefined) m.consoleInput(Buffer.from(input, "latin1"));
  const outcome = await m.run(50_000_000);
  m.dispose();
  return { outcome, out, exits };
}

const lines = (...l: string[]) => l.map((s) => s + "\r\n").join("");

describe("mmio.elf: the mailbox's registers through a MEM trap", () => {
  it("prints every MOV/MOVZX/MOVSX/TEST/OR/AND/XOR/STOS form's exact result", async () => {
    const { outcome, out, exits } = await boot("mmio");
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 1 });
    // Values: ID "HVPL" = 0x4c505648, VERSION 1; SCRATCH 0x12345678 with byte 1 := 0x9a gives 0x12349a78;
    // a 16-bit store of 0xbeef gives 0x1234beef; | 0x0f000000 → 0x1f34beef; low word & 0x00ff → 0x1f3400ef;
    // ^ 0x12349a78 → 0x0d009a97; ^ 0xffffffff → 0xf2ff6568; EAX 0x1234beef | that → 0xf2ffffef.
    // Flags (SDM Vol. 2: OF = CF = 0; SF, ZF, PF of the result's low byte): 0xef, 0x97, 0x68 have odd parity.
    const flags = (zf: number, sf: number, pf: number) => `ZF=${zf} SF=${sf} PF=${pf} CF=0 OF=0`;
    const row = (bytes: string, text: string, result: string) => `  ${bytes.padEnd(24)}${text.padEnd(42)}${result}`;
    const stored = "(stored in the device)";
    expect(out).toBe(lines(
      "mmio: the mailbox device at 0xfeb00000 (a MEM trap): every access below is a VM exit",
      "whose instruction the VMM decodes and emulates (src/vmm/mmio-decode.ts)",
      "  bytes                   instruction                               result",
      row("a1 04 00 b0 fe", "mov eax, [MAILBOX + REG_VERSION]", "eax = 0x00000001"),
      row("8b 03", "mov eax, [ebx + REG_ID]", 'eax = 0x4c505648 "HVPL"'),
      row("c7 43 08 78 56 34 12", "mov dword [ebx + REG_SCRATCH], 0x12345678", stored),
      row("c6 43 09 9a", "mov byte [ebx + REG_SCRATCH + 1], 0x9a", stored),
      row("8a 43 09", "mov al, [ebx + REG_SCRATCH + 1]", "eax = 0x4c50569a"),
      row("8b 4b 08", "mov ecx, [ebx + REG_SCRATCH]", "ecx = 0x12349a78"),
      row("0f b6 43 09", "movzx eax, byte [ebx + REG_SCRATCH + 1]", "eax = 0x0000009a"),
      row("0f be 43 09", "movsx eax, byte [ebx + REG_SCRATCH + 1]", "eax = 0xffffff9a"),
      row("0f b7 43 0a", "movzx eax, word [ebx + REG_SCRATCH + 2]", "eax = 0x00001234"),
      row("0f bf 43 08", "movsx eax, word [ebx + REG_SCRATCH]", "eax = 0xffff9a78"),
      row("66 89 53 08", "mov [ebx + REG_SCRATCH], dx", stored),
      row("8b 43 08", "mov eax, [ebx + REG_SCRATCH]", "eax = 0x1234beef"),
      row("81 4b 08 00 00 00 0f", "or dword [ebx + REG_SCRATCH], 0x0f000000", flags(0, 0, 0)),
      row("66 81 63 08 ff 00", "and word [ebx + REG_SCRATCH], 0x00ff", flags(0, 0, 0)),
      row("31 4b 08", "xor [ebx + REG_SCRATCH], ecx", flags(0, 0, 0)),
      row("83 73 08 ff", "xor dword [ebx + REG_SCRATCH], -1", flags(0, 1, 0)),
      row("0b 43 08", "or eax, [ebx + REG_SCRATCH]", "eax = 0xf2ffffef"),
      row("f7 03 00 00 00 80", "test dword [ebx + REG_ID], 0x80000000", flags(1, 0, 1)),
      row("84 43 08", "test [ebx + REG_SCRATCH], al", flags(0, 0, 0)),
      row("ab", "stosd", "edi = 0xfeb0000c"),
      row("aa", "stosb", "edi = 0xfeb0000a"),
      row("8b 43 08", "mov eax, [ebx + REG_SCRATCH]", "eax = 0xc0fef00d"),
      row("8b 43 0c", "mov eax, [ebx + REG_ACCESSES]", "eax = 0x0000001b"),
      "ACCESSES = 27: one register access per instruction above, two for each OR/AND/XOR to memory",
      "(read, then write, in one exit), and this read of ACCESSES itself",
    ));
    // One exit per instruction: 23 MEM packets for 27 register accesses (four read-modify-writes).
    const mem = exits.filter((e) => e.kind === "mem").map((e) => e.summary.replace(/^MMIO | \(mailbox\)$/g, ""));
    expect(mem).toEqual([
      "load 4 bytes at 0xfeb00004", "load 4 bytes at 0xfeb00000", "store 4 bytes at 0xfeb00008", "store 1 bytes at 0xfeb00009",
      "load 1 bytes at 0xfeb00009", "load 4 bytes at 0xfeb00008", "load 1 bytes at 0xfeb00009", "load 1 bytes at 0xfeb00009",
      "load 2 bytes at 0xfeb0000a", "load 2 bytes at 0xfeb00008", "store 2 bytes at 0xfeb00008", "load 4 bytes at 0xfeb00008",
      "or 4 bytes at 0xfeb00008", "and 2 bytes at 0xfeb00008", "xor 4 bytes at 0xfeb00008", "xor 4 bytes at 0xfeb00008",
      "or 4 bytes at 0xfeb00008", "test 4 bytes at 0xfeb00000", "test 1 bytes at 0xfeb00008", "store 4 bytes at 0xfeb00008",
      "store 1 bytes at 0xfeb0000b", "load 4 bytes at 0xfeb00008", "load 4 bytes at 0xfeb0000c",
    ]);
    expect(exits.some((e) => e.kind === "bell" || e.kind === "status")).toBe(false);
  });
});

describe("doorbell.elf: a BELL trap the VCPU does not stop for", () => {
  it("each message is printed by the VMM before the guest sees RINGS move, and the rings carry their address", async () => {
    const { outcome, out, exits } = await boot("doorbell");
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 1 });
    // xorshift32 (13, 17, 5) from the round number, 20000 steps: the guest's busy work while the ring is pending.
    const xorshift = (seed: number) => {
      let x = seed >>> 0;
      for (let i = 0; i < 20000; i++) {
        x = (x ^ (x << 13)) >>> 0;
        x = (x ^ (x >>> 17)) >>> 0;
        x = (x ^ (x << 5)) >>> 0;
      }
      return x.toString(16).padStart(8, "0");
    };
    const texts = ["the doorbell carries no data, only its address", "so the message waits in guest RAM", "and the VCPU never stopped to deliver it"];
    expect(out).toBe(lines(
      "doorbell: messages to the VMM through a BELL trap at 0xfeb01000",
      ...texts.flatMap((text, i) => [
        `guest: message ${i + 1} written to RAM, MAILBOX set, ringing the doorbell and computing on`,
        `[doorbell] message ${i + 1} of 3: ${text}`,
        `guest: RINGS = ${i + 1}, the VMM has handled it; meanwhile 20000 rounds of xorshift32 gave 0x${xorshift(i + 1)}`,
      ]),
      "guest: done",
    ));
    const bells = exits.filter((e) => e.kind === "bell");
    expect(bells.map((e) => e.summary)).toEqual(["BELL 0xfeb01004 (mailbox)", "BELL 0xfeb01008 (mailbox)", "BELL 0xfeb0100c (mailbox)"]);
    // The ring itself made no exit (the VCPU ran on): the only records for the bell page are the BELL
    // packets the VMM took from its port, each after the MMIO store to MAILBOX that preceded the ring
    // and before the RINGS poll that saw it handled.
    const seqOf = (re: RegExp, from: number) => exits.find((e) => e.seq > from && re.test(e.summary))?.seq ?? -1;
    let last = -1;
    for (const bell of bells) {
      const store = seqOf(/^MMIO store 4 bytes at 0xfeb00010 /, last);
      expect(store).toBeGreaterThan(last);
      expect(bell.seq).toBeGreaterThan(store);
      expect(seqOf(/^MMIO load 4 bytes at 0xfeb00014 /, bell.seq)).toBeGreaterThan(bell.seq);
      last = bell.seq;
    }
    expect(exits.filter((e) => e.kind === "mem" && e.summary.includes("0xfeb01"))).toEqual([]);
  });
});

describe("paging-demo.elf: page faults are the guest's own business", () => {
  it("prints QEMU's output, and neither the page walks nor the two #PFs reach the VMM", async () => {
    const { outcome, out, exits } = await boot("paging-demo");
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 1 });
    expect(out).toBe(readFileSync(join(root, "guests", "expected", "paging-demo.txt"), "latin1"));
    expect(out).toContain("page faults taken: 2");
    expect(new Set(exits.map((e) => e.kind))).toEqual(new Set(["io"]));
  });
});

describe("monitor.elf under the playground's CPU", () => {
  const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  const text = (...regs: number[]) => regs.map((r) => String.fromCharCode(r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, r >>> 24)).join("");

  it("cpuid reports what the kernel model answers, md reads the mailbox through MMIO exits", async () => {
    const { outcome, out, exits } = await boot("monitor", "cpuid\ncpuid 0\ncpuid 0x40000000\nmd feb00000 10\nexit\n");
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 1 });
    const [, b0, c0, d0] = cpuid(0, 0, 1);
    const [a1, , c1] = cpuid(1, 0, 1);
    const hv = cpuid(0x40000000, 0, 1);
    const brand = text(...cpuid(0x80000002, 0, 1), ...cpuid(0x80000003, 0, 1), ...cpuid(0x80000004, 0, 1)).replace(/\0.*$/, "").trim();
    // Family 6: the extended model is the high nibble (Intel SDM Vol. 2A, CPUID, Figure 3-6).
    const family = (a1 >> 8) & 0xf;
    const model = ((a1 >> 4) & 0xf) | (family === 6 || family === 0xf ? (a1 >> 12) & 0xf0 : 0);
    expect(family).toBe(6);
    expect((c1 >>> 31) & 1).toBe(1);
    const hex2 = (n: number) => n.toString(16).padStart(2, "0");
    expect(out).toContain(lines(
      "hvplay> cpuid",
      `vendor: ${text(b0, d0, c0)} (highest basic leaf ${hex8(cpuid(0, 0, 1)[0])})`,
      `family ${hex2(family)} model ${hex2(model)} stepping ${hex2(a1 & 0xf)}`,
      `hypervisor: present (CPUID.1:ECX bit 31), it calls itself "${text(hv[1], hv[2], hv[3]).replace(/\0+$/, "")}" (leaf 40000000)`,
      `brand: ${brand}`,
      "hvplay> cpuid 0",
      `cpuid 00000000: eax=${hex8(cpuid(0, 0, 1)[0])} ebx=${hex8(b0)} ecx=${hex8(c0)} edx=${hex8(d0)}`,
      "hvplay> cpuid 0x40000000",
      `cpuid 40000000: eax=${hex8(hv[0])} ebx=${hex8(hv[1])} ecx=${hex8(hv[2])} edx=${hex8(hv[3])}`,
      // Each byte is one MMIO load; ACCESSES (offset 0xc) counts them, its own read the 13th.
      "hvplay> md feb00000 10",
      "feb00000  48 56 50 4c 01 00 00 00 00 00 00 00 0d 00 00 00  HVPL............",
      "hvplay> exit",
      "bye",
    ));
    expect(out).toContain('"KVMKVMKVM"');
    expect(out).toContain("vendor: GenuineIntel");
    const mem = exits.filter((e) => e.kind === "mem");
    expect(mem.map((e) => e.summary)).toEqual(Array.from({ length: 16 }, (_, i) => `MMIO load 1 bytes at 0x${(0xfeb00000 + i).toString(16)} (mailbox)`));
  });

  it("edits lines (Backspace, DEL, Ctrl-U, Ctrl-C, CR LF) and refuses what it cannot do", async () => {
    const { outcome, out } = await boot("monitor", "ecx\bho one\r\nmd 1\x15echo two\rmd 10000000\nmd 100000 401\nstuff\x03ticks 0\nexit 256\nexit 42\n");
    expect(outcome).toEqual({ kind: "exit-device", exitStatus: 85 });
    const rub = "\b \b";
    expect(out).toContain(lines(
      `hvplay> ecx${rub}ho one`,
      "one",
      `hvplay> md 1${rub}${rub}${rub}${rub}echo two`,
      "two",
      "hvplay> md 10000000",
      "md reads RAM (up to 07fe0000) and the mailbox device at feb00000-feb00fff",
      "hvplay> md 100000 401",
      "LEN is at most 400 (hex)",
      "hvplay> stuff^C",
      "hvplay> ticks 0",
      "N is 1 to 1000",
      "hvplay> exit 256",
      "CODE is 0 to 255",
      "hvplay> exit 42",
      "bye",
    ));
  });
});
