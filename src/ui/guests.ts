/**
 * The guests bundled with the playground (public/guests/, built from guests/*.asm) that the toolbar
 * offers. The worker fetches them by file name; anything else comes from "Open image…".
 */
import { DEFAULT_GUEST, GUEST_FILE_NAME } from "../../workers/api";

export interface BundledGuest {
  file: string;
  title: string;
}

export const BUNDLED_GUESTS: readonly BundledGuest[] = [
  { file: "hello.elf", title: "hello — greets on debugcon and COM1, then exits" },
  { file: "hello-aout.bin", title: "hello-aout — the same guest as a flat a.out-kludge Multiboot kernel" },
  { file: "echo.elf", title: "echo — interrupt-driven COM1 echo (type in the console; q quits)" },
  { file: "mbinfo.elf", title: "mbinfo — prints the Multiboot information" },
  { file: "c-system.elf", title: "c-system — C: GDT/IDT/TSS, exceptions with error codes, paging faults, ring 3" },
  { file: "c-torture-64.elf", title: "c-torture-64 — C compiled for x86-64, entered through a long-mode switch" },
  { file: "x87.elf", title: "x87 — the FPU's special values, rounding modes and environment images" },
  { file: "bench-int.elf", title: "bench-int — compute-bound integer benchmark (~10⁹ instructions)" },
];

/** The guest to boot first: `?guest=<file>` when it names a bundled-guest file, else the default. */
export function initialGuest(search: string): string {
  const requested = new URLSearchParams(search).get("guest");
  return requested && GUEST_FILE_NAME.test(requested) ? requested : DEFAULT_GUEST;
}
