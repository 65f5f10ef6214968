/**
 * Interpreter micro-benchmark (not a test): runs a few integer loops on a bare Cpu + PhysicalMemory
 * in 32-bit flat protected mode (paging off: the Multiboot state) and in 64-bit long mode (4-level
 * paging, one 1 GiB identity page: the state of Zircon's hypervisor tests), and prints MIPS.
 *
 * Run it bundled (esbuild inlines constants across modules, as the shipped bundle does):
 *   npx esbuild src/x86/bench/speed.ts --bundle --platform=node --format=esm --outfile=/tmp/speed.mjs && node /tmp/speed.mjs
 * or unbundled through tsx (as the CLI runs): `npx tsx src/x86/bench/speed.ts`.
 * Arguments: an optional scale factor (default 1 ≈ 40–60 M instructions per workload), `xN` for the
 * number of runs of each workload (best one reported; default x3), and workload name filters, e.g.
 * `node /tmp/speed.mjs 0.5 x5 mem`.
 */
import { Runner } from "../testing/runner";
import { EXIT_HLT, EXIT_NONE } from "../vtx";

interface Workload {
  name: string;
  /** NASM body; {A} {B} {C} {D} {SI} {DI} {SP} {BP} expand to the e.. or r.. register by mode; {N} is the iteration count. */
  body: string;
  /** Outer iteration count at scale 1. */
  iters: number;
}

/** (a) Register-only ALU loop: add/xor/lea/shift/sub/inc/dec/jnz. */
const ALU: Workload = {
  name: "alu",
  iters: 6_000_000,
  body: `
    mov ecx, {N}
    mov eax, 1
    mov ebx, 2
    xor edx, edx
    xor esi, esi
    xor edi, edi
.l: add eax, ebx
    xor edx, eax
    lea ebx, [{B} + {A}*2 + 1]
    shl edx, 3
    sub esi, edx
    inc edi
    and eax, 0x7fffffff
    cmp edi, esi
    adc ebx, 0
    dec ecx
    jnz .l
    hlt`,
};

/**
 * (b) Memory: fill a 1 MiB dword array, sum it back with a stride; CRC32 (bitwise, branch per bit)
 * of a 64 KiB slice; a byte sieve of Eratosthenes over 512 KiB. Array at 1 MiB, sieve at 3 MiB.
 */
const MEM: Workload = {
  name: "mem",
  iters: 4,
  body: `
    mov ebp, {N}
.outer:
    ; fill: a[i] = i * 2654435761 (1 MiB = 256 Ki dwords)
    mov {DI}, 0x100000
    mov ecx, 0x40000
    mov eax, 12345
.fill:
    mov [{DI}], eax
    add eax, 0x9e3779b1
    add {DI}, 4
    dec ecx
    jnz .fill
    ; sum with loads, load-op and a read-modify-write
    mov {SI}, 0x100000
    mov ecx, 0x40000
    xor edx, edx
.sum:
    mov eax, [{SI}]
    add edx, eax
    xor edx, [{SI} + 4]
    add dword [{SI}], 1
    add {SI}, 4
    dec ecx
    jnz .sum
    ; CRC32 (reflected, poly 0xEDB88320), bitwise, over 64 KiB
    mov {SI}, 0x100000
    mov ecx, 0x10000
    mov eax, 0xffffffff
.crcbyte:
    movzx ebx, byte [{SI}]
    xor eax, ebx
    mov ebx, 8
.crcbit:
    shr eax, 1
    jnc .nox
    xor eax, 0xedb88320
.nox:
    dec ebx
    jnz .crcbit
    inc {SI}
    dec ecx
    jnz .crcbyte
    not eax
    mov [0x200000], eax
    ; sieve of Eratosthenes over 512 Ki bytes at 3 MiB
    mov {DI}, 0x300000
    mov ecx, 0x80000 / 4
    mov eax, 0x01010101
.clr:
    mov [{DI}], eax
    add {DI}, 4
    dec ecx
    jnz .clr
    mov ebx, 2
.sv:
    mov eax, ebx
    imul eax, ebx
    cmp eax, 0x80000
    jae .svdone
    cmp byte [0x300000 + {B}], 0
    je .next
.mark:
    mov byte [0x300000 + {A}], 0
    add eax, ebx
    cmp eax, 0x80000
    jb .mark
.next:
    inc ebx
    jmp .sv
.svdone:
    dec ebp
    jnz .outer
    hlt`,
};

/** (c) call/ret + push/pop heavy: a small recursive-looking call chain with saved registers. */
const CALL: Workload = {
  name: "call",
  iters: 2_000_000,
  body: `
    mov ecx, {N}
    xor eax, eax
.l: push {C}
    call f1
    pop {C}
    dec ecx
    jnz .l
    hlt
f1: push {BX}
    push {SI}
    mov ebx, eax
    call f2
    add eax, ebx
    pop {SI}
    pop {BX}
    ret
f2: push {BP}
    mov {BP}, {SP}
    inc eax
    call f3
    pop {BP}
    ret
f3: xor eax, 0x55
    ret`,
};

/**
 * (d) The hot loops of guests/bench-int.asm (what `npm run bench` measures): a branch-free bitwise
 * CRC-32 over a 64 KiB byte array (byte ALU with a memory source, NEG, AND imm32) and a byte sieve
 * (MOV/CMP byte [mem], imm8), with the array cleared by REP STOSD.
 */
const BENCH: Workload = {
  name: "bench",
  iters: 8,
  body: `
    mov ebp, {N}
.round:
    mov {DI}, 0x100000
    mov ecx, 0x10000 / 4
    xor eax, eax
    cld
    rep stosd
    mov ebx, 2
.outer:
    mov eax, ebx
    mul ebx
    cmp eax, 0x10000
    jae .sieved
    cmp byte [0x100000 + {B}], 0
    jne .next
.strike:
    mov byte [0x100000 + {A}], 1
    add eax, ebx
    cmp eax, 0x10000
    jb .strike
.next:
    inc ebx
    jmp .outer
.sieved:
    mov {SI}, 0x100000
    mov ecx, 0x10000
    mov eax, 0xffffffff
.byte:
    xor al, [{SI}]
    inc {SI}
    mov edx, 8
.bit:
    mov ebx, eax
    shr eax, 1
    and ebx, 1
    neg ebx
    and ebx, 0xedb88320
    xor eax, ebx
    dec edx
    jnz .bit
    dec ecx
    jnz .byte
    dec ebp
    jnz .round
    hlt`,
};

const WORKLOADS = [ALU, MEM, CALL, BENCH];

function expand(w: Workload, bits: 32 | 64, n: number): string {
  const p = bits === 64 ? "r" : "e";
  const regs: Record<string, string> = { A: "ax", B: "bx", C: "cx", D: "dx", BX: "bx", SI: "si", DI: "di", SP: "sp", BP: "bp" };
  let src = w.body.replace(/\{N\}/g, String(n));
  for (const [k, v] of Object.entries(regs)) src = src.replace(new RegExp(`\\{${k}\\}`, "g"), p + v);
  return `bits ${bits}\norg 0x10000\n${src}\n`;
}

function runOne(w: Workload, bits: 32 | 64, scale: number): { mips: number; cpuMips: number; insns: number } {
  const n = Math.max(1, Math.round(w.iters * scale));
  const code = 0x20000;
  const r = new Runner();
  // Code at 0x20000 (PML4 for long mode lives at 0x10000): assemble with the right origin.
  r.asm(expand(w, bits, n).replace("org 0x10000", `org ${code}`), code);
  if (bits === 64) r.long64(code).reg(4, 0x90000);
  else r.flat32(code).reg(4, 0x90000);
  const cpu = r.cpu;
  const start = cpu.instructionsRetired;
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  let exit = EXIT_NONE;
  for (;;) {
    exit = cpu.run(1_000_000);
    if (exit !== EXIT_NONE) break;
  }
  const t1 = performance.now();
  const u1 = process.cpuUsage(u0);
  if (exit !== EXIT_HLT) throw new Error(`${w.name}/${bits}: unexpected exit ${exit} at rip ${r.rip().toString(16)}`);
  const insns = cpu.instructionsRetired - start;
  // MIPS by this process's CPU time (user + system) as well as by the wall clock: the machine is
  // shared, and CPU time is the steadier figure when other work competes for the cores.
  return { mips: insns / ((t1 - t0) * 1000), cpuMips: insns / (u1.user + u1.system), insns };
}

const args = typeof process !== "undefined" ? process.argv.slice(2) : [];
const scale = args.length > 0 && !Number.isNaN(Number(args[0])) ? Number(args.shift()) : 1;
const repeatsArg = args.find((a) => /^x\d+$/.test(a));
const repeats = repeatsArg ? Number(repeatsArg.slice(1)) : 3;
const filters = args.filter((a) => a !== repeatsArg);
for (const bits of [32, 64] as const) {
  for (const w of WORKLOADS) {
    const label = `${w.name}/${bits}`;
    if (filters.length > 0 && !filters.some((f) => label.includes(f))) continue;
    // Best of `repeats` runs: the machine is shared, and the best run is the steadiest figure.
    let best = { mips: 0, cpuMips: 0, insns: 0 };
    for (let k = 0; k < repeats; k++) {
      const one = runOne(w, bits, scale);
      if (one.cpuMips > best.cpuMips) best = one;
    }
    const { mips, cpuMips, insns } = best;
    console.log(`${label.padEnd(8)} ${(insns / 1e6).toFixed(1).padStart(7)} M insns  ${mips.toFixed(1).padStart(7)} MIPS wall  ${cpuMips.toFixed(1).padStart(7)} MIPS cpu`);
  }
}
