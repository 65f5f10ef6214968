/**
 * The guests bundled with the playground (public/guests/, built from guests/*.asm and guests/c/) that
 * the toolbar offers: first the gallery — each a lesson about hypervisors and x86, with its source
 * in guests/ and a header comment saying what to look at — then the test kernels. The worker fetches
 * them by file name and boots them the way `boot` says; anything else comes from "Open image…".
 */
import { DEFAULT_GUEST, GUEST_FILE_NAME, LINUX_BUILD_COMMAND, LINUX_GUEST, type GuestBoot } from "../../workers/api";

export interface BundledGuest {
  file: string;
  /** How the worker boots it: the same as `hvplay run public/guests/<file>` (+ guests/expected/<name>.args). */
  boot: GuestBoot;
  /** One line: the lesson. */
  title: string;
  /** What the guest shows and what to watch while it runs (exit log, registers, console). */
  description: string;
  /** A gallery lesson (true) or a test kernel (false). */
  lesson: boolean;
}

const MULTIBOOT: GuestBoot = { boot: "multiboot" };
/** A boot sector: a flat image started in real mode at 0000:7C00 (`--boot flat`). */
const BOOT_SECTOR: GuestBoot = { boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 };

export const BUNDLED_GUESTS: readonly BundledGuest[] = [
  {
    file: "monitor.elf", boot: MULTIBOOT, lesson: true,
    title: "monitor — an interactive monitor on COM1: help, md, regs, cpuid, ticks, exit",
    description: "A tiny operating system you talk to through the emulated 16550 UART: type help in the console. " +
      "Typing raises IRQ 4 through the 8259A and the VMM injects it; regs shows the CPU's state, cpuid what the " +
      "hypervisor answers, ticks counts 8254 PIT interrupts, md feb00000 10 reads the mailbox device by MMIO exits. " +
      "While it waits for a key the exit log stays quiet: HLT sleeps in the kernel.",
  },
  {
    file: "hello.elf", boot: MULTIBOOT, lesson: true,
    title: "hello — hello world on the debug console and COM1, then the exit device",
    description: "The smallest guest: each character is an OUT to port 0xE9 or 0x3F8, one IO exit each in the exit log, " +
      "and the run ends with an OUT to 0xF4 (QEMU's isa-debug-exit: status 1).",
  },
  {
    file: "echo.elf", boot: MULTIBOOT, lesson: true,
    title: "echo — serial echo with interrupts (type in the console; q quits)",
    description: "The UART's receive interrupt through the 8259A: the guest sleeps in HLT, each key you type becomes " +
      "IRQ 4 → vector 0x24, and the handler echoes it upper-cased.",
  },
  {
    file: "ticks.elf", boot: MULTIBOOT, lesson: true,
    title: "ticks — the 8254 PIT's timer interrupts at 100 Hz through the 8259A",
    description: "Programs counter 0 in mode 2 (1193182 Hz / 11932), unmasks IRQ 0 and counts ten ticks in HLT, " +
      "printing the time each stands for. The exit log shows the PIT's programming, then one EOI per tick.",
  },
  {
    file: "mmio.elf", boot: MULTIBOOT, lesson: true,
    title: "mmio — device registers the VMM decodes (a MEM trap)",
    description: "Reads and writes the mailbox device at 0xFEB00000 with MOV, MOVZX, MOVSX, TEST, OR/AND/XOR and STOS. " +
      "Every access is an exit whose instruction bytes the VMM decodes and emulates: one \"mem\" line per access in the exit log.",
  },
  {
    file: "doorbell.elf", boot: MULTIBOOT, lesson: true,
    title: "doorbell — a BELL trap: notify the VMM without stopping the VCPU",
    description: "Writes a message to RAM, points the mailbox at it and rings the doorbell page at 0xFEB01000: the kernel " +
      "queues a packet on the VMM's port and the guest computes on. It polls RINGS before reusing the buffer.",
  },
  {
    file: "journey-boot.bin", boot: BOOT_SECTOR, lesson: true,
    title: "journey — a boot sector's way from real mode to protected mode to long mode",
    description: "512 bytes started at 0000:7C00 in real mode: a GDT and CR0.PE, then PAE paging, EFER.LME and CR0.PG, " +
      "printing CR0 and EFER at each stage. Step through it and watch CR0, EFER and CS change in the registers panel.",
  },
  {
    file: "paging-demo.elf", boot: MULTIBOOT, lesson: true,
    title: "paging-demo — 32-bit paging: an alias, A/D bits, page faults mapped on demand",
    description: "Identity-maps the low 4 MiB, maps one page at two addresses, then takes a not-present and a " +
      "write-protect #PF, printing CR2 and the error code in words. None of it reaches the VMM: the exit log shows only console writes.",
  },
  {
    file: "hello-aout.bin", boot: MULTIBOOT, lesson: false,
    title: "hello-aout — hello as a flat a.out-kludge Multiboot kernel",
    description: "The same guest as hello.elf; the loader takes its addresses from the Multiboot header instead of ELF headers.",
  },
  {
    file: "mbinfo.elf", boot: MULTIBOOT, lesson: false,
    title: "mbinfo — prints the Multiboot information",
    description: "Flags, memory sizes, command line and the memory map the loader passed, exactly as QEMU's -kernel gives them.",
  },
  {
    file: "c-system.elf", boot: MULTIBOOT, lesson: false,
    title: "c-system — C: GDT/IDT/TSS, exceptions with error codes, paging faults, ring 3",
    description: "A C kernel checking protected-mode system behaviour against QEMU's answers.",
  },
  {
    file: "c-torture-64.elf", boot: MULTIBOOT, lesson: false,
    title: "c-torture-64 — C compiled for x86-64, entered through a long-mode switch",
    description: "Compiler-generated 64-bit integer code in bulk, hashed per section.",
  },
  {
    file: "x87.elf", boot: MULTIBOOT, lesson: false,
    title: "x87 — the FPU's special values, rounding modes and environment images",
    description: "The x87 differential test: every result printed, compared with QEMU's.",
  },
  {
    file: "bench-int.elf", boot: MULTIBOOT, lesson: false,
    title: "bench-int — compute-bound integer benchmark (~10⁹ instructions)",
    description: "Runs long enough to try Pause (zx_vcpu_kick) and Step.",
  },
];

/**
 * The bundled Linux guest: not a file in public/guests/ but a kernel built from Debian's linux-source
 * (scripts/linux-guest.config) and a busybox initramfs that `npm run guests:linux` builds into
 * guests/linux/ (git-ignored), served
 * beside the app and fetched by the worker only when chosen (workers/linux-guest.ts).
 */
export const LINUX_BUNDLED_GUEST: BundledGuest = {
  file: LINUX_GUEST, boot: { boot: "linux" }, lesson: true,
  title: "Linux — an unmodified 6.1 kernel and a busybox shell",
  description: "An unmodified 64-bit Linux kernel (6.1, from Debian's linux-source, configured small for this machine) " +
    "booted by the Linux boot protocol through the same zx_* calls as every other guest, to a busybox shell on ttyS0: " +
    "type uname -a in the console. The boot is some tens of millions of instructions, a few seconds; its messages " +
    "appear in the console as they come. The images are not part of the playground: " +
    `build them with ${LINUX_BUILD_COMMAND} (apt-get, on a Debian-based system). You can also drop your own bzImage and initrd on the page.`,
};

/** The bundled guest called `file`, if there is one (the Linux guest by its name, LINUX_GUEST). */
export function bundledGuest(file: string): BundledGuest | undefined {
  if (file === LINUX_GUEST) return LINUX_BUNDLED_GUEST;
  return BUNDLED_GUESTS.find((g) => g.file === file);
}

/** How to boot `file`: its entry's method, Multiboot for any other bundled file (`?guest=` may name one). */
export function guestBoot(file: string): GuestBoot {
  return bundledGuest(file)?.boot ?? MULTIBOOT;
}

/** The guest to boot first: `?guest=<file>` when it names a bundled-guest file (or `linux`), else the default. */
export function initialGuest(search: string): string {
  const requested = new URLSearchParams(search).get("guest");
  return requested && (GUEST_FILE_NAME.test(requested) || requested === LINUX_GUEST) ? requested : DEFAULT_GUEST;
}
