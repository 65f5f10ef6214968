/**
 * Debug registers, checked rule by rule against the Intel SDM (Vol. 2B "MOV—Move to/from Debug
 * Registers"; Vol. 3B ch. 17 "Debug, Branch Profile, TSC, and Resource Monitoring Features";
 * Vol. 3A §6.8.3 for the MOV SS / POP SS shadow and table 6-2 for priorities).
 *
 * Each test is a small 32-bit (or 64-bit) program with a #DB handler that records DR6, the pushed
 * EIP and EFLAGS, and the state it sees, in memory at REC (below), then the program ends with HLT.
 */
import { describe, expect, it } from "vitest";
import { Runner, SEL_CODE32_R3, SEL_DATA32_R3, TSS_BASE } from "./testing/runner";
import { EXIT_HLT } from "./vtx";
import { writeDebugRegister } from "./debug-regs";

const ENTRY = 0x2000;
/** Record area the handlers write: count, DR6, EIP, EFLAGS, ECX, EDI, then per-vector counts. */
const REC = 0x7000;
const R_COUNT = REC;
const R_DR6 = REC + 4;
const R_EIP = REC + 8;
const R_EFL = REC + 12;
const R_ECX = REC + 16;
const R_EDI = REC + 20;
const R_VEC = REC + 24; // vector of the last non-#DB exception handled by `other`
const R_OTHER = REC + 28; // how many such exceptions
const R_ERR = REC + 32;
const RF = 0x10000;

/**
 * 32-bit flat protected mode: IDT at 0x5000, stack at 0x9000. `db` is the #DB handler's action
 * before IRETD (default: clear DR7, so the interrupted instruction then runs); vectors 6 and 13 go to
 * `other`, which records the vector and error code and skips `skip` bytes of the faulting instruction.
 */
function prog32(body: string, opts: { db?: string; otherFix?: string } = {}): Runner {
  const src = `
bits 32
org ${ENTRY}
%macro GATE 2
  mov eax, %2
  mov word [0x5000 + %1*8], ax
  mov word [0x5000 + %1*8 + 2], 0x08
  mov word [0x5000 + %1*8 + 4], 0xee00
  shr eax, 16
  mov word [0x5000 + %1*8 + 6], ax
%endmacro
  mov esp, 0x9000
  lidt [idtr]
  GATE 1, db_handler
  GATE 3, bp_handler
  GATE 6, other6
  GATE 13, other13
  jmp start
idtr: dw 256*8-1
      dd 0x5000
db_handler:
  inc dword [${R_COUNT}]
  push eax
  mov eax, dr6
  mov [${R_DR6}], eax
  mov eax, [esp+4]
  mov [${R_EIP}], eax
  mov eax, [esp+12]
  mov [${R_EFL}], eax
  mov [${R_ECX}], ecx
  mov [${R_EDI}], edi
  pop eax
  ${opts.db ?? "push eax\n  xor eax, eax\n  mov dr7, eax\n  pop eax"}
  iretd
bp_handler:
  push eax
  mov eax, [esp+12]
  mov [${R_EFL}], eax
  pop eax
  iretd
other6:
  mov dword [${R_VEC}], 6
  mov dword [${R_ERR}], -1
  jmp other
other13:
  mov dword [${R_VEC}], 13
  push eax
  mov eax, [esp+4]
  mov [${R_ERR}], eax
  pop eax
  add esp, 4
other:
  inc dword [${R_OTHER}]
  push eax
  mov eax, [esp+12]
  mov [${R_EFL}], eax
  pop eax
  ${opts.otherFix ?? "hlt"}
start:
${body}
`;
  return new Runner().asm(src, ENTRY).flat32(ENTRY);
}

/** DR7 value enabling breakpoint n locally with R/W and LEN encodings (Intel SDM Vol. 3B §17.2.4). */
function dr7(n: number, rw: number, len: number): number {
  return ((1 << (n * 2)) | (rw << (16 + n * 4)) | (len << (18 + n * 4))) >>> 0;
}

describe("MOV DRn (Intel SDM Vol. 2B MOV—Move to/from Debug Registers; Vol. 3B §17.2)", () => {
  it("reads back DR0-DR3 as written and DR6/DR7 with their fixed bits; DR4/DR5 alias DR6/DR7 with CR4.DE = 0", () => {
    const r = prog32(`
  mov eax, 0x12345678
  mov dr0, eax
  mov eax, 0x9abcdef0
  mov dr3, eax
  mov eax, dr0
  mov [0x7100], eax
  mov eax, dr3
  mov [0x7104], eax
  xor eax, eax
  mov dr6, eax
  mov eax, dr6
  mov [0x7108], eax          ; 0xffff0ff0: bits 4-11 and 16-31 read as 1, bit 12 as 0
  mov eax, -1
  mov dr6, eax
  mov eax, dr6
  mov [0x710c], eax          ; + B0-B3, BD, BS, BT
  xor eax, eax
  mov dr7, eax
  mov eax, dr7
  mov [0x7110], eax          ; bit 10 reads as 1
  mov eax, 0xffffdfff        ; everything but GD
  mov dr7, eax
  mov eax, dr7
  mov [0x7114], eax          ; bits 11, 12, 14, 15 read as 0
  xor eax, eax
  mov dr7, eax
  mov eax, dr4               ; = DR6
  mov [0x7118], eax
  mov eax, 0x3
  mov dr5, eax               ; = DR7
  mov eax, dr7
  mov [0x711c], eax
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(0x7100)).toBe(0x12345678);
    expect(r.u32(0x7104)).toBe(0x9abcdef0);
    expect(r.u32(0x7108)).toBe(0xffff0ff0);
    expect(r.u32(0x710c)).toBe(0xffffefff);
    expect(r.u32(0x7110)).toBe(0x400);
    expect(r.u32(0x7114)).toBe(0xffff07ff);
    expect(r.u32(0x7118)).toBe(0xffffefff);
    expect(r.u32(0x711c)).toBe(0x403);
  });

  it("raises #UD for DR4/DR5 when CR4.DE = 1", () => {
    const r = prog32(`
  mov eax, dr5
  hlt`);
    r.cpu.cr4 = 0x8;
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_OTHER)).toBe(1);
    expect(r.u32(R_VEC)).toBe(6);
  });

  it("raises #GP(0) at CPL 3", () => {
    const r = prog32(`
  mov dword [${TSS_BASE + 4}], 0x9000   ; ESP0
  mov dword [${TSS_BASE + 8}], 0x10     ; SS0
  mov ax, ${SEL_DATA32_R3}              ; DPL-3 data stays loaded in ring 3 (and serves ring 0)
  mov ds, ax
  push dword ${SEL_DATA32_R3}
  push dword 0x8800
  pushfd
  push dword ${SEL_CODE32_R3}
  push dword ring3
  iretd
ring3:
  mov eax, dr7
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_OTHER)).toBe(1);
    expect(r.u32(R_VEC)).toBe(13);
    expect(r.u32(R_ERR)).toBe(0);
  });

  it("general detect: with DR7.GD any MOV DRn is a #DB fault with DR6.BD, GD cleared for the handler (§17.2.4, §17.3.1.2)", () => {
    const r = prog32(`
  mov dword [0x7104], access
  mov eax, 0x2000
  mov dr7, eax
access:
  mov ebx, dr0
  mov eax, dr7
  mov [0x7100], eax
  hlt`, { db: "" });
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_DR6) & 0xe00f).toBe(0x2000);
    // The fault points at the MOV (it then runs, since the handler left GD clear).
    expect(r.u32(R_EIP)).toBe(r.u32(0x7104));
    expect(r.u32(0x7100)).toBe(0x400);
    // A fault-class exception: RF = 1 in the pushed EFLAGS (§17.3.1.1).
    expect(r.u32(R_EFL) & RF).toBe(RF);
  });

  it("64-bit mode: DR0 holds 64 bits, DR8 is #UD, a 1 in DR6/DR7 bits 63:32 is #GP(0)", () => {
    const r = new Runner().asm(`bits 64
org ${ENTRY}
  mov rsp, 0x9000
  lidt [rel idtr]
  mov rax, 0xffff800012345678
  mov dr0, rax
  mov rbx, dr0
  mov rax, 0x100000000
  mov dr7, rax
  hlt
idtr: dw 16*256-1
      dq 0x5000
  times 0x100-($-$$) db 0
  mov r15, [rsp]       ; #GP error code
  hlt
  times 0x200-($-$$) db 0
  mov rax, dr8
  hlt`, ENTRY).long64(ENTRY);
    const gate = (v: number, target: number) => {
      r.w32(0x5000 + v * 16, (0x28 << 16) | (target & 0xffff));
      r.w32(0x5000 + v * 16 + 4, (target & 0xffff0000) | 0x8e00);
    };
    gate(13, ENTRY + 0x100);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(0xffff800012345678n);
    expect(r.rip()).toBe(ENTRY + 0x100 + 4); // on the handler's HLT
    expect(r.r(15)).toBe(0n);
    expect(r.cpu.dr[7]).toBe(0);
    // DR8: #UD (vector 6).
    const r2 = new Runner().asm(`bits 64
org ${ENTRY}
  mov rsp, 0x9000
  mov rax, dr8
  hlt`, ENTRY).long64(ENTRY);
    r2.cpu.idtrBase = 0x5000n;
    r2.cpu.idtrLimit = 16 * 256 - 1;
    r2.w32(0x5000 + 6 * 16, (0x28 << 16) | ((ENTRY + 0x40) & 0xffff));
    r2.w32(0x5000 + 6 * 16 + 4, ((ENTRY + 0x40) & 0xffff0000) | 0x8e00);
    r2.load(ENTRY + 0x40, [0xf4]);
    expect(r2.run()).toBe(EXIT_HLT);
    expect(r2.rip()).toBe(ENTRY + 0x40); // on the #UD handler's HLT
  });
});

describe("instruction breakpoints: faults before the instruction (Vol. 3B §17.3.1.1)", () => {
  it("raise #DB with the instruction's address pushed, DR6.B0, and the instruction not yet run", () => {
    const r = prog32(`
  mov eax, target
  mov dr0, eax
  mov eax, ${dr7(0, 0, 0)}
  mov dr7, eax
  xor ecx, ecx
target:
  inc ecx
  mov [0x7100], ecx
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_DR6) & 0xe00f).toBe(1);
    expect(r.u32(R_ECX)).toBe(0); // the handler ran before INC
    expect(r.u32(0x7100)).toBe(1); // and INC ran once afterwards
    expect(r.u32(R_EFL) & RF).toBe(0); // instruction breakpoints push RF as it is
    const target = r.u32(R_EIP);
    expect(r.ram[target]).toBe(0x41); // INC ECX
  });

  it("hit an instruction that already runs from the decoded-instruction cache in a hot loop", () => {
    // The loop's page is current and chained before DR7 is written at iteration 50.
    const r = prog32(`
  xor ecx, ecx
  xor edx, edx
top:
  inc ecx
  cmp ecx, 50
  jne hot
  mov eax, hot
  mov dr1, eax
  mov eax, ${dr7(1, 0, 0)}
  mov dr7, eax
hot:
  add edx, 1
  cmp ecx, 100
  jb top
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1); // at iteration 50; the handler clears DR7
    expect(r.u32(R_ECX)).toBe(50);
    expect(r.r32(2)).toBe(100); // and every ADD ran
  });

  it("a handler returning with RF = 1 in the image runs the instruction once without a new #DB (needs IRETD to load RF, events.ts)", () => {
    const r = prog32(`
  xor ecx, ecx
  xor edx, edx
top:
  inc ecx
  cmp ecx, 50
  jne hot
  mov eax, hot
  mov dr1, eax
  mov eax, ${dr7(1, 0, 0)}
  mov dr7, eax
hot:
  add edx, 1
  cmp ecx, 100
  jb top
  hlt`, { db: "or dword [esp+8], 0x10000" });
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(51); // once per pass from iteration 50 on
    expect(r.r32(2)).toBe(100);
  });

  it("are suppressed for one instruction by RFLAGS.RF, which every instruction then clears", () => {
    const r = prog32(`
  xor ecx, ecx
  mov eax, target
  mov dr0, eax
  mov eax, ${dr7(0, 0, 0)}
  mov dr7, eax
  mov eax, 0x10002
  push eax
  popfd                       ; POPF cannot set RF (it stays 0)
  jmp target
target:
  inc ecx
  cmp ecx, 3
  jb target
  hlt`);
    // Host sets RF with RIP at the breakpoint: the first INC runs without #DB.
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1); // POPF did not set RF: #DB at the first INC; handler clears DR7
    expect(r.r32(1)).toBe(3);

    const r2 = prog32(`
  hlt
target:
  inc ecx
  cmp ecx, 3
  jb target
  hlt`);
    expect(r2.run()).toBe(EXIT_HLT);
    const at = r2.rip() + 1;
    r2.cpu.setRip(BigInt(at));
    writeDebugRegister(r2.cpu, 0, at, 0);
    writeDebugRegister(r2.cpu, 7, dr7(0, 0, 0), 0);
    r2.cpu.setRflags(r2.cpu.getRflags() | RF);
    expect(r2.run()).toBe(EXIT_HLT);
    // The first INC ran with RF = 1; RF then cleared, so the second pass faulted once.
    expect(r2.u32(R_COUNT)).toBe(1);
    expect(r2.u32(R_ECX)).toBe(1);
    expect(r2.u32(R_EIP)).toBe(at);
    expect(r2.r32(1)).toBe(3);
    expect(r2.cpu.getRflags() & RF).toBe(0);
  });
});

describe("data breakpoints: traps after the access (Vol. 3B §17.3.1.2)", () => {
  it("R/W = 01 traps after a write (EIP of the next instruction pushed, the write done), not after a read", () => {
    const r = prog32(`
  mov eax, var
  mov dr1, eax
  mov eax, ${dr7(1, 1, 3)}
  mov dr7, eax
  mov eax, [var]
  mov dword [var], 5
after:
  nop
  hlt
align 4
var: dd 0`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_DR6) & 0xe00f).toBe(2);
    const eip = r.u32(R_EIP);
    expect(r.ram[eip]).toBe(0x90); // after: NOP
    expect(r.ram[eip - 10]).toBe(0xc7); // the MOV [var], imm32 before it
    expect(r.u32(R_EFL) & RF).toBe(0);
  });

  it("R/W = 11 traps after reads too; LEN aligns the address down and any overlapping access matches", () => {
    // DR2 = var + 1 with LEN = 2 covers [var, var + 2) (§17.2.5).
    const r = prog32(`
  mov eax, var + 1
  mov dr2, eax
  mov eax, ${dr7(2, 3, 1)}
  mov dr7, eax
  mov al, [var + 2]           ; outside: no trap
  mov al, [var]               ; inside
  mov eax, ${dr7(2, 3, 1)}
  mov dr7, eax
  mov eax, [var - 2]          ; overlaps var..var+1
  mov eax, ${dr7(2, 3, 1)}
  mov dr7, eax
  mov al, [var + 3]           ; outside
  hlt
align 4
  dd 0
var: dd 0x11223344`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(2);
    expect(r.u32(R_DR6) & 0xf).toBe(4);
  });

  it("trap on every write from a cached hot loop, with pushes (implicit stack writes) counted too", () => {
    const r = prog32(`
  mov eax, var
  mov dr0, eax
  mov eax, 0x87fc
  mov dr3, eax
  xor ecx, ecx
top:
  inc ecx
  cmp ecx, 50
  jne body
  mov eax, ${(dr7(0, 1, 3) | dr7(3, 1, 3)) >>> 0}
  mov dr7, eax
body:
  mov [var], ecx
  cmp ecx, 100
  jb top
  mov esp, 0x8800
  push eax                    ; writes [0x87fc]
  mov esp, 0x9000
  hlt
align 4
var: dd 0`, { db: "" });
    expect(r.run()).toBe(EXIT_HLT);
    // Iterations 50..100 write var (51 traps), then the PUSH one more (the #DB frame for that one is
    // pushed below 0x87fc, outside DR3's range).
    expect(r.u32(R_COUNT)).toBe(52);
    expect(r.u32(R_DR6) & 0xf).toBe(8);
  });

  it("8-byte breakpoints (LEN = 10) in 64-bit mode cover an aligned quadword", () => {
    const r = new Runner().asm(`bits 64
org ${ENTRY}
  mov rsp, 0x9000
  lidt [rel idtr]
  lea rax, [rel var]
  mov dr0, rax
  mov rax, ${dr7(0, 1, 2)}
  mov dr7, rax
  mov byte [rel var + 8], 1   ; outside
  mov byte [rel var + 7], 1   ; inside
  hlt
idtr: dw 16*256-1
      dq 0x5000
align 8
var: dq 0, 0
  times 0x100-($-$$) db 0
  inc r12
  mov rax, dr6
  mov r13, rax
  iretq`, ENTRY).long64(ENTRY);
    r.w32(0x5000 + 16, (0x28 << 16) | ((ENTRY + 0x100) & 0xffff));
    r.w32(0x5000 + 16 + 4, ((ENTRY + 0x100) & 0xffff0000) | 0x8e00);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(12)).toBe(1n);
    expect(r.r(13) & 0xfn).toBe(1n);
  });

  it("are not reported for an instruction that faults after the access; it is reported when it completes", () => {
    // MOVSD reads DS:[ESI] (watched) and then faults on ES:[EDI] past ES's 64 KiB limit (#GP); the
    // #GP handler moves EDI into the limit and returns, MOVSD runs again and completes: one #DB.
    const r = prog32(`
  mov eax, src
  mov dr0, eax
  mov eax, ${dr7(0, 3, 3)}
  mov dr7, eax
  mov ax, 0x20               ; 16-bit data segment, limit 0xffff
  mov es, ax
  mov esi, src
  mov edi, 0x20000
  movsd
after:
  hlt
align 4
src: dd 0x55aa55aa`, { otherFix: "mov edi, 0x7200\n  iretd" });
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_OTHER)).toBe(1);
    expect(r.u32(R_VEC)).toBe(13);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(0x7200)).toBe(0x55aa55aa);
    expect(r.ram[r.u32(R_EIP)]).toBe(0xf4); // after: HLT
  });

  it("a trap due when the run's budget ends is delivered before run() returns", () => {
    const r = prog32(`
  mov eax, var
  mov dr0, eax
  mov eax, ${dr7(0, 1, 3)}
  mov dr7, eax
  hlt
  mov dword [var], 1
  hlt
align 4
var: dd 0`);
    expect(r.run()).toBe(EXIT_HLT);
    r.cpu.setRip(BigInt(r.rip() + 1));
    r.run(1); // just the watched write
    // RIP is now the #DB handler's first instruction: the trap came before run() returned.
    expect(r.rip()).toBe(gateTarget(r, 1));
    expect(r.cpu.dr[6] & 0xf).toBe(1);
    expect(r.u32(R_COUNT)).toBe(0);
  });

  it("a REP string instruction reports after the iteration that hit, pushing its own EIP and RF = 1 (needs exec-string.ts to stop between iterations while attention is set)", () => {
    const r = prog32(`
  mov eax, buf + 5
  mov dr0, eax
  mov eax, ${dr7(0, 1, 0)}
  mov dr7, eax
  mov edi, buf
  mov ecx, 16
  mov al, 0xcc
  rep stosb
  hlt
buf: times 16 db 0`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_ECX)).toBe(10);
    expect(r.ram[r.u32(R_EIP)]).toBe(0xf3); // REP prefix: the instruction itself
    expect(r.u32(R_EFL) & RF).toBe(RF);
    expect(r.r32(1)).toBe(0);
  });
});

describe("single-step and the MOV SS shadow (Vol. 3B §17.3.1.4, Vol. 3A §6.8.3)", () => {
  it("a single-step trap and a data breakpoint of the same instruction are one #DB with BS and Bn", () => {
    const r = prog32(`
  mov eax, var
  mov dr0, eax
  mov eax, ${dr7(0, 1, 3)}
  mov dr7, eax
  pushfd
  or dword [esp], 0x100
  popfd                        ; TF = 1 from the next instruction on
  mov [var], eax
after:
  hlt
align 4
var: dd 0`, { db: "and dword [esp+8], ~0x100\n  push eax\n  xor eax, eax\n  mov dr7, eax\n  pop eax" });
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_DR6) & 0xe00f).toBe(0x4001);
    expect(r.ram[r.u32(R_EIP)]).toBe(0xf4);
  });

  it("a faulting instruction gets no single-step trap; the next one does, with B0-B3 cleared and BS set", () => {
    const r = prog32(`
  mov eax, 0xf
  mov dr6, eax
  pushfd
  or dword [esp], 0x100
  popfd
  ud2                          ; #UD: the handler skips it and returns with TF still set
  nop
after:
  hlt`, { db: "and dword [esp+8], ~0x100", otherFix: "add dword [esp], 2\n  iretd" });
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_OTHER)).toBe(1);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_DR6) & 0xe00f).toBe(0x4000);
    expect(r.ram[r.u32(R_EIP)]).toBe(0xf4);
    expect(r.u32(R_EFL) & (0x100 | RF)).toBe(0x100);
  });

  it("a data breakpoint hit by MOV SS is reported after the next instruction", () => {
    const r = prog32(`
  mov eax, ssval
  mov dr0, eax
  mov eax, ${dr7(0, 3, 1)}
  mov dr7, eax
  xor ebx, ebx
  mov ss, [ssval]
  mov ebx, 1                   ; in the shadow: the #DB waits
after:
  mov ecx, 2
  hlt
align 2
ssval: dw 0x10`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(1);
    expect(r.u32(R_DR6) & 0xf).toBe(1);
    const eip = r.u32(R_EIP);
    expect(r.ram[eip]).toBe(0xb9); // after: MOV ECX, imm32
    expect(r.u32(R_ECX)).toBe(0);
  });

  it("an instruction breakpoint on the instruction after MOV SS is not recognised (inhibited like other debug exceptions)", () => {
    const r = prog32(`
  mov eax, shadowed
  mov dr0, eax
  mov eax, ${dr7(0, 0, 0)}
  mov dr7, eax
  mov ax, 0x10
  mov ss, ax
shadowed:
  mov ebx, 1
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_COUNT)).toBe(0);
    expect(r.r32(3)).toBe(1);
  });
});

describe("RF in pushed RFLAGS images (Vol. 3B §17.3.1.1)", () => {
  it("is 1 for faults (#UD) and 0 for traps (INT3)", () => {
    const r = prog32(`
  ud2
  mov eax, [${R_EFL}]
  mov [0x7100], eax
  int3
  hlt`, { otherFix: "add dword [esp], 2\n  iretd" });
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(0x7100) & RF).toBe(RF);
    expect(r.u32(R_EFL) & RF).toBe(0);
    // The handler's IRET loaded RF... and the next instruction cleared it: no trace in the final state.
    expect(r.cpu.getRflags() & RF).toBe(0);
  });
});

function gateTarget(r: Runner, v: number): number {
  return (r.u32(0x5000 + v * 8) & 0xffff) | (r.u32(0x5000 + v * 8 + 4) & 0xffff0000);
}
