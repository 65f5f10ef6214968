/**
 * The harness of Zircon's hypervisor tests (zircon-hypervisor.md §6.0; upstream
 * `src/virtualization/tests/hypervisor/{main.cc,constants.h,arch/x64/arch.cc,arch/x64/guest_code.S}`
 * and E2 `zircon/system/utest/hypervisor/guest.cpp`), ported to the playground's binding.
 * Guest programs are NASM (BITS 64, ORG 0x2000) assembled by the real nasm, the oracle assembler.
 */
import { expect } from "vitest";
import { nasm } from "../../testing/nasm";
import {
  createKernel,
  decodeVcpuState,
  ZX_GUEST_TRAP_MEM,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_VCPU_STATE,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
  statusName,
  type Kernel,
  type Process,
  type Thread,
} from "../index";

// constants.h (x64)
export const VMO_SIZE = 0x1000000;
export const TRAP_PORT = 0x11;
export const TRAP_ADDR = VMO_SIZE - 2 * 4096;
export const EXIT_TEST_ADDR = VMO_SIZE - 4096;
export const EXIT_TEST_FAILURE_ADDR = EXIT_TEST_ADDR + 8;
export const GUEST_ENTRY = 0x2000;
export const INT_IPI_VECTOR = 0x66;
export const kTrapKey = 0x1234;
export const kInterruptVector = 32;
export const kNmiVector = 2;
export const kGpFaultVector = 13;
export const kExceptionVector = 16;
export const kGuestMapFlags = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE | ZX_VM_SPECIFIC;
export const kHostMapFlags = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
export const X86_CR0_NE = 0x20;
export const X86_CR0_NW = 0x20000000;
export const X86_CR0_CD = 0x40000000;

/** `movq $0, (EXIT_TEST_ADDR)`: 48 C7 04 25 00 F0 FF 00 00 00 00 00 (12 bytes). */
export const EXIT_STORE = "mov qword [0xFFF000], 0";

/** init_gdt: a 9-entry GDT in the code, lgdt, rsp = 0x3000, jump over the table. CS/DS not reloaded. */
export function initGdt(): string {
  return `
    lgdt [gdtr]
    mov rsp, 0x3000
    jmp gdt_done
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF   ; 0x08 CODE_32: 0x9A, G|D
    dq 0x00AF9A000000FFFF   ; 0x10 CODE_64: 0x9A, G|L
    dq 0x00CF92000000FFFF   ; 0x18 DATA: 0x92, G|B
    dq 0x00CFFA000000FFFF   ; 0x20 USER_CODE_32
    dq 0x00CFF2000000FFFF   ; 0x28 USER_DATA
    dq 0x00AFFA000000FFFF   ; 0x30 USER_CODE_64
    dq 0x00CFF2000000FFFF   ; 0x38 USER_DATA (for SYSEXIT)
    dq 0x008F9A000000FFFF   ; 0x40 CODE_16: G only
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dq gdt
gdt_done:
`;
}

/**
 * init_interrupt_handling: init_gdt, then a 33-entry IDT (64-bit interrupt gates, selector 0x10, DPL 0)
 * whose handler n is `mov rax, n` + the exit store, back to back without iretq.
 */
export function initInterruptHandling(): string {
  let idt = "";
  let stubs = "";
  for (let n = 0; n <= 32; n++) {
    const off = `(isr_${n} - $$ + ${GUEST_ENTRY})`;
    idt += `    dw ${off} & 0xFFFF\n    dw 0x10\n    db 0, 0x8E\n    dw (${off} >> 16) & 0xFFFF\n    dd 0\n    dd 0\n`;
    stubs += `isr_${n}:\n    mov rax, ${n}\n    ${EXIT_STORE}\n`;
  }
  return `${initGdt()}
    lidt [idtr]
    mov rsp, 0x3000
    jmp idt_done
align 16
idt:
${idt}idt_end:
idtr:
    dw idt_end - idt - 1
    dq idt
${stubs}idt_done:
`;
}

/** Assemble a guest program that starts at GUEST_ENTRY in 64-bit mode. */
export function guestCode(body: string): Uint8Array {
  return nasm(`BITS 64\nORG ${GUEST_ENTRY}\n${body}\n`);
}

export interface TestGuest {
  kernel: Kernel;
  proc: Process;
  /** The thread that created the VCPU (and owns it). */
  thread: Thread;
  vmo: number;
  guest: number;
  vmar: number;
  vcpu: number;
  /** Address of the guest RAM in the test process (kHostMapFlags). */
  hostAddr: bigint;
  ram: Uint8Array;
  /** Close every handle SetupGuest made (the test's scope ending). */
  close(): void;
}

/** SetupGuest (§6.0). `code` = null skips copying guest code, as upstream does. */
export function setupGuest(thread: Thread, proc: Process, code: Uint8Array | null, kernel: Kernel): TestGuest {
  const t = thread;
  const vmoResult = t.zx_vmo_create(VMO_SIZE, 0);
  expect(vmoResult.status).toBe(ZX_OK);
  const map = t.zx_vmar_map(proc.rootVmar, kHostMapFlags, 0, vmoResult.out, 0, VMO_SIZE);
  expect(map.status).toBe(ZX_OK);
  // E2: the invalid (empty) VMEX resource.
  const exec = t.zx_vmo_replace_as_executable(vmoResult.out, ZX_HANDLE_INVALID);
  expect(exec.status).toBe(ZX_OK);
  const vmo = exec.out;
  const created = t.zx_guest_create(proc.hypervisorResource, 0);
  expect(created.status).toBe(ZX_OK);
  const { guest_handle: guest, vmar_handle: vmar } = created;
  expect(t.zx_vmar_map(vmar, kGuestMapFlags, 0, vmo, 0, VMO_SIZE)).toEqual({ status: ZX_OK, mapped_addr: 0n });
  expect(t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_MEM, EXIT_TEST_ADDR, 4096, ZX_HANDLE_INVALID, 0)).toBe(ZX_OK);
  const ram = proc.view(map.mapped_addr, VMO_SIZE)!;
  expect(ram).not.toBeNull();
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  dv.setBigUint64(0, 0x1007n, true); // PML4[0] → PDPT at 0x1000, P|RW|U
  dv.setBigUint64(0x1000, 0x87n, true); // PDPT[0] → 1 GiB page at 0, P|RW|U|PS
  if (code) ram.set(code, GUEST_ENTRY);
  const vcpuResult = t.zx_vcpu_create(guest, 0, GUEST_ENTRY);
  expect(vcpuResult.status).toBe(ZX_OK);
  const vcpu = vcpuResult.out;
  return {
    kernel, proc, thread: t, vmo, guest, vmar, vcpu, hostAddr: map.mapped_addr, ram,
    close() {
      for (const h of [vcpu, guest, vmar, vmo]) t.zx_handle_close(h);
      t.zx_vmar_unmap(proc.rootVmar, map.mapped_addr, VMO_SIZE);
    },
  };
}

/** A fresh kernel + process + SetupGuest on the main thread. */
export function newGuest(code: Uint8Array | null): TestGuest {
  const kernel = createKernel();
  const proc = kernel.createProcess();
  return setupGuest(proc.mainThread, proc, code, kernel);
}

export function readState(g: TestGuest) {
  const buf = new Uint8Array(136);
  expect(g.thread.zx_vcpu_read_state(g.vcpu, ZX_VCPU_STATE, buf)).toBe(ZX_OK);
  return decodeVcpuState(buf);
}

/**
 * EnterAndCleanExit (E2 resume_and_clean_exit): resume returns ZX_OK with a MEM packet at
 * EXIT_TEST_ADDR and default_operand_size 4; with interruptsEnabled, the exit must come from the
 * 12-byte exit store (inst_len == 12, imm32 bytes zero), else it was an unexpected exception.
 */
export async function enterAndCleanExit(g: TestGuest, interruptsEnabled = false): Promise<void> {
  const r = await g.thread.zx_vcpu_resume(g.vcpu);
  expect(statusName(r.status)).toBe("ZX_OK");
  expect(r.packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
  expect(r.packet.guest_mem!.addr).toBe(BigInt(EXIT_TEST_ADDR));
  expect(r.packet.guest_mem!.default_operand_size).toBe(4);
  if (interruptsEnabled) {
    const mem = r.packet.guest_mem!;
    if (mem.inst_len !== 12 || mem.inst_buf.subarray(8, 12).some((b) => b !== 0)) {
      const s = readState(g);
      throw new Error(`unexpected exception: vector ${s.rax}, error code ${s.rbx}, rip 0x${s.rcx.toString(16)}`);
    }
  }
}

/** Let other tasks run (another "thread" gets the CPU). */
export const otherTasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
