/**
 * A flat binary: the image's bytes at `load`, started at `entry` in real mode, 32-bit protected mode
 * or 64-bit long mode (ARCHITECTURE.md "The CLI": `--boot flat --load ADDR --entry ADDR --mode M`).
 *
 *   real       CS:IP = (entry with IP its low 16 bits), DS = ES = SS = FS = GS = 0, SP = the load
 *              address (the stack grows down below the image, as a boot sector's does), DL = 0x80,
 *              IVT at 0 (IDTR 0/0x3FF), interrupts off. No BIOS: the guest must not call INT 10h/13h.
 *   protected  flat 32-bit code 0x08 / data 0x10 (hidden parts loaded; there is no GDT in memory, so
 *              the guest sets its own before reloading a segment register), paging off, ESP = 0.
 *   long       Zircon's boot state: 64-bit mode at entry, identity page tables for the first 4 GiB at
 *              0x0-0x1FFF (CR3 = 0), RSP = 0.
 * Defaults: --mode real; --load 0x7c00 in real mode, 0x100000 otherwise; --entry = --load.
 */
import { fitsRam, hex, identityTables, LONG_MODE_TABLES, overlaps, protectedModeStart, realModeStart, type BootPlan, type StartMode } from "./boot-plan";

export interface FlatOptions {
  ramBytes: number;
  mode?: StartMode;
  load?: number;
  entry?: number;
}

/** The highest address real mode reaches: FFFF:FFFF (A20 enabled). */
const REAL_MODE_TOP = 0x10fff0;

export function planFlat(image: Uint8Array, opts: FlatOptions): BootPlan | string {
  const mode = opts.mode ?? "real";
  const load = opts.load ?? (mode === "real" ? 0x7c00 : 0x100000);
  const entry = opts.entry ?? load;
  // The options come from a command line, a form or a share link: anything but a whole number of
  // bytes (NaN, Infinity, 1.5) is refused here rather than turned into a start state.
  const show = (n: number) => (Number.isFinite(n) ? String(n) : "(not a finite number)");
  if (!Number.isSafeInteger(load) || load < 0) return `load address ${show(load)} is not a guest-physical address (a whole number of bytes)`;
  if (!Number.isSafeInteger(entry)) return `entry ${show(entry)} is not an address (a whole number of bytes)`;
  if (image.length === 0) return "the image is empty";
  const ramErr = fitsRam(load, image.length, opts.ramBytes, "image");
  if (ramErr) return ramErr;
  if (entry < 0 || entry >= opts.ramBytes) return `entry ${hex(entry)} is outside guest RAM`;
  const writes = [{ gpa: load, bytes: image }];
  switch (mode) {
    case "real": {
      if (entry >= REAL_MODE_TOP) return `entry ${hex(entry)} is beyond what real mode can reach (${hex(REAL_MODE_TOP)})`;
      const s = realModeStart(entry, load & 0xffff);
      return { writes, vcpuEntry: 0, registers: s.registers, arch: s.arch, describe: s.describe };
    }
    case "protected": {
      if (entry > 0xffffffff) return `entry ${hex(entry)} is beyond 4 GiB`;
      const s = protectedModeStart(entry);
      return { writes, vcpuEntry: 0, registers: s.registers, arch: s.arch, describe: s.describe };
    }
    case "long": {
      if (overlaps(load, load + image.length, LONG_MODE_TABLES.base, LONG_MODE_TABLES.end)) {
        return `image [${hex(load)}, ${hex(load + image.length)}) overlaps the boot page tables (0x0-0x1fff) a 64-bit start needs`;
      }
      writes.push({ gpa: LONG_MODE_TABLES.base, bytes: identityTables() });
      return { writes, vcpuEntry: entry, registers: {}, describe: `64-bit long mode at ${hex(entry)}` };
    }
    default:
      return `unknown mode "${String(mode)}" (real, protected or long)`;
  }
}
