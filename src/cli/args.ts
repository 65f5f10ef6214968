/**
 * Command-line parsing for `hvplay` (ARCHITECTURE.md "The CLI"). Pure: argv in, a command or a
 * usage error out, so it is tested without spawning anything.
 */

/** Exit statuses of `hvplay run` other than the guest's own (documented in --help). */
export const EXIT_OK = 0;
export const EXIT_USAGE = 2; // bad arguments, unreadable or invalid image, machine refused
export const EXIT_ZX_ERROR = 3; // zx_vcpu_resume failed with an unrecoverable status (a triple fault: ZX_ERR_NOT_SUPPORTED)
export const EXIT_LIMIT = 4; // --max-instructions reached
export const EXIT_INTERRUPTED = 130; // Ctrl-A x, or SIGINT/SIGTERM when stdin is not a terminal

export const HELP = `hvplay — run an x86 guest headless through the Hypervisor Playground's VMM
(Zircon's hypervisor syscalls over the playground's x86 emulator; the browser runs the same VMM).

Usage:
  hvplay run IMAGE [options]     boot IMAGE and run it
  hvplay asm IN.asm -o OUT.bin   assemble NASM source with the playground's assembler
  hvplay --help | hvplay run --help | hvplay asm --help

Run options:
  --boot KIND              how to start IMAGE (default multiboot):
                             multiboot  a Multiboot v1 kernel, ELF32 or a.out kludge, entered as QEMU's
                                        -kernel enters it (32-bit protected mode, flat segments, paging
                                        off, EAX = 0x2BADB002, EBX = the Multiboot information)
                             flat       raw bytes at --load, started at --entry in --mode
                             elf        an ELF32 executable (started in 32-bit protected mode, flat
                                        segments, paging off) or ELF64 (started in 64-bit long mode on
                                        identity page tables for the first 4 GiB at 0x0-0x1fff);
                                        segments go to their physical addresses
                             linux      a bzImage by the Linux boot protocol's 64-bit entry (protocol
                                        2.12+), or the uncompressed vmlinux (ELF64: segments at their
                                        physical addresses, entered at e_entry): boot_params with the
                                        command line, --initrd, an E820 map and a 32-byte RNG seed
                                        (setup_data SETUP_RNG_SEED, from zx_cprng_draw), identity page
                                        tables, RSI = boot_params, ACPI tables at 0xE0000 (RSDP, XSDT,
                                        FADT, MADT)
  --mode real|protected|long
                           flat only (default real). real: CS:IP from --entry (0x7c00 → 0000:7C00),
                           DS = ES = SS = 0, SP = --load, DL = 0x80, no BIOS. protected: flat code
                           0x08 / data 0x10, paging off. long: Zircon's 64-bit boot state with the
                           identity page tables above.
  --load ADDR              flat only: where the image goes (default 0x7c00 in real mode, else 0x100000).
  --entry ADDR             flat only: where it starts (default: --load).
  --cmdline TEXT           the kernel command line. Multiboot: the guest sees "IMAGE TEXT", as under
                           QEMU (-append). Linux: as given (e.g. "console=ttyS0").
  --initrd FILE            linux: the initial RAM disk, placed at the top of guest RAM. multiboot:
                           modules as QEMU's -initrd takes them, "file args,file2" (",," for a
                           comma); each module's string is its entry as given.
  --mem MIB                guest RAM in MiB, 2..2048 (default 128).
  --clock deterministic|realtime
                           device and guest time (default deterministic): 1 ns per instruction
                           retired, so every run of a guest sees the same times at the same
                           instructions, and zx_cprng_draw (a Linux guest's RNG seed) gives the
                           same bytes; realtime follows the host's clock and its random numbers.
  --trap KIND:ADDR:SIZE:KEY
                           add a trap with zx_guest_set_trap after the VMM's own (repeatable), as the
                           browser's Address space panel and share links do. KIND is mem (reads
                           return all ones, writes are dropped) or bell (writes are doorbells, the
                           guest goes on); ADDR and SIZE page-aligned; KEY the packet key. Each access
                           is a VM exit (--stats counts them). A trap over RAM hides that RAM, as in
                           Zircon. No io: the VMM traps every port itself. A refused trap is exit 2.
  --max-instructions N     stop after N instructions (exit status 4).
  --stats                  print instructions retired, exits by kind and MIPS to stderr.
  --exit-hash              print a fingerprint of the run's VM exits to stderr (FNV-1a over the
                           fields of every exit record, as the browser's exit log shows them): a
                           guest gives the same one in every run, here and in the browser.
ADDR and N take decimal or 0x-prefixed hexadecimal.

The machine (as QEMU's PC after SeaBIOS, so QEMU can serve as the oracle):
  port 0xE9   debug console → stdout          port 0xF4  exit device: writing v ends the run
  COM1 0x3F8  16550A UART, IRQ 4: TX → stdout,            with exit status (v << 1) | 1
              stdin → RX (COM2-4 exist, output discarded)
  0x20/0xA0   8259A pair (IRQ 0 → vector 8)   0x40-0x43  8254 PIT (counter 0 at 18.2 Hz)
  0x60/0x64   i8042                           0x70/0x71  MC146818 RTC/CMOS
  0x61, 0x92  system control ports B and A    0xFEC00000 IO-APIC
  0xFEB00000  the playground's mailbox device (MMIO registers; a doorbell page at 0xFEB01000)
  0x1000, 0x2000  ACPI PM1 event and control blocks (named by the FADT of a Linux boot)
  every other port reads as all ones and ignores writes.
When stdin is a terminal it is put in raw mode; type Ctrl-A then x to quit.

Exit status:
  (v << 1) | 1   the guest wrote v to port 0xF4 (low 8 bits, as the shell sees it)
  0              --help; or the guest reset the machine (a line on stderr says so)
  2              usage error, unreadable or invalid image (one line on stderr), option not supported yet
  3              the VCPU stopped with an unrecoverable status (message on stderr), e.g. a triple fault
  4              --max-instructions reached
  130            interrupted (Ctrl-A x, SIGINT)
Statuses 3 and 130 cannot be told apart from exit-device values 1 and 64 by the number alone;
the message on stderr says which it was.
`;

export interface RunCommand {
  command: "run";
  image: string;
  boot: "multiboot" | "flat" | "elf" | "linux";
  initrd?: string;
  clock?: "deterministic" | "realtime";
  mode?: "real" | "protected" | "long";
  load?: number;
  entry?: number;
  cmdline?: string;
  memoryMiB?: number;
  maxInstructions?: number;
  /** --trap, in order (set after the VMM's own traps: src/vmm's UserTrap). */
  traps?: CliTrap[];
  stats: boolean;
  /** --exit-hash: print the fingerprint of the run's VM exits (src/vmm/exit-hash.ts). */
  exitHash?: boolean;
}

/** A --trap: src/vmm's UserTrap (kept apart so parsing needs no VMM import). */
export interface CliTrap {
  kind: "mem" | "bell";
  addr: number;
  size: number;
  key: bigint;
}

/** `KIND:ADDR:SIZE:KEY` (numbers in decimal or 0x hex), or what is wrong with it. */
export function parseTrap(text: string | undefined): CliTrap | string {
  if (text === undefined) return "--trap needs KIND:ADDR:SIZE:KEY (e.g. mem:0xd0000000:0x1000:7)";
  const parts = text.split(":");
  if (parts.length !== 4) return `--trap must be KIND:ADDR:SIZE:KEY, e.g. mem:0xd0000000:0x1000:7 (got "${text}")`;
  const [kind, addr, size, key] = parts;
  if (kind === "io") return "--trap io is not possible: the VMM traps every I/O port itself, and Zircon cannot remove a trap; use mem or bell";
  if (kind !== "mem" && kind !== "bell") return `--trap KIND must be mem or bell (got "${kind}")`;
  const a = parseCount("--trap ADDR", addr, 0, 2 ** 48 - 1);
  if (typeof a === "string") return a;
  const n = parseCount("--trap SIZE", size, 1, 2 ** 48);
  if (typeof n === "string") return n;
  if (!/^(0x[0-9a-f]{1,16}|[0-9]{1,20})$/i.test(key) || BigInt(key) >= 1n << 64n) return `--trap KEY must be a 64-bit unsigned number (got "${key}")`;
  return { kind, addr: a, size: n, key: BigInt(key) };
}
/** `hvplay asm IN.asm [-o OUT.bin] [-I DIR]... [-l LISTING] [--bits 16|32|64]`. */
export interface AsmCommand {
  command: "asm";
  input: string;
  /** Default: IN with its extension replaced by .bin. */
  output: string;
  includeDirs: string[];
  listing?: string;
  bits?: 16 | 32 | 64;
}
export type Command = RunCommand | AsmCommand | { command: "help" } | { command: "asm-help" };
/** A usage error: message for stderr and the status to exit with. */
export interface UsageError {
  error: string;
  status: number;
}

function parseCount(flag: string, text: string | undefined, min: number, max: number): number | string {
  if (text === undefined) return `${flag} needs a value`;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `${flag} must be a whole number from ${min} to ${max} (got "${text}")`;
  return n;
}

export function parseArgs(argv: string[]): Command | UsageError {
  const usage = (error: string): UsageError => ({ error, status: EXIT_USAGE });
  if (argv.length === 0) return usage("missing command (try hvplay --help)");
  const [cmd, ...rest] = argv;
  if (cmd === "--help" || cmd === "-h" || cmd === "help") return { command: "help" };
  if (cmd === "asm") return parseAsmArgs(rest);
  if (cmd !== "run") return usage(`unknown command "${cmd}" (try hvplay --help)`);

  const run: RunCommand = { command: "run", image: "", boot: "multiboot", stats: false };
  let image: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => rest[++i];
    switch (a) {
      case "--help":
      case "-h":
        return { command: "help" };
      case "--boot": {
        const kind = value();
        if (kind === "multiboot" || kind === "flat" || kind === "elf" || kind === "linux") {
          run.boot = kind;
          break;
        }
        return usage(`--boot must be multiboot, flat, elf or linux (got "${kind ?? ""}")`);
      }
      case "--mode": {
        const mode = value();
        if (mode !== "real" && mode !== "protected" && mode !== "long") return usage(`--mode must be real, protected or long (got "${mode ?? ""}")`);
        run.mode = mode;
        break;
      }
      case "--load":
      case "--entry": {
        const n = parseCount(a, value(), 0, 0xffffffff);
        if (typeof n === "string") return usage(n);
        if (a === "--load") run.load = n;
        else run.entry = n;
        break;
      }
      case "--clock": {
        const c = value();
        if (c !== "deterministic" && c !== "realtime") return usage(`--clock must be deterministic or realtime (got "${c ?? ""}")`);
        run.clock = c;
        break;
      }
      case "--initrd": {
        const file = value();
        if (file === undefined) return usage("--initrd needs a file");
        run.initrd = file;
        break;
      }
      case "--cmdline": {
        const text = value();
        if (text === undefined) return usage("--cmdline needs a value");
        run.cmdline = text;
        break;
      }
      case "--mem": {
        const n = parseCount("--mem", value(), 2, 2048);
        if (typeof n === "string") return usage(n);
        run.memoryMiB = n;
        break;
      }
      case "--max-instructions": {
        const n = parseCount("--max-instructions", value(), 1, Number.MAX_SAFE_INTEGER);
        if (typeof n === "string") return usage(n);
        run.maxInstructions = n;
        break;
      }
      case "--trap": {
        const trap = parseTrap(value());
        if (typeof trap === "string") return usage(trap);
        (run.traps ??= []).push(trap);
        break;
      }
      case "--stats":
        run.stats = true;
        break;
      case "--exit-hash":
        run.exitHash = true;
        break;
      default:
        if (a.startsWith("-")) return usage(`unknown option ${a} (try hvplay run --help)`);
        if (image !== undefined) return usage(`more than one IMAGE ("${image}", "${a}")`);
        image = a;
    }
  }
  if (image === undefined) return usage("missing IMAGE (try hvplay run --help)");
  if (run.boot !== "flat") {
    for (const [flag, v] of [["--mode", run.mode], ["--load", run.load], ["--entry", run.entry]] as const) {
      if (v !== undefined) return usage(`${flag} belongs to --boot flat (this is --boot ${run.boot})`);
    }
  }
  if (run.cmdline !== undefined && run.boot !== "multiboot" && run.boot !== "linux") return usage(`--cmdline belongs to --boot multiboot or linux (this is --boot ${run.boot})`);
  if (run.initrd !== undefined && run.boot !== "linux" && run.boot !== "multiboot") return usage(`--initrd belongs to --boot linux or multiboot (this is --boot ${run.boot})`);
  run.image = image;
  return run;
}

/**
 * QEMU's Multiboot -initrd list: entries separated by ",", a literal comma written ",,"; in each entry
 * the file name ends at the first space and the whole entry is the module's string.
 */
export function parseModuleList(spec: string): Array<{ file: string; string: string }> {
  const entries: string[] = [];
  let cur = "";
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === ",") {
      if (spec[i + 1] === ",") {
        cur += ",";
        i++;
        continue;
      }
      entries.push(cur);
      cur = "";
    } else cur += spec[i];
  }
  entries.push(cur);
  return entries.map((e) => ({ file: e.split(" ")[0], string: e }));
}

export const ASM_HELP = `hvplay asm — assemble NASM source with the playground's assembler (src/asm), which gives
the same bytes as \`nasm -f bin\` for everything it accepts.

Usage:
  hvplay asm IN.asm [-o OUT.bin] [-I DIR]... [-l LISTING] [--bits 16|32|64]

  -o OUT.bin     where the flat binary goes (default: IN with .bin for its extension)
  -I DIR         also look for %include and INCBIN files in DIR (NASM's -I; repeatable). Files are
                 looked up next to IN first, then in the current directory, then in each DIR.
  -l LISTING     write a listing: line, address, bytes and source text for each line
  --bits N       the BITS to start with (default 16, as nasm -f bin)

Exit status: 0 when it assembled (warnings go to stderr as FILE:LINE: warning: ...);
2 for errors, each on stderr as FILE:LINE: MESSAGE, or a usage error.
`;

/** Parses the arguments after `hvplay asm`. */
export function parseAsmArgs(rest: string[]): AsmCommand | UsageError | { command: "asm-help" } {
  const usage = (error: string): UsageError => ({ error, status: EXIT_USAGE });
  let input: string | undefined;
  let output: string | undefined;
  let listing: string | undefined;
  let bits: 16 | 32 | 64 | undefined;
  const includeDirs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => rest[++i];
    if (a === "--help" || a === "-h") return { command: "asm-help" };
    if (a === "-o" || a === "-l" || a === "-I") {
      const v = value();
      if (v === undefined) return usage(`${a} needs a value`);
      if (a === "-o") output = v;
      else if (a === "-l") listing = v;
      else includeDirs.push(v);
    } else if (a.startsWith("-I") && a.length > 2) includeDirs.push(a.slice(2));
    else if (a === "--bits") {
      const v = value();
      if (v !== "16" && v !== "32" && v !== "64") return usage(`--bits must be 16, 32 or 64 (got "${v ?? ""}")`);
      bits = Number(v) as 16 | 32 | 64;
    } else if (a.startsWith("-") && a !== "-") return usage(`unknown option ${a} (try hvplay asm --help)`);
    else if (input !== undefined) return usage(`more than one input file ("${input}", "${a}")`);
    else input = a;
  }
  if (input === undefined) return usage("missing IN.asm (try hvplay asm --help)");
  return { command: "asm", input, output: output ?? input.replace(/\.[^./\\]*$/, "") + ".bin", includeDirs, listing, bits };
}
