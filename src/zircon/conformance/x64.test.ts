/**
 * §6.2: the x86-64 hypervisor tests (upstream arch/x64/arch_tests.cc + guest_code.S / E2 guest.cpp x86
 * section + x64.S), under their E3 gtest names. Guest programs rewritten in NASM syntax.
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  encodeVcpuIo,
  encodeVcpuState,
  ZX_GUEST_TRAP_IO,
  ZX_HANDLE_INVALID,
  ZX_ERR_INVALID_ARGS,
  ZX_OK,
  ZX_PKT_GUEST_VCPU_INTERRUPT,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_PKT_TYPE_GUEST_VCPU,
  ZX_VCPU_IO,
  ZX_VCPU_STATE,
} from "../index";
import {
  EXIT_STORE,
  EXIT_TEST_FAILURE_ADDR,
  INT_IPI_VECTOR,
  TRAP_PORT,
  X86_CR0_CD,
  X86_CR0_NE,
  X86_CR0_NW,
  enterAndCleanExit,
  guestCode,
  initGdt,
  initInterruptHandling,
  kExceptionVector,
  kInterruptVector,
  kNmiVector,
  kTrapKey,
  newGuest,
  otherTasks,
  readState,
  setupGuest,
} from "./harness";

/** The guest of VcpuInterrupt & co: IDT ready, interrupts on, exit, then spin. */
const interruptGuest = () => guestCode(`
    ${initInterruptHandling()}
    sti
    ${EXIT_STORE}
    jmp $`);

async function interruptTest(vectors: number[], expected: number) {
  const g = newGuest(interruptGuest());
  await enterAndCleanExit(g, true);
  for (const v of vectors) expect(g.thread.zx_vcpu_interrupt(g.vcpu, v)).toBe(ZX_OK);
  await enterAndCleanExit(g, true);
  expect(readState(g).rax).toBe(BigInt(expected));
}

describe("Guest", () => {
  it("VcpuReadWriteState", async () => {
    const g = newGuest(guestCode(`
    add rax, 1
    add rcx, 2
    add rdx, 3
    add rbx, 4
    add rsp, 5
    add rbp, 6
    add rsi, 7
    add rdi, 8
    add r8, 9
    add r9, 10
    add r10, 11
    add r11, 12
    add r12, 13
    add r13, 14
    add r14, 15
    add r15, 16
    stc
    stac
    ${EXIT_STORE}`));
    const state = encodeVcpuState({ rax: 1, rcx: 2, rdx: 3, rbx: 4, rsp: 5, rbp: 6, rsi: 7, rdi: 8, r8: 9, r9: 10, r10: 11,
      r11: 12, r12: 13, r13: 14, r14: 15, r15: 16, rflags: 0 });
    expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_STATE, state)).toBe(ZX_OK);
    await enterAndCleanExit(g);
    expect(readState(g)).toEqual({ rax: 2n, rcx: 4n, rdx: 6n, rbx: 8n, rsp: 10n, rbp: 12n, rsi: 14n, rdi: 16n, r8: 18n, r9: 20n,
      r10: 22n, r11: 24n, r12: 26n, r13: 28n, r14: 30n, r15: 32n, rflags: 0x40001n });
  });

  it("VcpuInterrupt", () => interruptTest([kInterruptVector], kInterruptVector));
  it("VcpuInterruptPriority", () => interruptTest([kExceptionVector, kInterruptVector], kInterruptVector));
  it("VcpuNmi", () => interruptTest([kNmiVector], kNmiVector));
  it("VcpuNmiPriority", () => interruptTest([kInterruptVector, kNmiVector], kNmiVector));
  it("VcpuException", () => interruptTest([kExceptionVector], kExceptionVector));

  it("VcpuIpi", async () => {
    const kernel = createKernel();
    const proc = kernel.createProcess();
    const g = setupGuest(proc.mainThread, proc, guestCode(`
    mov ecx, 0x830
    ${[[0, 0x80066], [0, 0x40066], [0, 0xc0066], [2, 0x66], [0xffffffff, 0x66], [64, 0x66],
       [0, 0x80400], [0, 0x40400], [0, 0xc0400], [2, 0x400]]
      .map(([edx, eax]) => `mov edx, ${edx}\n    mov eax, ${eax}\n    wrmsr`).join("\n    ")}
    ${EXIT_STORE}`), kernel);
    // Four more VCPUs in the same guest, each on its own thread (upstream comment says 3, code makes 4).
    for (let i = 0; i < 4; i++) expect(proc.createThread(`ap${i}`).zx_vcpu_create(g.guest, 0, 0).status).toBe(ZX_OK);
    const expected: Array<[number, number]> = [
      [INT_IPI_VECTOR, 0b1111], [INT_IPI_VECTOR, 0b0001], [INT_IPI_VECTOR, 0b1110], [INT_IPI_VECTOR, 0b0100],
      [INT_IPI_VECTOR, 0b1111], [INT_IPI_VECTOR, 0b0000], [kNmiVector, 0b1110], [kNmiVector, 0b0000],
      [kNmiVector, 0b1110], [kNmiVector, 0b0100],
    ];
    for (const [vector, mask] of expected) {
      const r = await g.thread.zx_vcpu_resume(g.vcpu);
      expect(r.status).toBe(ZX_OK);
      expect(r.packet.type).toBe(ZX_PKT_TYPE_GUEST_VCPU);
      expect(r.packet.guest_vcpu!.type).toBe(ZX_PKT_GUEST_VCPU_INTERRUPT);
      expect([r.packet.guest_vcpu!.interrupt!.vector, Number(r.packet.guest_vcpu!.interrupt!.mask & 0xfn)]).toEqual([vector, mask]);
    }
    await enterAndCleanExit(g);
  });

  it("VcpuHlt", async () => {
    const g = newGuest(guestCode(`
    ${initInterruptHandling()}
    sti
    hlt`));
    const other = g.proc.createThread("interrupter");
    const entered = enterAndCleanExit(g, true);
    await otherTasks();
    expect(other.zx_vcpu_interrupt(g.vcpu, kInterruptVector)).toBe(ZX_OK);
    await entered;
  });

  it("VcpuPause", async () => {
    const g = newGuest(guestCode(`
    pause
    ${EXIT_STORE}`));
    await enterAndCleanExit(g);
  });

  it("VcpuWriteCr0", async () => {
    const g = newGuest(guestCode(`
    mov rax, cr0
    mov rbx, rax
    and rax, ~(${X86_CR0_CD} | ${X86_CR0_NW})
    or rax, ${X86_CR0_NE}
    mov cr0, rax
    mov rax, cr0
    ${EXIT_STORE}`));
    await enterAndCleanExit(g);
    const s = readState(g);
    // E2 expectations: the guest saw CD (from the shadow) and not NE; after the write NE is set, CD clear.
    expect(s.rbx & BigInt(X86_CR0_NE | X86_CR0_NW | X86_CR0_CD)).toBe(BigInt(X86_CR0_CD));
    expect(s.rax & BigInt(X86_CR0_NE | X86_CR0_CD)).toBe(BigInt(X86_CR0_NE));
  });

  it("VcpuWriteInvalidCr0", async () => {
    const g = newGuest(guestCode(`
    ${initInterruptHandling()}
    mov rax, cr0
    and rax, ~${X86_CR0_CD}
    or rax, ${X86_CR0_NW}
    mov cr0, rax
    jmp $`));
    await enterAndCleanExit(g, true);
    expect(readState(g).rax).toBe(13n);
  });

  it("VcpuCompatMode", async () => {
    const g = newGuest(guestCode(`
    ${initGdt()}
    xor rbx, rbx
    xor rcx, rcx
    push qword 0x08                 ; CODE_32
    push qword compat32
    o64 retf
BITS 32
compat32:
    xor ecx, ecx
    db 0x41                         ; inc ecx here; a REX prefix in 64-bit mode
    loop compat_exit
    mov ebx, 1
    push dword 0x10                 ; back to CODE_64
    push dword long64
    retf
BITS 64
long64:
    push qword 0x40                 ; CODE_16: 16-bit operand size
    push qword code16
    o64 retf
BITS 16
code16:
    mov eax, esp
    sub eax, 2
    push word 0
    cmp eax, esp                    ; the push must have been 2 bytes
    jne code16_skip
    mov ecx, 2
code16_skip:
    pop ax
    push word 0x10
    push word long64_done
    retf
BITS 64
long64_done:
    mov eax, 0x18
    mov ds, eax
    mov es, eax
    mov fs, eax
    mov gs, eax
    mov ss, eax
compat_exit:
    ${EXIT_STORE}`));
    await enterAndCleanExit(g);
    const s = readState(g);
    expect(s.rbx).toBe(1n);
    expect(s.rcx).toBe(2n);
  });

  it("VcpuSyscall", async () => {
    const g = newGuest(guestCode(`
    ${initInterruptHandling()}
    mov ecx, 0xC0000081             ; IA32_STAR: SYSRET base 0x20, SYSCALL CS 0x10
    xor eax, eax
    mov edx, 0x00200010
    wrmsr
    mov ecx, 0xC0000082             ; IA32_LSTAR
    mov eax, done
    xor edx, edx
    wrmsr
    pushfq
    pop r11
    mov rcx, ring3
    o64 sysret
ring3:
    syscall
done:
    ${EXIT_STORE}`));
    await enterAndCleanExit(g, true);
  });

  it("VcpuSysenter", async () => {
    const g = newGuest(guestCode(`
    ${initInterruptHandling()}
    mov ecx, 0x174                  ; SYSENTER_CS
    xor edx, edx
    mov eax, 0x10
    wrmsr
    mov ecx, 0x175                  ; SYSENTER_ESP
    mov eax, esp
    wrmsr
    mov ecx, 0x176                  ; SYSENTER_EIP
    mov eax, done
    wrmsr
    mov rdx, ring3
    mov rcx, rsp
    o64 sysexit                     ; 64-bit ring 3: CS 0x30|3, SS 0x38|3
ring3:
    sysenter
done:
    ${EXIT_STORE}`));
    await enterAndCleanExit(g, true);
  });

  it("VcpuSysenterCompat", async () => {
    const g = newGuest(guestCode(`
    ${initInterruptHandling()}
    mov ecx, 0x174
    xor edx, edx
    mov eax, 0x10
    wrmsr
    mov ecx, 0x175
    mov eax, esp
    wrmsr
    mov ecx, 0x176
    mov eax, done
    wrmsr
    mov edx, ring3
    mov ecx, esp
    sysexit                         ; 32-bit compatibility ring 3: CS 0x20|3, SS 0x28|3
BITS 32
ring3:
    sysenter
BITS 64
done:
    ${EXIT_STORE}`));
    await enterAndCleanExit(g, true);
  });

  it("VcpuVmcallInvalidNumber", async () => {
    const g = newGuest(guestCode(`
    mov rax, 0xFFFFFFFF
    vmcall
    ${EXIT_STORE}`));
    await enterAndCleanExit(g);
    expect(readState(g).rax).toBe(0xfffffffffffffc18n);
  });

  it("VcpuVmcallInvalidCpl", async () => {
    const g = newGuest(guestCode(`
    ${initInterruptHandling()}
    mov ecx, 0xC0000081             ; IA32_STAR: SYSRET base 0x30
    xor eax, eax
    mov edx, 0x00300010
    wrmsr
    pushfq
    mov rcx, ring3
    o64 sysret                      ; RFLAGS <- R11
ring3:
    mov rax, 0xFFFFFFFF
    vmcall
    ${EXIT_STORE}`));
    await enterAndCleanExit(g, true);
    expect(readState(g).rax).toBe(0xffffffffffffffffn);
  });

  it("VcpuExtendedRegisters", async () => {
    const g = newGuest(guestCode(`
    mov rax, cr4
    or rax, 0x200                   ; CR4.OSFXSR
    mov cr4, rax
    movdqu xmm0, [xmm_data]
    ${EXIT_STORE}
    movq rax, xmm0
    movhlps xmm0, xmm0
    movq rbx, xmm0
    ${EXIT_STORE}
    mov rax, cr4
    and rax, ~0x200
    mov cr4, rax
    ${EXIT_STORE}
    ${EXIT_STORE}
align 16
xmm_data:
    dd 0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210`));
    await enterAndCleanExit(g);
    // Upstream then clobbers the host's xmm0 and checks it survives the next entry: the host side of
    // this model has no XMM state to leak into, so only the guest side is checked.
    await enterAndCleanExit(g);
    const s = readState(g);
    expect(s.rax).toBe(0x89abcdef01234567n);
    expect(s.rbx).toBe(0x76543210fedcba98n);
    await enterAndCleanExit(g);
    await enterAndCleanExit(g);
  });

  it("VcpuWriteStateIoInvalidSize", () => {
    const g = newGuest(null);
    for (const size of [1, 2, 4]) {
      expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_IO, encodeVcpuIo({ access_size: size }))).toBe(ZX_OK);
    }
    for (const size of [0, 3, 5, 255]) {
      expect(g.thread.zx_vcpu_write_state(g.vcpu, ZX_VCPU_IO, encodeVcpuIo({ access_size: size }))).toBe(ZX_ERR_INVALID_ARGS);
    }
  });

  it("GuestSetTrapWithIo", async () => {
    const g = newGuest(guestCode(`
    out ${TRAP_PORT}, al
    ${EXIT_STORE}`));
    expect(g.thread.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, ZX_HANDLE_INVALID, kTrapKey)).toBe(ZX_OK);
    const r = await g.thread.zx_vcpu_resume(g.vcpu);
    expect(r.status).toBe(ZX_OK);
    expect(r.packet.key).toBe(BigInt(kTrapKey));
    expect(r.packet.type).toBe(ZX_PKT_TYPE_GUEST_IO);
    expect(r.packet.guest_io).toMatchObject({ port: TRAP_PORT, access_size: 1, input: false, u8: 0 });
    await enterAndCleanExit(g);
  });

  it("CpuidFeatures", async () => {
    const ecxSet = (1 << 21) | (1 << 24) | (1 << 31);
    const ecxClear = (1 << 5) | (1 << 15) | (1 << 3) | (1 << 8);
    const edxSet = 1 << 11;
    const edxClear = (1 << 29) | (1 << 22);
    const g = newGuest(guestCode(`
    mov eax, 1
    cpuid
    mov eax, ecx
    and eax, ${ecxSet >>> 0}
    cmp eax, ${ecxSet >>> 0}
    jne fail
    test ecx, ${ecxClear}
    jnz fail
    test edx, ${edxSet}
    jz fail
    test edx, ${edxClear}
    jnz fail
    ${EXIT_STORE}
fail:
    mov qword [${EXIT_TEST_FAILURE_ADDR}], 0`));
    await enterAndCleanExit(g);
  });
});
