/**
 * Test harness for the SIMD unit tests: a 64-bit guest (Zircon's long-mode start, CR4.OSFXSR |
 * OSXMMEXCPT, CR0.NE = 1) with an IDT whose handlers for #UD, #NM, #GP, #MF and #XM put the vector
 * in RBX and halt, so a test sees which exception an instruction raised.
 */
import { Runner } from "./runner";

const ENTRY = 0x2000;
/** Vectors whose handlers put their number in RBX and halt. */
const VECTORS = [6, 7, 13, 16, 19];

/**
 * 64-bit guest (CR4.OSFXSR | OSXMMEXCPT, CR0.NE = 1) whose IDT catches VECTORS: the handler for
 * VECTORS[k] sits at ENTRY + 0xC00 + 16k, puts the vector in RBX and halts. RBX = 0xFF when no
 * exception was taken. `data` follows the handlers.
 */
export function guest(src: string, data = ""): Runner {
  const handlers = VECTORS.map((v) => `align 16\nmov rbx, ${v}\nhlt`).join("\n");
  const source = `bits 64\norg ${ENTRY}\nmov rsp, 0x8000\nlidt [rel idtr]\nmov ebx, 0xff\n${src}\nhlt\ntimes 0xc00-($-$$) db 0\n${handlers}\nalign 16\nidtr: dw 16*256-1\n dq 0x5000\nalign 16\n${data}`;
  const r = new Runner().asm(source, ENTRY).long64(ENTRY);
  r.cpu.cr4 = 0x620;
  VECTORS.forEach((v, k) => {
    const target = ENTRY + 0xc00 + 16 * k;
    r.w32(0x5000 + v * 16, (0x28 << 16) | (target & 0xffff));
    r.w32(0x5000 + v * 16 + 4, (target & 0xffff0000) | 0x8e00);
  });
  return r;
}

