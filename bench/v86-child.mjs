#!/usr/bin/env node
// One v86 run in Node, in a process of its own (as QEMU and hvplay get one), for bench/v86-node.ts:
//   node bench/v86-child.mjs IMAGE BIOS [--no-jit] [--until-first-byte]
// Boots IMAGE as a Multiboot kernel (v86's `multiboot` option; v86 runs the BIOS first, which is why
// it needs SeaBIOS). v86 has neither QEMU's debug console nor its exit device, so this script plays
// them, through v86's port-I/O registry (`emulator.v86.cpu.io.register_write`, the hook v86's own
// devices use): bytes written to 0xE9 and COM1's output go to stdout as they come, and a write to
// 0xF4 ends the run. v86's Multiboot option ROM starts the kernel by reading port 0xF4 (the handler
// loads the image and sets up the Multiboot state, src/cpu.js load_multiboot_option_rom); wrapping that
// handler gives the moment the guest's first instruction runs, after the BIOS. The last line on
// stderr is a JSON record: milliseconds from constructing the emulator to the kernel's start, to the
// first console byte and to the exit-device write, the value written, and v86's own instruction
// counter (32 bits, wraps; for reference only).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { V86 } from "v86";

const [image, bios, ...flags] = process.argv.slice(2);
if (!image || !bios) {
  process.stderr.write("usage: node bench/v86-child.mjs IMAGE BIOS [--no-jit] [--until-first-byte]\n");
  process.exit(2);
}
const untilFirstByte = flags.includes("--until-first-byte");
const wasmPath = join(dirname(createRequire(import.meta.url).resolve("v86")), "v86.wasm");

const arrayBuffer = (path) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const guest = arrayBuffer(image);
const biosImage = arrayBuffer(bios);

let firstByteMs = null;
let kernelMs = null;
let done = false;
const t0 = performance.now();
const emulator = new V86({
  wasm_path: wasmPath,
  bios: { buffer: biosImage },
  multiboot: { buffer: guest },
  // The same 128 MiB machine hvplay and qemu-ref give the guest.
  memory_size: 128 * 1024 * 1024,
  disable_jit: flags.includes("--no-jit"),
  autostart: true,
});

function finish(record, status) {
  if (done) return;
  done = true;
  process.stderr.write(`${JSON.stringify(record)}\n`);
  // Let stdout drain, then leave without waiting for the emulator's timers.
  process.stdout.write("", () => process.exit(status));
}

function consoleByte(byte) {
  if (firstByteMs === null) firstByteMs = performance.now() - t0;
  process.stdout.write(Buffer.of(byte));
  if (untilFirstByte) {
    void emulator.stop();
    finish({ kernelMs, firstByteMs, exitMs: null, value: null, instructions: emulator.get_instruction_counter() }, 0);
  }
}

emulator.add_listener("emulator-ready", () => {
  const io = emulator.v86.cpu.io;
  const device = { name: "hvplay-bench" };
  const loader = io.ports[0xf4];
  const loadKernel = loader.read32;
  loader.read32 = function () {
    kernelMs = performance.now() - t0;
    return loadKernel.call(this);
  };
  io.register_write(0xe9, device, consoleByte);
  io.register_write(0xf4, device, (value) => {
    const ms = performance.now() - t0;
    void emulator.stop();
    finish({ kernelMs, firstByteMs, exitMs: ms, value, instructions: emulator.get_instruction_counter() }, 0);
  });
});
emulator.add_listener("serial0-output-byte", consoleByte);
