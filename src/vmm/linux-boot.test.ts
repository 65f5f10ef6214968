/**
 * The Linux guest boots through the VMM (only zx_* calls) to a busybox shell, headless, and answers a
 * command typed at the console: `hvplay run guests/linux/vmlinux --boot linux` exactly as a person runs
 * it, with stdin as the keyboard. The kernel is unmodified Linux 6.1 from Debian's linux-source, built
 * with scripts/linux-guest.config (or, after `npm run guests:linux -- --stock`, Debian's stock kernel:
 * guests/linux/kernel.json says which, and these tests check either). The vmlinux is the kernel the
 * bzImage carries, uncompressed; the bzImage itself is booted too, until the kernel's first message
 * (its own decompressor has run by then, and from there on the two boots are the same kernel). The
 * images come from Debian's packages and are never committed: `node scripts/build-linux-guest.mjs`
 * makes them (CI builds them before the tests).
 *
 * Where they are absent this test fails and says how to build them, so a missing image never passes
 * silently; HVPLAY_SKIP_LINUX=1 skips it instead (for a quick local run of src/vmm).
 *
 * Tens of millions of instructions (hundreds with the stock kernel): each test has a generous timeout.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BZIMAGE = join(root, "guests/linux/bzImage");
const VMLINUX = join(root, "guests/linux/vmlinux");
const INITRD = join(root, "guests/linux/initramfs.cpio");
const BUILD = "node scripts/build-linux-guest.mjs";
/** What /init prints (scripts/build-linux-guest.mjs INIT_BANNER, SHELL_PROMPT). */
const BANNER = "hvplay: busybox initramfs is up";
const PROMPT = "hvplay:/# ";
const TIMEOUT_MS = 20 * 60 * 1000;

const KERNEL_INFO = join(root, "guests/linux/kernel.json");
const present = existsSync(BZIMAGE) && existsSync(VMLINUX) && existsSync(INITRD) && existsSync(KERNEL_INFO);
/** Which kernel the build script made: "hvplay" (linux-source + scripts/linux-guest.config) or "stock". */
const kind = present ? (JSON.parse(readFileSync(KERNEL_INFO, "utf8")) as { kind: string }).kind : "";
/** How the kernel names itself in "Linux version …": the config's LOCALVERSION, or Debian's build. */
const VERSION_LINE = kind === "stock" ? /Linux version 6\.1\.\S+-amd64 .*Debian/ : /Linux version 6\.1\.\S+-hvplay \(hvplay@hvplay\)/;
const skip = !present && process.env.HVPLAY_SKIP_LINUX === "1";

describe.skipIf(skip)("Linux guest (Linux 6.1 + busybox) through hvplay run --boot linux", () => {
  it(
    "boots to the shell and runs `uname -a` typed at the console",
    async () => {
      if (!present) {
        throw new Error(`the Linux guest images are missing (${BZIMAGE}, ${VMLINUX}, ${INITRD}, ${KERNEL_INFO}): build them with \`${BUILD}\` (needs apt-get; set HVPLAY_SKIP_LINUX=1 to skip this test)`);
      }
      const args = ["bin/hvplay.mjs", "run", VMLINUX, "--boot", "linux", "--initrd", INITRD, "--mem", "256", "--cmdline", "console=ttyS0", "--stats"];
      const child = spawn(process.execPath, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
      const started = Date.now();
      let out = "";
      let err = "";
      const marks: Record<string, number> = {};
      const result = await new Promise<{ reply: string; code: number | null }>((done, fail) => {
        let sent = false;
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          fail(new Error(`no shell reply within ${TIMEOUT_MS / 1000} s; console so far:\n${out.slice(-3000)}\nstderr:\n${err}`));
        }, TIMEOUT_MS - 10_000);
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("latin1");
          for (const [name, text] of [["first kernel message", "Linux version"], ["init banner", BANNER], ["prompt", PROMPT]] as const) {
            if (marks[name] === undefined && out.includes(text)) marks[name] = (Date.now() - started) / 1000;
          }
          if (!sent && out.includes(PROMPT)) {
            sent = true;
            child.stdin.write("uname -a\n");
          }
          const afterCommand = sent ? out.slice(out.indexOf("uname -a")) : "";
          // The reply is the line after the echoed command, then a new prompt.
          if (sent && afterCommand.includes(PROMPT)) {
            clearTimeout(timer);
            marks["uname reply"] = (Date.now() - started) / 1000;
            child.kill("SIGINT"); // the CLI stops the VCPU and prints --stats
            child.on("exit", (code) => done({ reply: afterCommand, code }));
          }
        });
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("error", fail);
        child.on("exit", (code) => {
          if (!sent || !marks["uname reply"]) {
            clearTimeout(timer);
            fail(new Error(`hvplay exited (${code}) before the shell answered; console:\n${out.slice(-3000)}\nstderr:\n${err}`));
          }
        });
      });
      // Milestones (wall seconds) and the CLI's --stats, for the project's notes.
      console.log(`linux boot: ${JSON.stringify(marks)}\n${err.trim()}`);
      expect(out).toMatch(VERSION_LINE);
      expect(out).toContain(BANNER);
      if (kind === "stock") {
        // Debian's kernel checks its ciphers, hashes and RSA against test vectors on the way (its
        // crypto self-tests): a wrong result of the CPU would show as "alg: ... failed". The hvplay
        // kernel has no such algorithms and runs no self-tests (scripts/linux-guest.config).
        expect(out.match(/^.*alg:.*fail.*$/gim) ?? []).toEqual([]);
      }
      // The VMM's boot-time RNG seed (setup_data SETUP_RNG_SEED, loaders/linux.ts) was taken and
      // credited in setup_arch, before the kernel even parsed its command line; without it the RNG
      // is ready only late in the boot.
      const crngReady = out.indexOf("random: crng init done");
      expect(crngReady).toBeGreaterThan(0);
      expect(crngReady).toBeLessThan(out.indexOf("Kernel command line:"));
      expect(result.reply).toMatch(/^uname -a\r?\nLinux \S+ 6\.\S+ .* x86_64 GNU\/Linux\r?\n/);
      expect(result.code).toBe(130); // stopped by SIGINT, as a person's Ctrl-A x would
    },
    TIMEOUT_MS,
  );

  it(
    "boots the bzImage: the kernel decompresses itself and prints its first message",
    async () => {
      if (!present) throw new Error(`the Linux guest images are missing: build them with \`${BUILD}\``);
      const args = ["bin/hvplay.mjs", "run", BZIMAGE, "--boot", "linux", "--initrd", INITRD, "--mem", "256", "--cmdline", "console=ttyS0", "--stats"];
      const child = spawn(process.execPath, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
      const started = Date.now();
      let out = "";
      let err = "";
      const code = await new Promise<number | null>((done, fail) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          fail(new Error(`no kernel message within ${TIMEOUT_MS / 1000} s; console so far:\n${out.slice(-3000)}\nstderr:\n${err}`));
        }, TIMEOUT_MS - 10_000);
        let seen = false;
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("latin1");
          // The whole line, so the version is in it.
          if (!seen && /Linux version [^\n]*\n/.test(out)) {
            seen = true;
            clearTimeout(timer);
            console.log(`linux bzImage: first message after ${((Date.now() - started) / 1000).toFixed(1)} s`);
            child.kill("SIGINT");
          }
        });
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("error", fail);
        child.on("exit", (c) => {
          clearTimeout(timer);
          if (seen) done(c);
          else fail(new Error(`hvplay exited (${c}) before the kernel's first message; console:\n${out.slice(-3000)}\nstderr:\n${err}`));
        });
      });
      console.log(err.trim());
      expect(out).toMatch(VERSION_LINE);
      expect(code).toBe(130);
    },
    TIMEOUT_MS,
  );
});
