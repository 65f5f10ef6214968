/**
 * Test support (Node only, imports iced-x86): the instruction corpus for the NASM oracle test. It is
 * built from iced's opcode tables directly — not from our generated table — so a form our table
 * lost or mangled still shows up: every legacy-encoded instruction of the CPU's ISA available in the
 * mode, each operand kind instantiated with several registers, memory operands (every addressing
 * shape, sized and unsized), immediates at the edges of the sign-extended-byte range, and branch
 * targets near and far; plus NASM's own spellings (aliases, x87 short forms, size keywords,
 * prefixes) that iced does not list. Every line is position-independent ($-relative), so each can
 * be compared on its own.
 */
import { Code, CodeExt, CpuidFeature, EncodingKind, Instruction, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind as K } from "iced-x86";

type Bits = 16 | 32 | 64;

/** The CPU's ISA (as scripts/gen-asm-table.ts and src/x86/disasm-corpus.ts define it). */
const ISA = new Set<number>([
  CpuidFeature.INTEL8086, CpuidFeature.INTEL186, CpuidFeature.INTEL286, CpuidFeature.INTEL386, CpuidFeature.INTEL486,
  CpuidFeature.X64, CpuidFeature.CMOV, CpuidFeature.CX8, CpuidFeature.CMPXCHG16B, CpuidFeature.MOVBE,
  CpuidFeature.POPCNT, CpuidFeature.LZCNT, CpuidFeature.CPUID, CpuidFeature.MSR, CpuidFeature.TSC,
  CpuidFeature.RDTSCP, CpuidFeature.RDPMC, CpuidFeature.SEP, CpuidFeature.SYSCALL, CpuidFeature.SMAP,
  CpuidFeature.CLFSH, CpuidFeature.PAUSE, CpuidFeature.MULTIBYTENOP, CpuidFeature.FPU, CpuidFeature.FPU287,
  CpuidFeature.FPU387, CpuidFeature.FXSR, CpuidFeature.MMX, CpuidFeature.SSE, CpuidFeature.SSE2,
  CpuidFeature.SSE3, CpuidFeature.SSSE3,
]);

/** iced mnemonics NASM spells differently. */
const NASM_NAME: Record<string, string> = { sysretq: "o64 sysret", sysexitq: "o64 sysexit" };

const REGS: Record<Bits, Record<string, string[]>> = {
  16: { r8: ["al", "cl", "dh", "bl"], r16: ["ax", "cx", "sp", "di"], r32: ["eax", "ecx", "esp", "edi"], r64: [], mm: ["mm0", "mm3", "mm7"], xmm: ["xmm0", "xmm2", "xmm7"] },
  32: { r8: ["al", "cl", "dh", "bl"], r16: ["ax", "cx", "sp", "di"], r32: ["eax", "ecx", "esp", "ebp", "edi"], r64: [], mm: ["mm0", "mm3", "mm7"], xmm: ["xmm0", "xmm2", "xmm7"] },
  64: { r8: ["al", "cl", "dh", "sil", "r9b", "r15b"], r16: ["ax", "cx", "sp", "r8w", "r14w"], r32: ["eax", "ecx", "esp", "r10d", "r15d"], r64: ["rax", "rcx", "rsp", "rbp", "r8", "r13"], mm: ["mm0", "mm3", "mm7"], xmm: ["xmm0", "xmm7", "xmm8", "xmm15"] },
};

const ADDRS: Record<Bits, string[]> = {
  16: ["[bx]", "[bx+si+0x12]", "[bp]", "[di-4]", "[0x1234]", "[bp+di+0x1234]", "[es:bx]", "[ebx+ecx*4]", "[si+0x80]"],
  32: ["[ebx]", "[ebp]", "[esp]", "[esp+8]", "[ebx+esi*4+0x100]", "[0x12345678]", "[eax*2]", "[ecx*8+0x10]", "[ebp+eax]", "[fs:eax+1]", "[bx+si]", "[ebx-0x80]", "[ebx+0x80]", "[eax*3]", "[edx+ebx]"],
  64: ["[rbx]", "[rbp]", "[r12]", "[r13]", "[rsp+8]", "[rax+r12*2+0x10]", "[rel $+0x100]", "[0x1234]", "[ebx]", "[r15+rcx*8-0x100]", "[gs:rax]", "[abs 0x12345678]"],
};

const SIZE_NAME: Record<number, string> = { 1: "byte", 2: "word", 4: "dword", 8: "qword", 10: "tword", 16: "oword" };

function regsFor(bits: Bits, cls: string): string[] {
  return REGS[bits][cls] ?? [];
}

/** Sample texts for one operand of a form. */
function samples(kind: K, bits: Bits, memSize: number, memKind: MemorySize, mnemonic: string, osize: number): string[] {
  const mem = (): string[] => {
    const addrs = ADDRS[bits];
    const far = memKind === MemorySize.SegPtr16 || memKind === MemorySize.SegPtr32 || memKind === MemorySize.SegPtr64;
    if (far && (mnemonic === "jmp" || mnemonic === "call")) return [`far ${addrs[0]}`, `far ${SIZE_NAME[osize / 8] ?? "dword"} ${addrs[1]}`, `far ${addrs[4]}`];
    const sz = SIZE_NAME[memSize];
    const out: string[] = [];
    addrs.forEach((a, i) => out.push(sz && i % 2 === 1 ? `${sz} ${a}` : a));
    if (sz) out.push(`${sz} ${addrs[0]}`);
    return out;
  };
  switch (kind) {
    case K.r8_reg: case K.r8_opcode: return regsFor(bits, "r8");
    case K.r16_reg: case K.r16_rm: case K.r16_opcode: return regsFor(bits, "r16");
    case K.r32_reg: case K.r32_rm: case K.r32_opcode: return regsFor(bits, "r32");
    case K.r64_reg: case K.r64_rm: case K.r64_opcode: return regsFor(bits, "r64");
    case K.r8_or_mem: return [...regsFor(bits, "r8").slice(0, 2), ...mem()];
    case K.r16_or_mem: return [...regsFor(bits, "r16").slice(0, 2), ...mem()];
    case K.r32_or_mem: return [...regsFor(bits, "r32").slice(0, 2), ...mem()];
    case K.r64_or_mem: return [...regsFor(bits, "r64").slice(0, 3), ...mem()];
    case K.mm_reg: case K.mm_rm: return regsFor(bits, "mm");
    case K.mm_or_mem: return [...regsFor(bits, "mm").slice(0, 2), ...mem()];
    case K.xmm_reg: case K.xmm_rm: return regsFor(bits, "xmm");
    case K.xmm_or_mem: return [...regsFor(bits, "xmm").slice(0, 2), ...mem()];
    case K.mem: case K.mem_offs: return mem();
    case K.seg_reg: return ["es", "cs", "ss", "ds", "fs", "gs"];
    case K.cr_reg: return bits === 64 ? ["cr0", "cr3", "cr4", "cr8"] : ["cr0", "cr2", "cr4"];
    case K.dr_reg: return ["dr0", "dr3", "dr7"];
    case K.sti_opcode: return ["st0", "st1", "st7"];
    case K.st0: return ["st0"];
    case K.al: return ["al"];
    case K.ax: return ["ax"];
    case K.eax: return ["eax"];
    case K.rax: return ["rax"];
    case K.cl: return ["cl"];
    case K.dx: return ["dx"];
    case K.es: return ["es"];
    case K.cs: return ["cs"];
    case K.ss: return ["ss"];
    case K.ds: return ["ds"];
    case K.fs: return ["fs"];
    case K.gs: return ["gs"];
    case K.imm8: return ["0x12", "0", "0x7f", "0x80", "0xff", "-1", "-128", "byte 5"];
    case K.imm16: return ["0x1234", "1", "0xffff", "-1", "0x80", "word 7"];
    case K.imm32: return ["0x12345678", "1", "-1", "0x7f", "0x80", "0xffffffff", "strict dword 3"];
    case K.imm64: return ["0x123456789abcdef0", "1", "-1", "0x80000000", "0xffffffff", "0x100000000", "strict qword 2"];
    case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: return ["1", "-1", "0x7f", "-0x80", "0x80", "byte 9", "strict byte 3"];
    case K.imm32sex64: return ["1", "-1", "0x7fffffff", "-0x80000000", "0x80000000", "dword 4", "strict dword 6"];
    case K.imm8_const_1: return ["1"];
    case K.br16_1: case K.br32_1: case K.br64_1: return ["$+0x10", "$-0x10", "short $+0x7f", "$+0x1000"];
    case K.br16_2: case K.br32_4: case K.br64_4: return ["$+0x1000", "$-0x1000", "near $+0x10", "$+0x10"];
    case K.farbr2_2: return ["0x10:0x1234", "word 0x10:0x1234"];
    case K.farbr4_2: return ["0x10:0x12345678", "dword 0x10:0x12345678"];
    default: return [];
  }
}

const IMPLICIT = new Set<K>([K.seg_rSI, K.es_rDI, K.seg_rDI, K.seg_rBX_al]);

const RANDOM_PER_FORM = 3;

/** xorshift32, so the corpus is the same on every run. */
class Rng {
  constructor(private s: number) {}
  below(n: number): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s % n;
  }
}

/** Lines for one mode: every form's operands varied one at a time (the others at their first sample), plus random picks. */
export function corpusLines(bits: Bits): string[] {
  const out = new Set<string>();
  const rng = new Rng(0x9e3779b9 ^ bits);
  const codeCount = Object.keys(Code).filter((k) => !Number.isNaN(Number(k))).length;
  for (let code = 1; code < codeCount; code++) {
    const oc = CodeExt.opCode(code);
    if (!oc.isInstruction || oc.encoding !== EncodingKind.Legacy || oc.decoderOption !== 0 || !oc.isAvailableInMode(bits)) continue;
    const ins = Instruction.create(code);
    const features = Array.from(ins.cpuidFeatures());
    ins.free();
    const tz = code === Code.Tzcnt_r16_rm16 || code === Code.Tzcnt_r32_rm32 || code === Code.Tzcnt_r64_rm64;
    if (!tz && !features.every((f) => ISA.has(f))) continue;
    const icedName = (Mnemonic[oc.mnemonic] ?? "").toLowerCase();
    const name = NASM_NAME[icedName] ?? icedName;
    const memSize = MemorySizeExt.size(oc.memorySize);
    const kinds: K[] = [];
    for (let k = 0; k < oc.opCount; k++) kinds.push(oc.opKind(k));
    const stringOp = kinds.some((k) => IMPLICIT.has(k)) && name !== "maskmovq" && name !== "maskmovdqu";
    // String instructions and XLATB: NASM writes no operands at all.
    const ops = stringOp ? [] : kinds.filter((k) => !IMPLICIT.has(k));
    const lists = ops.map((k) => samples(k, bits, memSize, oc.memorySize, name, oc.operandSize));
    if (lists.some((l) => l.length === 0)) continue;
    const line = (pick: number[]) => (pick.length ? `${name} ${pick.map((p, i) => lists[i][p]).join(", ")}` : name);
    out.add(line(lists.map(() => 0)));
    // A few random combinations too (a fixed seed: every run sees the same corpus).
    for (let k = 0; k < RANDOM_PER_FORM; k++) out.add(line(lists.map((l) => rng.below(l.length))));
    for (let i = 0; i < lists.length; i++) {
      for (let j = 1; j < lists[i].length; j++) {
        const pick = lists.map(() => 0);
        pick[i] = j;
        out.add(line(pick));
      }
    }
  }
  for (const l of EXTRAS[bits]) out.add(l);
  for (const l of addressing(bits)) out.add(l);
  // DEFAULT REL last, since it changes every line after it.
  if (bits === 64) for (const l of ["default rel", "mov eax, [$+0x10]", "mov eax, [0x10]", "lea rax, [$]", "mov eax, [fs:0x10]", "mov eax, [rbx+8]", "mov eax, [abs 0x10]", "mov eax, [rel $-8]", "inc dword [$+0x100]", "movdqa xmm0, [$+0x20]", "default abs", "mov eax, [0x10]"]) out.add(l);
  return [...out];
}

/** NASM spellings beyond iced's forms (aliases, short forms, prefixes, size keywords). */
const COMMON = [
  "jz $+0x10", "jnz $-0x10", "jc $+0x10", "jnc $+0x1000", "jnae $+5", "jpe $+5", "jpo $+5", "jnge $+5", "jnle $+5", "jna $+5",
  "cmovz eax, ebx", "cmovnae ecx, [ebx]", "setz al", "setnbe [ebx]", "sal eax, 1", "sal byte [ebx], 3", "sal cx, cl", "xlat", "retn", "retn 4", "fwait", "wait",
  "icebp", "int01", "int 3", "int3", "int1", "loopz $", "loopnz $", "ret 0",
  "fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr", "faddp", "fsubp", "fmulp", "fdivp", "fdivrp", "fsubrp",
  "fadd st1", "fadd st0, st0", "fadd to st2", "fsub to st3", "fmul to st1", "fdivr st3", "faddp st2", "fdivp st4",
  "fxch", "fxch st3", "fxch st3, st0", "fxch st0, st3", "fcom", "fcom st2", "fcomp", "fcomp st3", "fucom", "fucom st1", "fucomp", "fucomp st2",
  "fcomi st1", "fucomip st3", "fcmovb st2", "fld st0", "fstp st1", "ffree st2", "fst st0",
  "test eax, [ebx]", "test cl, [ebx]", "test [ebx], ax", "xchg eax, ebx", "xchg ebx, eax", "xchg eax, eax", "xchg ax, ax", "xchg ax, cx", "xchg cl, bl", "xchg [ebx], eax", "xchg eax, [ebx]",
  "imul eax, 5", "imul eax, 500", "imul cx, -3", "aam", "aad", "aam 16", "aad 7",
  "push 1", "push 1000", "push -1", "push word 1", "push dword 1", "push byte 1", "push strict dword 1", "push strict byte 1000", "push strict word 2",
  "add eax, byte 1", "add eax, dword 1", "add eax, strict dword 1", "add ax, 0x1000", "and ax, 0xf", "or eax, 0xffffffff", "add al, 300",
  "mov eax, byte 1", "mov [ebx], word 1", "mov word [ebx], 1", "mov [ebx], 1", "inc [ebx]", "push [ebx]", "jmp [ebx]", "call [ebx]", "jmp near [ebx]",
  "mov ds, ax", "mov ds, eax", "mov ax, ds", "mov eax, ds", "mov [ebx], ds", "mov ds, [ebx]",
  "mov eax, [0x1000]", "mov al, [0x12]", "mov [0x1000], ax", "mov eax, [ebx*1]", "mov eax, [nosplit ebx*2]", "mov eax, [byte ebx+300]", "mov eax, [dword ebx+1]",
  "lea eax, [ebx+ecx]", "lea eax, [ecx+ebx]", "lea eax, [ebx*1+ecx]", "lea eax, [esp+ebp]", "lea eax, [ebp+esp]", "lea eax, [ebx+ebx]", "lea eax, [eax*9]", "lea eax, [eax*5+8]",
  "rep movsb", "repe cmpsb", "repne scasw", "rep stosd", "lock add [ebx], eax", "lock inc dword [ebx]", "es movsb", "fs lodsb",
  "o16 movsb", "o32 movsb", "a16 movsb", "a32 stosb", "o16 nop", "o32 nop", "o16 ret", "o32 ret", "o16 push 1", "o32 push 1",
  "loop $, cx", "loop $, ecx", "loope $+5, cx", "jecxz $", "jcxz $",
  "jmp short $+0x7f", "jmp short $-0x80", "jmp short $+0x81", "jmp near $+5", "call $+0x10", "jmp $+0x7f", "jmp $+0x80", "jmp $-0x7e", "jmp $-0x7f", "jb $+0x81", "jb $+0x82",
  "db 1, 2, 3", "dw 0x1234, 'ab'", "dd 1.5, -2.25", "dq 3.14159, __Infinity__", "dt 1.0e10", "dd 'abcde'", "db `a\\n`", "dw -1", "db 300",
  "movsx rax, ebx", "movsxd rax, ebx", "pushfw", "pushfd", "popfd", "iretd", "iretw", "retf", "retfd", "retnw", "pushaw", "pushad", "popaw",
  "ud0", "ud1", "ud2", "nop", "pause", "hlt",
];

/** Effective addresses and immediates at NASM's decision points: disp8 edges, base/index choice, expressions. */
function addressing(bits: Bits): string[] {
  const out: string[] = [];
  const r = bits === 16 ? ["bx", "bp", "si", "di"] : bits === 32 ? ["eax", "ebx", "ecx", "esp", "ebp", "esi"] : ["rax", "rbx", "rsp", "rbp", "r12", "r13", "r8", "r15"];
  const dst = bits === 16 ? "ax" : bits === 32 ? "eax" : "rax";
  for (const d of ["0", "1", "127", "128", "-128", "-129", "0x7fff", "0x8000", "-1"]) for (const b of r) out.push(`mov ${dst}, [${b}+${d}]`);
  if (bits !== 16) {
    for (const b of r) for (const i of r) out.push(`lea ${dst}, [${b}+${i}]`, `lea ${dst}, [${b}+${i}*4+8]`, `lea ${dst}, [${i}*2+${b}]`);
    for (const i of r) for (const sc of ["1", "2", "3", "4", "5", "8", "9"]) out.push(`lea ${dst}, [${i}*${sc}]`, `lea ${dst}, [${i}*${sc}+0x10]`, `lea ${dst}, [nosplit ${i}*${sc}]`);
    out.push(`lea ${dst}, [2*${r[1]}]`, `lea ${dst}, [${r[1]}*2+${r[1]}]`, `lea ${dst}, [${r[1]}+4*2-1]`, `lea ${dst}, [(${r[1]})+(3)]`, `lea ${dst}, [${r[1]}-${r[1]}+${r[2]}]`, `mov ${dst}, [byte ${r[1]}]`, `mov ${dst}, [dword ${r[1]}+1]`);
  } else {
    for (const b of ["bx", "bp"]) for (const i of ["si", "di"]) out.push(`mov ax, [${b}+${i}]`, `mov ax, [${i}+${b}+3]`, `mov ax, [${i}+${b}-300]`);
    out.push("mov ax, [byte bx]", "mov ax, [word bp+1]", "mov ax, [bx+0x10000]");
  }
  for (const v of ["'a'", "'ab'", "'abcd'", "(1 << 4) | 3", "-(5 * 3)", "~0", "!0", "7 / 2", "-7 // 2", "-7 %% 3", "7 % 3", "1 ? 5 : 6", "(3 > 2) + (2 >= 3)", "0x10 >> 1", "-16 >>> 2", "5 ^ 3", "6 & 3", "1 == 1", "2 <=> 3", "1 && 0", "1 || 0", "1 ^^ 1"]) {
    out.push(`mov ${dst}, ${v}`, `add ${dst}, ${v}`, `cmp al, ${v}`);
  }
  return out;
}

const EXTRAS: Record<Bits, string[]> = {
  16: [...COMMON, "mov ax, [bx+si]", "mov ax, [si+bx]", "mov ax, [bx+0xffff]", "mov eax, [ebx]", "jecxz $", "lds si, [bx]", "les di, [0x10]", "jmp dword 0x10:0x12345678", "o32 push fs", "push word [bx]", "push dword [bx]"],
  32: [...COMMON, "arpl ax, bx", "ltr ax", "ltr [eax]", "str ax", "str eax", "sldt ax", "smsw eax", "lar eax, ax", "lar eax, [ebx]", "lsl ax, word [ebx]", "jmp word 0x10:0x1234", "push word [ebx]", "pop word [ebx]", "pushfw", "popfw"],
  64: [...COMMON.filter((l) => !/^(aam|aad|into|pushaw|pushad|popaw|push dword 1|push byte 1|pushfd|popfd|iretw)/.test(l)),
    "mov rax, 1", "mov rax, -1", "mov rax, 0x80000000", "mov rax, 0x123456789", "mov rax, strict qword 1", "mov r8, 1",
    "add rax, 0xffffffff", "push 0xffffffff", "push strict qword 0", "push qword 1", "push dword 1", "o64 leave", "o64 sysret", "o64 ret", "o64 iret", "iretq", "pushfq", "popfq", "retq", "retfq", "retnq",
    "mov rax, cr8", "mov cr8, rax", "mov rax, [0x123456789]", "mov eax, [qword 0x1000]", "mov eax, [dword 0x1000]", "lea rax, [rel $]", "mov rax, [rel $+0x10]",
    "xchg eax, eax", "xchg rax, rax", "xchg r8, rax", "xchg rax, r8", "str rax", "sldt rax", "smsw rax", "mov rax, ds", "mov ds, rax",
    "movq xmm0, rax", "movq rax, xmm0", "movq xmm0, [rax]", "movq mm0, [rax]", "movd xmm1, eax", "cvtsi2ss xmm0, [rax]", "cvtsi2sd xmm0, [rax]", "cvtsi2ss xmm0, rax",
    "mov ah, sil", "mov ah, bl", "add spl, 1", "jrcxz $", "jecxz $", "loop $, rcx", "loop $, ecx", "lodsq", "rep movsq", "a32 lodsb",
    "mov eax, [ebx+0x100000000]", "mov eax, [rbx+0xffffffff]", "mov rax, [rbx-0x80000000]"],
};
