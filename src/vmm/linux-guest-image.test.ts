/**
 * The initramfs writer of scripts/build-linux-guest.mjs: cpio "newc" as the kernel's unpacker reads it
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Read back here by an independent parser.
 */
import { readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { configMismatches, cpioNewc, INIT_BANNER, initramfsEntries, INIT_SCRIPT, KERNEL_CONFIG, parseConfigFragment, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG } from "../../scripts/build-linux-guest.mjs";

interface Parsed { name: string; mode: number; nlink: number; rdev: [number, number]; data: Uint8Array; ino: number }

function parseNewc(buf: Uint8Array): Parsed[] {
  const out: Parsed[] = [];
  let at = 0;
  const text = (a: number, n: number) => String.fromCharCode(...buf.subarray(a, a + n));
  for (;;) {
    expect(text(at, 6)).toBe("070701");
    expect(at % 4).toBe(0);
    const f = (i: number) => parseInt(text(at + 6 + i * 8, 8), 16);
    const [ino, mode, , , nlink, , filesize, , , rmaj, rmin, namesize] = Array.from({ length: 12 }, (_, i) => f(i));
    const name = text(at + 110, namesize - 1);
    expect(buf[at + 110 + namesize - 1]).toBe(0);
    at = (at + 110 + namesize + 3) & ~3;
    const data = buf.slice(at, at + filesize);
    at = (at + filesize + 3) & ~3;
    if (name === "TRAILER!!!") return out;
    out.push({ name, mode, nlink, rdev: [rmaj, rmin], data, ino });
  }
}

describe("build-linux-guest: the initramfs (cpio newc)", () => {
  const busybox = new Uint8Array(4099).map((_, i) => (i * 7) & 0xff); // odd length: tests the padding
  const entries = initramfsEntries(busybox, ["bin/sh", "bin/ls", "usr/bin/env", "sbin/poweroff", "bin/sh"]);
  const archive = cpioNewc(entries);
  const files = parseNewc(archive);
  const byName = new Map(files.map((f) => [f.name, f]));

  it("holds busybox, its applets as relative symlinks, the directories and an executable /init", () => {
    expect(byName.get("bin/busybox")!.data).toEqual(busybox);
    expect(byName.get("bin/busybox")!.mode).toBe(S_IFREG | 0o755);
    expect(new TextDecoder().decode(byName.get("bin/sh")!.data)).toBe("../bin/busybox");
    expect(new TextDecoder().decode(byName.get("usr/bin/env")!.data)).toBe("../../bin/busybox");
    expect(byName.get("usr/bin/env")!.mode).toBe(S_IFLNK | 0o777);
    expect(files.filter((f) => f.name === "bin/sh")).toHaveLength(1); // a repeated applet is linked once
    for (const d of ["bin", "sbin", "usr", "usr/bin", "dev", "proc", "sys", "tmp"]) expect(byName.get(d)?.mode! & 0o170000, d).toBe(S_IFDIR);
    const init = byName.get("init")!;
    expect(init.mode).toBe(S_IFREG | 0o755);
    expect(new TextDecoder().decode(init.data)).toBe(INIT_SCRIPT);
    expect(INIT_SCRIPT.startsWith("#!/bin/sh\n")).toBe(true);
    expect(INIT_SCRIPT).toContain(INIT_BANNER);
    // Parents come before their children, as the kernel's unpacker needs.
    const order = files.map((f) => f.name);
    expect(order.indexOf("usr")).toBeLessThan(order.indexOf("usr/bin"));
    expect(order.indexOf("usr/bin")).toBeLessThan(order.indexOf("usr/bin/env"));
  });

  it("carries the console device nodes the kernel opens before /init runs (character devices 5:1, 4:64)", () => {
    expect(byName.get("dev/console")).toMatchObject({ mode: S_IFCHR | 0o600, rdev: [5, 1] });
    expect(byName.get("dev/ttyS0")).toMatchObject({ mode: S_IFCHR | 0o660, rdev: [4, 64] });
    expect(byName.get("dev/null")).toMatchObject({ rdev: [1, 3] });
  });

  it("gives every entry its own inode and is the same bytes every time (reproducible), gzip round trip included", () => {
    expect(new Set(files.map((f) => f.ino)).size).toBe(files.length);
    expect(cpioNewc(initramfsEntries(busybox, ["bin/sh", "bin/ls", "usr/bin/env", "sbin/poweroff", "bin/sh"]))).toEqual(archive);
    expect(archive.length % 4).toBe(0);
    expect(new Uint8Array(gunzipSync(gzipSync(archive)))).toEqual(archive);
  });
});

describe("build-linux-guest: the kernel's configuration fragment", () => {
  it("reads options set, options off and quoted values, and skips comments", () => {
    const want = parseConfigFragment('# a comment\n\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="-x y"\nCONFIG_D=4\n  # indented comment\n');
    expect([...want]).toEqual([["CONFIG_A", "y"], ["CONFIG_B", "n"], ["CONFIG_C", '"-x y"'], ["CONFIG_D", "4"]]);
    expect(() => parseConfigFragment("CONFIG_A y\n")).toThrow(/not a config line: CONFIG_A y/);
    expect(() => parseConfigFragment("A=y\n")).toThrow(/not a config line/);
  });

  it("names every option a resolved .config did not take (an absent option counts as off)", () => {
    const want = parseConfigFragment("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"v\"\n# CONFIG_E is not set\nCONFIG_F=y\n");
    const dotConfig = "#\n# Automatically generated file\n#\nCONFIG_A=y\nCONFIG_B=y\nCONFIG_C=\"w\"\nCONFIG_G=y\n# CONFIG_F is not set\n";
    expect(configMismatches(dotConfig, want)).toEqual(["CONFIG_B: asked n, got y", 'CONFIG_C: asked "v", got "w"', "CONFIG_F: asked y, got n"]);
    expect(configMismatches("CONFIG_A=y\nCONFIG_C=\"v\"\nCONFIG_F=y\n", want)).toEqual([]);
  });

  it("the committed fragment asks for what the machine and the initramfs need", () => {
    const want = parseConfigFragment(readFileSync(KERNEL_CONFIG, "utf8"));
    // The console (COM1), the initramfs and its busybox, the x2APIC kept as a KVM guest, the MADT,
    // the credited boot-time RNG seed.
    for (const name of ["64BIT", "SERIAL_8250", "SERIAL_8250_CONSOLE", "PRINTK", "TTY", "BLK_DEV_INITRD", "BINFMT_ELF", "BINFMT_SCRIPT", "PROC_FS", "SYSFS", "DEVTMPFS", "KVM_GUEST", "X86_X2APIC", "ACPI", "RANDOM_TRUST_BOOTLOADER"]) {
      expect(want.get(`CONFIG_${name}`), name).toBe("y");
    }
    expect(want.get("CONFIG_LOCALVERSION")).toBe('"-hvplay"');
  });
});
