#!/usr/bin/env node
// Builds the Linux guest from Debian's packages (nothing here is committed; guests/linux/ is ignored):
//   guests/linux/bzImage              the kernel: built from Debian's linux-source (the same 6.1 tree as
//                                     the stock linux-image-amd64) with scripts/linux-guest.config, a
//                                     tinyconfig plus what this machine and busybox need. It reaches the
//                                     shell in a twelfth of the stock kernel's instructions.
//                                     With --stock: Debian's stock kernel (linux-image-amd64) instead.
//   guests/linux/vmlinux              the same kernel uncompressed (an ELF64), taken out of the bzImage:
//                                     it boots without running the kernel's own decompressor (Firecracker
//                                     and Cloud Hypervisor boot a vmlinux the same way)
//   guests/linux/vmlinux.gz           the vmlinux gzipped: what the page's server sends a browser
//   guests/linux/initramfs.cpio       busybox-static and a tiny /init that starts a shell on ttyS0,
//                                     uncompressed: the kernel's gunzip of it was 39 M instructions
//                                     (9 % of the stock kernel's boot to the shell), and the download is
//                                     gzipped anyway
//   guests/linux/initramfs.cpio.gz    the initramfs gzipped: what the page's server sends a browser
//   guests/linux/kernel.json          which kernel the images hold (kind, source package, config hash):
//                                     a changed config or a switch to/from --stock rebuilds the kernel
// The .deb files and the kernel's build tree are kept in guests/linux/.cache/, so a second run
// downloads and compiles nothing. Needs apt-get, apt-cache and dpkg-deb (a Debian or Ubuntu host with
// its package lists: run `apt-get update` once), and to build the kernel gcc, make, flex, bison, bc,
// libelf-dev and xz-utils (`apt-get install -y gcc make flex bison bc libelf-dev xz-utils`); the
// build takes about 4 minutes on 2 cores.
// The initramfs is written here in JavaScript (cpio "newc" + node:zlib): no cpio binary is needed.
//
//   node scripts/build-linux-guest.mjs          build what is missing or stale (idempotent)
//   node scripts/build-linux-guest.mjs --stock  the guest from Debian's stock kernel
//   node scripts/build-linux-guest.mjs --force  rebuild every output
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OUT_DIR = join(root, "guests", "linux");
export const BZIMAGE = join(OUT_DIR, "bzImage");
export const INITRAMFS = join(OUT_DIR, "initramfs.cpio");
export const INITRAMFS_GZ = join(OUT_DIR, "initramfs.cpio.gz");
export const VMLINUX = join(OUT_DIR, "vmlinux");
export const VMLINUX_GZ = join(OUT_DIR, "vmlinux.gz");
export const KERNEL_INFO = join(OUT_DIR, "kernel.json");
/** The kernel configuration fragment merged onto `make tinyconfig` (committed). */
export const KERNEL_CONFIG = join(root, "scripts", "linux-guest.config");
const CACHE = join(OUT_DIR, ".cache");

// ---- cpio "newc" (the format the kernel's initramfs unpacker reads: Documentation/driver-api/early-userspace/buffer-format.rst)

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

/**
 * One archive from entries { name, mode, data?, rdev? } (name without a leading "/"; mode with its S_IF*
 * type; data: file contents or a symlink's target; rdev: [major, minor] of a device node). Every entry
 * gets its own inode number, uid/gid 0 and mtime 0, so the same input gives the same bytes.
 */
export function cpioNewc(entries) {
  const chunks = [];
  let length = 0;
  const push = (bytes) => {
    chunks.push(bytes);
    length += bytes.length;
    const pad = (4 - (length % 4)) % 4; // header+name and data are each padded to 4 bytes
    if (pad) {
      chunks.push(new Uint8Array(pad));
      length += pad;
    }
  };
  const enc = new TextEncoder();
  const h8 = (n) => (n >>> 0).toString(16).padStart(8, "0");
  let ino = 1;
  for (const e of [...entries, { name: "TRAILER!!!", mode: 0 }]) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array(0);
    const name = enc.encode(e.name + "\0");
    const isTrailer = e.name === "TRAILER!!!";
    const nlink = (e.mode & 0o170000) === S_IFDIR ? 2 : 1;
    const [major, minor] = e.rdev ?? [0, 0];
    const header =
      "070701" + h8(isTrailer ? 0 : ino++) + h8(e.mode) + h8(0) + h8(0) + h8(isTrailer ? 1 : nlink) + h8(0) + h8(data.length) +
      h8(0) + h8(0) + h8(major) + h8(minor) + h8(name.length) + h8(0);
    const head = new Uint8Array(header.length + name.length);
    head.set(enc.encode(header));
    head.set(name, header.length);
    push(head);
    if (data.length) push(data);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Printed by /init once the root filesystem is up: tests and the bench wait for it. */
export const INIT_BANNER = "hvplay: busybox initramfs is up";
/** The shell's prompt (PS1), so a test can tell the prompt from other output. */
export const SHELL_PROMPT = "hvplay:/# ";

export const INIT_SCRIPT = `#!/bin/sh
# The hvplay Linux guest's init: mount the kernel's filesystems, say so, start a shell on the console.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=linux
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo
echo "${INIT_BANNER} (Linux $(uname -r), $(cat /proc/meminfo | head -1 | tr -s ' '))"
# cttyhack opens the console's real tty (ttyS0), so the shell gets job control and Ctrl-C works.
while true; do
  setsid cttyhack sh -c 'PS1="hvplay:\\w# " exec sh -i'
  echo "shell exited; starting another"
done
`;

/** The applets linked into /bin when busybox cannot be run here to list its own. */
const FALLBACK_APPLETS = [
  "bin/sh", "bin/ash", "bin/cat", "bin/echo", "bin/ls", "bin/mount", "bin/umount", "bin/mkdir", "bin/rm", "bin/cp", "bin/mv",
  "bin/ln", "bin/ps", "bin/dmesg", "bin/uname", "bin/sleep", "bin/grep", "bin/sed", "bin/vi", "bin/date", "bin/df", "bin/hostname",
  "bin/kill", "bin/more", "bin/stty", "bin/sync", "bin/touch", "bin/true", "bin/false", "bin/pwd", "bin/chmod", "bin/mknod",
  "bin/setsid", "bin/cttyhack", "usr/bin/head", "usr/bin/tail", "usr/bin/tr", "usr/bin/wc", "usr/bin/free", "usr/bin/top",
  "usr/bin/uptime", "usr/bin/env", "usr/bin/find", "usr/bin/awk", "usr/bin/clear", "usr/bin/reset", "usr/bin/od", "usr/bin/hexdump",
  "usr/bin/time", "usr/bin/seq", "sbin/poweroff", "sbin/reboot", "sbin/halt", "sbin/lsmod", "sbin/sysctl",
];

/** The initramfs entries for a busybox binary and its applet paths ("bin/sh", "usr/bin/env", …). */
export function initramfsEntries(busybox, appletPaths) {
  const entries = [];
  const dirs = new Set(["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "etc", "tmp", "root", "run"]);
  for (const p of appletPaths) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of [...dirs].sort()) entries.push({ name: d, mode: S_IFDIR | (d === "tmp" ? 0o1777 : 0o755) });
  // The kernel opens /dev/console for init's stdin/out/err before /init runs (devtmpfs comes later).
  entries.push({ name: "dev/console", mode: S_IFCHR | 0o600, rdev: [5, 1] });
  entries.push({ name: "dev/tty", mode: S_IFCHR | 0o666, rdev: [5, 0] });
  entries.push({ name: "dev/ttyS0", mode: S_IFCHR | 0o660, rdev: [4, 64] });
  entries.push({ name: "dev/null", mode: S_IFCHR | 0o666, rdev: [1, 3] });
  entries.push({ name: "bin/busybox", mode: S_IFREG | 0o755, data: busybox });
  const seen = new Set(["bin/busybox"]);
  for (const p of appletPaths) {
    if (seen.has(p)) continue;
    seen.add(p);
    const depth = p.split("/").length - 1;
    entries.push({ name: p, mode: S_IFLNK | 0o777, data: "../".repeat(depth) + "bin/busybox" });
  }
  entries.push({ name: "etc/hostname", mode: S_IFREG | 0o644, data: "hvplay\n" });
  entries.push({ name: "init", mode: S_IFREG | 0o755, data: INIT_SCRIPT });
  return entries;
}

// ---- apt

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
  } catch (e) {
    const err = e.code === "ENOENT" ? `${cmd} is not installed` : (e.stderr || e.message).trim();
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err}`);
  }
}

/** The real kernel package behind the linux-image-amd64 metapackage ("linux-image-6.1.0-56-amd64"). */
function kernelPackage() {
  const deps = run("apt-cache", ["depends", "linux-image-amd64"]);
  const m = /Depends:\s*(linux-image-[0-9][^\s]*-amd64)\b/.exec(deps);
  if (!m) throw new Error(`apt-cache depends linux-image-amd64 names no kernel package (run 'apt-get update' first?):\n${deps}`);
  return m[1];
}

/** The .deb of `pkg` in the cache, downloaded with apt-get download if it is not there. */
function fetchDeb(pkg) {
  mkdirSync(CACHE, { recursive: true });
  const find = () => readdirSync(CACHE).find((f) => f.startsWith(pkg.replace(/:.*/, "") + "_") && f.endsWith(".deb"));
  let deb = find();
  if (deb) {
    console.log(`  ${pkg}: cached ${deb}`);
  } else {
    console.log(`  ${pkg}: apt-get download …`);
    run("apt-get", ["download", pkg], { cwd: CACHE });
    deb = find();
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${CACHE}`);
    console.log(`  ${pkg}: downloaded ${deb} (${(statSync(join(CACHE, deb)).size / 1048576).toFixed(1)} MiB)`);
  }
  return join(CACHE, deb);
}

/**
 * Unpacks `deb` into the cache (dpkg-deb -x), or only the paths matching `only` (tar wildcards):
 * the kernel package is 400 MiB of modules unpacked, and the guest needs its /boot/vmlinuz-* alone.
 */
function extract(deb, name, only) {
  const dir = join(CACHE, name);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    try {
      if (only) run("sh", ["-c", 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "$3"', "sh", deb, dir, only]);
      else run("dpkg-deb", ["-x", deb, dir]);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
  return dir;
}

/**
 * The vmlinux inside a bzImage: the payload that the setup header's payload_offset (0x248, from the
 * start of the protected-mode code) and payload_length (0x24c) locate, decompressed here (XZ with the
 * xz tool, as Debian compresses its kernels; gzip with node:zlib). Boot protocol 2.08+.
 */
export function extractVmlinux(bzImage) {
  const dv = new DataView(bzImage.buffer, bzImage.byteOffset, bzImage.byteLength);
  if (dv.getUint32(0x202, true) !== 0x53726448 || dv.getUint16(0x206, true) < 0x208) throw new Error("not a bzImage with a payload header (boot protocol 2.08+)");
  const setupSects = bzImage[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + dv.getUint32(0x248, true);
  const payload = bzImage.subarray(start, start + dv.getUint32(0x24c, true));
  let elf;
  if (payload[0] === 0xfd && payload[1] === 0x37 && payload[2] === 0x7a && payload[3] === 0x58) {
    // --single-stream: the kernel's build appends the uncompressed size after the XZ stream.
    elf = execFileSync("xz", ["--decompress", "--stdout", "--single-stream", "--quiet"], { input: payload, maxBuffer: 1 << 30 });
  } else if (payload[0] === 0x1f && payload[1] === 0x8b) {
    elf = gunzipSync(payload);
  } else {
    throw new Error(`the kernel's payload is compressed with a method this script does not take (magic ${Array.from(payload.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")}); only XZ and gzip`);
  }
  if (!(elf[0] === 0x7f && elf[1] === 0x45 && elf[2] === 0x4c && elf[3] === 0x46 && elf[4] === 2)) throw new Error("the decompressed payload is not an ELF64 vmlinux");
  return new Uint8Array(elf.buffer, elf.byteOffset, elf.byteLength);
}

// ---- the kernel, built from linux-source

/**
 * The options a config fragment asks for: name → "y", "n" (a "# CONFIG_X is not set" line) or the
 * value as written ("\"-hvplay\"", "4"). Other comments and blank lines are ignored.
 */
export function parseConfigFragment(text) {
  const want = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const off = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
    if (off) want.set(off[1], "n");
    else if (line && !line.startsWith("#")) {
      const on = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
      if (!on) throw new Error(`not a config line: ${line}`);
      want.set(on[1], on[2]);
    }
  }
  return want;
}

/**
 * What a resolved .config did not take from the fragment: one "CONFIG_X: asked y, got n" per option
 * that Kconfig overrode (a dependency missing, a choice lost), so a fragment that silently stops
 * meaning what it says fails the build instead.
 */
export function configMismatches(dotConfig, want) {
  const got = parseConfigFragment(dotConfig); // a .config is a fragment too: options, comments, blanks
  const out = [];
  for (const [name, value] of want) {
    const have = got.get(name) ?? "n";
    if (have !== value) out.push(`${name}: asked ${value}, got ${have}`);
  }
  return out;
}

/** The source package behind the linux-source metapackage ("linux-source-6.1"). */
function sourcePackage() {
  const deps = run("apt-cache", ["depends", "linux-source"]);
  const m = /Depends:\s*(linux-source-[0-9][^\s]*)\b/.exec(deps);
  if (!m) throw new Error(`apt-cache depends linux-source names no source package (run 'apt-get update' first?):\n${deps}`);
  return m[1];
}

function hasCommand(cmd) {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The host tools a kernel build needs, checked up front so a missing one is named, not a make error. */
function checkBuildTools() {
  const missing = [["gcc", "gcc"], ["make", "make"], ["flex", "flex"], ["bison", "bison"], ["bc", "bc"], ["xz", "xz-utils"]]
    .filter(([cmd]) => !hasCommand(cmd))
    .map(([, pkg]) => pkg);
  // objtool (run on every x86-64 object) links against libelf.
  if (!existsSync("/usr/include/gelf.h") && !existsSync("/usr/include/libelf.h")) missing.push("libelf-dev");
  if (missing.length) throw new Error(`building the kernel needs ${missing.join(", ")}: apt-get install -y ${missing.join(" ")} (or build from the stock kernel: --stock)`);
}

/**
 * Builds the guest kernel from Debian's linux-source: the tarball unpacked once into the cache,
 * `make ARCH=x86_64 tinyconfig`, scripts/linux-guest.config merged on top, `make olddefconfig`,
 * every option checked, `make bzImage`. The build's name and date are fixed (KBUILD_BUILD_*: the
 * tarball's own date), so the same source and config give the same `uname -a`. Returns the bzImage's bytes.
 */
function buildKernel(pkg, fragment) {
  checkBuildTools();
  const deb = fetchDeb(pkg);
  const unpacked = extract(deb, `${pkg}-deb`, "./usr/src/linux-source-*.tar.xz");
  const tarDir = join(unpacked, "usr", "src");
  const tarball = readdirSync(tarDir).find((f) => f.endsWith(".tar.xz"));
  if (!tarball) throw new Error(`${pkg} holds no /usr/src/linux-source-*.tar.xz`);
  const tree = join(CACHE, tarball.replace(/\.tar\.xz$/, ""));
  if (!existsSync(join(tree, "Makefile"))) {
    console.log(`  unpacking ${tarball} …`);
    rmSync(tree, { recursive: true, force: true });
    run("tar", ["-xJf", join(tarDir, tarball), "-C", CACHE]);
    if (!existsSync(join(tree, "Makefile"))) throw new Error(`${tarball} did not unpack into ${tree}`);
  }
  // As `date` prints it, the form uname -v shows: "Mon Nov 16 10:17:40 UTC 2026".
  const [wd, dd, mon, yyyy, time] = statSync(join(tarDir, tarball)).mtime.toUTCString().replace(",", "").split(" ");
  const date = `${wd} ${mon} ${dd} ${time} UTC ${yyyy}`;
  const env = { ...process.env, ARCH: "x86_64", KBUILD_BUILD_USER: "hvplay", KBUILD_BUILD_HOST: "hvplay", KBUILD_BUILD_TIMESTAMP: date, KBUILD_BUILD_VERSION: "1" };
  const make = (...args) => run("make", [...args], { cwd: tree, env, maxBuffer: 1 << 28 });
  console.log("  configuring: tinyconfig + scripts/linux-guest.config");
  make("tinyconfig");
  run(join(tree, "scripts/kconfig/merge_config.sh"), ["-m", ".config", KERNEL_CONFIG], { cwd: tree, env, maxBuffer: 1 << 28 });
  make("olddefconfig");
  const bad = configMismatches(readFileSync(join(tree, ".config"), "utf8"), parseConfigFragment(fragment));
  if (bad.length) throw new Error(`the kernel's configuration did not take scripts/linux-guest.config:\n  ${bad.join("\n  ")}`);
  const jobs = String(Math.max(1, cpus().length));
  console.log(`  make -j${jobs} bzImage (about 4 minutes on 2 cores) …`);
  const t0 = Date.now();
  make(`-j${jobs}`, "bzImage");
  console.log(`  built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return readFileSync(join(tree, "arch", "x86", "boot", "bzImage"));
}

function appletList(busyboxPath) {
  try {
    const out = execFileSync(busyboxPath, ["--list-full"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const paths = out.split("\n").map((s) => s.trim()).filter((s) => s && !s.startsWith("linuxrc"));
    if (paths.length > 20) return paths;
  } catch {
    // not runnable on this host: the fixed list will do
  }
  return FALLBACK_APPLETS;
}

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--force" && a !== "--stock");
  if (unknown.length) throw new Error(`unknown option ${unknown[0]} (takes --stock, --force)`);
  const force = args.includes("--force");
  const stock = args.includes("--stock");
  console.log(`Linux guest → ${OUT_DIR}`);
  mkdirSync(OUT_DIR, { recursive: true });

  // Which kernel is wanted, and whether the one built last time is it.
  const fragment = readFileSync(KERNEL_CONFIG, "utf8");
  const pkg = stock ? kernelPackage() : sourcePackage();
  const want = { kind: stock ? "stock" : "hvplay", package: pkg, config: stock ? null : createHash("sha256").update(fragment).digest("hex").slice(0, 16) };
  let have = null;
  try {
    have = JSON.parse(readFileSync(KERNEL_INFO, "utf8"));
  } catch {
    // none yet, or from before kernel.json existed
  }
  const kernelCurrent = existsSync(BZIMAGE) && have && have.kind === want.kind && have.package === want.package && have.config === want.config;

  if (force || !kernelCurrent) {
    let bytes;
    if (stock) {
      const dir = extract(fetchDeb(pkg), pkg, "./boot/vmlinuz-*");
      const boot = join(dir, "boot");
      const vmlinuz = readdirSync(boot).find((f) => f.startsWith("vmlinuz-"));
      if (!vmlinuz) throw new Error(`${pkg} has no /boot/vmlinuz-*`);
      bytes = readFileSync(join(boot, vmlinuz));
    } else {
      bytes = buildKernel(pkg, fragment);
    }
    writeFileSync(BZIMAGE, bytes);
    writeFileSync(KERNEL_INFO, JSON.stringify(want, null, 2) + "\n");
    console.log(`  wrote ${BZIMAGE} (${stock ? "Debian's stock kernel" : "built"} from ${pkg}, ${(bytes.length / 1048576).toFixed(1)} MiB)`);
  } else console.log(`  ${BZIMAGE} is current (${want.kind} kernel from ${pkg}; --force rebuilds)`);

  if (force || !existsSync(VMLINUX) || statSync(VMLINUX).mtimeMs < statSync(BZIMAGE).mtimeMs) {
    const vmlinux = extractVmlinux(new Uint8Array(readFileSync(BZIMAGE)));
    writeFileSync(VMLINUX, vmlinux);
    console.log(`  wrote ${VMLINUX} (decompressed from the bzImage, ${(vmlinux.length / 1048576).toFixed(1)} MiB)`);
  } else console.log(`  ${VMLINUX} exists (--force rebuilds)`);

  // The copy the page's server sends to a browser that accepts gzip (vite.config.ts): a third of
  // the vmlinux is zeros (.bss and the like inside its segments), and the download is 5× smaller.
  if (force || !existsSync(VMLINUX_GZ) || statSync(VMLINUX_GZ).mtimeMs < statSync(VMLINUX).mtimeMs) {
    const gz = gzipSync(readFileSync(VMLINUX), { level: 6 });
    writeFileSync(VMLINUX_GZ, gz);
    console.log(`  wrote ${VMLINUX_GZ} (what the page's server sends, ${(gz.length / 1048576).toFixed(1)} MiB)`);
  } else console.log(`  ${VMLINUX_GZ} exists (--force rebuilds)`);

  if (force || !existsSync(INITRAMFS)) {
    const dir = extract(fetchDeb("busybox-static"), "busybox-static");
    const bbPath = join(dir, "bin", "busybox");
    const busybox = new Uint8Array(readFileSync(bbPath));
    const applets = appletList(bbPath);
    const cpio = cpioNewc(initramfsEntries(busybox, applets));
    writeFileSync(INITRAMFS, cpio);
    console.log(`  wrote ${INITRAMFS} (busybox with ${applets.length} applets, ${(cpio.length / 1024).toFixed(0)} KiB)`);
  } else console.log(`  ${INITRAMFS} exists (--force rebuilds)`);

  // The initramfs's gzip copy, sent like vmlinux.gz: the browser unpacks it, not the guest.
  if (force || !existsSync(INITRAMFS_GZ) || statSync(INITRAMFS_GZ).mtimeMs < statSync(INITRAMFS).mtimeMs) {
    const gz = gzipSync(readFileSync(INITRAMFS), { level: 9 });
    writeFileSync(INITRAMFS_GZ, gz);
    console.log(`  wrote ${INITRAMFS_GZ} (what the page's server sends, ${(gz.length / 1024).toFixed(0)} KiB)`);
  } else console.log(`  ${INITRAMFS_GZ} exists (--force rebuilds)`);

  console.log("Boot it with:");
  console.log(`  node bin/hvplay.mjs run guests/linux/vmlinux --boot linux --initrd guests/linux/initramfs.cpio --mem 256 --cmdline "console=ttyS0"`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (e) {
    console.error(`build-linux-guest: ${e.message}`);
    process.exit(1);
  }
}
