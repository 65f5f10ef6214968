/**
 * `hvplay`: runs a guest headless through the same VMM (src/vmm) the browser's worker runs. Guest
 * console output (debug console and COM1) goes to stdout, stdin feeds COM1, the exit device decides
 * the exit status (see HELP in args.ts for all of them).
 */
import { readFileSync } from "node:fs";
import type { BootSpec, RunOutcome } from "../vmm/api";
import type { Machine } from "../vmm/machine";
import { ASM_HELP, EXIT_INTERRUPTED, EXIT_LIMIT, EXIT_OK, EXIT_USAGE, EXIT_ZX_ERROR, HELP, parseArgs, parseModuleList, type RunCommand } from "./args";

/** Where the CLI writes; tests may substitute. */
export interface CliIo {
  stdout: NodeJS.WriteStream | { write(chunk: Uint8Array | string): boolean };
  stderr: { write(chunk: string): boolean };
  stdin: NodeJS.ReadStream | null;
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });

/** Runs the command line; resolves to the process exit status. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const cmd = parseArgs(argv);
  if ("error" in cmd) {
    io.stderr.write(`hvplay: ${cmd.error}\n`);
    return cmd.status;
  }
  if (cmd.command === "help") {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  if (cmd.command === "asm-help") {
    io.stdout.write(ASM_HELP);
    return EXIT_OK;
  }
  if (cmd.command === "asm") {
    const { runAsm } = await import("./asm");
    return runAsm(cmd, io);
  }
  return runGuest(cmd, io);
}

async function runGuest(cmd: RunCommand, io: CliIo): Promise<number> {
  let image: Uint8Array;
  try {
    image = new Uint8Array(readFileSync(cmd.image));
  } catch (e) {
    io.stderr.write(`hvplay: cannot read ${cmd.image}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return EXIT_USAGE;
  }
  let initrd: Uint8Array | undefined;
  let modules: Array<{ data: Uint8Array; string: string }> | undefined;
  if (cmd.initrd !== undefined) {
    const files = cmd.boot === "multiboot" ? parseModuleList(cmd.initrd) : [{ file: cmd.initrd, string: cmd.initrd }];
    const loaded: Array<{ data: Uint8Array; string: string }> = [];
    for (const f of files) {
      try {
        loaded.push({ data: new Uint8Array(readFileSync(f.file)), string: f.string });
      } catch (e) {
        io.stderr.write(`hvplay: cannot read ${f.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
        return EXIT_USAGE;
      }
    }
    if (cmd.boot === "multiboot") modules = loaded;
    else initrd = loaded[0].data;
  }
  // Loaded on demand, so --help and usage errors answer without building the kernel model.
  const [{ createKernel }, { Machine }, { ExitHash }] = await Promise.all([import("../zircon"), import("../vmm/machine"), import("../vmm/exit-hash")]);
  const kernel = createKernel({ clock: cmd.clock ?? "deterministic" });
  const proc = kernel.createProcess();
  const exitHash = cmd.exitHash ? new ExitHash() : null;
  const machine = Machine.create(proc, { memoryMiB: cmd.memoryMiB }, {
    console: (bytes) => io.stdout.write(bytes),
    exit: exitHash ? (record, summaryHash) => exitHash.add(record, summaryHash) : undefined,
  });
  if (typeof machine === "string") {
    io.stderr.write(`hvplay: ${machine}\n`);
    return EXIT_USAGE;
  }
  const spec: BootSpec =
    cmd.boot === "flat" ? { boot: "flat", image, mode: cmd.mode, load: cmd.load, entry: cmd.entry }
    : cmd.boot === "elf" ? { boot: "elf", image }
    : cmd.boot === "linux" ? { boot: "linux", image, initrd, cmdline: cmd.cmdline }
    : { boot: "multiboot", image, cmdline: cmd.cmdline, imageName: cmd.image, modules };
  const loadError = machine.load(spec);
  if (loadError) {
    io.stderr.write(`hvplay: ${cmd.image}: ${loadError}\n`);
    machine.dispose();
    return EXIT_USAGE;
  }
  // --trap: after the VMM's own traps, as the browser sets the user's.
  for (const trap of cmd.traps ?? []) {
    const trapError = machine.setUserTrap(trap);
    if (trapError) {
      io.stderr.write(`hvplay: --trap: ${trapError}\n`);
      machine.dispose();
      return EXIT_USAGE;
    }
  }

  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    machine.pause();
  };
  const detachInput = attachInput(io.stdin, machine, interrupt);
  const onSignal = () => interrupt();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A guest halted with interrupts off waits forever, as under QEMU; the timer keeps Node from
  // treating the pending resume as a finished program.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let outcome: RunOutcome;
  try {
    outcome = await machine.run(cmd.maxInstructions);
  } finally {
    clearInterval(keepAlive);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    detachInput();
  }
  if (cmd.stats) printStats(machine, io);
  if (exitHash) io.stderr.write(`hvplay: exit hash ${exitHash.hex()} (${exitHash.count} exits)\n`);
  machine.dispose();

  switch (outcome.kind) {
    case "exit-device":
      return outcome.exitStatus & 0xff;
    case "limit":
      io.stderr.write(`hvplay: stopped after --max-instructions ${cmd.maxInstructions}\n`);
      return EXIT_LIMIT;
    case "reset":
      // QEMU with -no-reboot (qemu-ref) exits with status 0 when the guest resets the machine.
      io.stderr.write("hvplay: the guest reset the machine (i8042 command 0xfe or port 0x92)\n");
      return EXIT_OK;
    case "paused":
      io.stderr.write(interrupted ? "hvplay: interrupted\n" : "hvplay: the VCPU was stopped\n");
      return EXIT_INTERRUPTED;
    case "breakpoint":
      // The CLI sets no breakpoints; a stop here would be a VMM bug, reported as one.
      io.stderr.write(`hvplay: stopped at a breakpoint at 0x${outcome.rip.toString(16)}\n`);
      return EXIT_ZX_ERROR;
    case "error":
      io.stderr.write(`hvplay: ${outcome.message}\n`);
      return EXIT_ZX_ERROR;
  }
}

/**
 * stdin → COM1. A terminal goes to raw mode (so keys reach the guest as typed) with QEMU's escape:
 * Ctrl-A x quits. A pipe or file is forwarded until it ends and never keeps the process alive.
 */
function attachInput(stdin: NodeJS.ReadStream | null, machine: Machine, quit: () => void): () => void {
  if (!stdin) return () => {};
  const tty = stdin.isTTY === true;
  let escape = false;
  const onData = (chunk: Buffer) => {
    if (!tty) {
      machine.consoleInput(new Uint8Array(chunk));
      return;
    }
    const bytes: number[] = [];
    for (const b of chunk) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) return quit();
        if (b !== 0x01) bytes.push(0x01); // Ctrl-A Ctrl-A sends one Ctrl-A
      } else if (b === 0x01) {
        escape = true;
        continue;
      }
      if (!escape) bytes.push(b);
    }
    if (bytes.length) machine.consoleInput(Uint8Array.from(bytes));
  };
  if (tty) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  if (!tty) stdin.unref?.();
  return () => {
    stdin.off("data", onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
  };
}

function printStats(machine: Machine, io: CliIo): void {
  const s = machine.stats();
  const seconds = s.runMillis / 1000;
  const mips = seconds > 0 ? s.instructionsRetired / seconds / 1e6 : 0;
  const exits = Object.entries(s.exitsByKind).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  io.stderr.write(`hvplay: ${s.instructionsRetired} instructions retired in ${seconds.toFixed(3)} s (${mips.toFixed(1)} MIPS)\n`);
  io.stderr.write(`hvplay: exits by kind: ${exits}\n`);
}
