// Types for scripts/build-linux-guest.mjs (a plain ES module run by node), for its tests.
export const OUT_DIR: string;
export const BZIMAGE: string;
export const INITRAMFS: string;
export const VMLINUX: string;
export const INITRAMFS_GZ: string;
export const VMLINUX_GZ: string;
/** guests/linux/kernel.json: which kernel the images hold. */
export const KERNEL_INFO: string;
/** scripts/linux-guest.config: the fragment merged onto `make tinyconfig`. */
export const KERNEL_CONFIG: string;
export const S_IFDIR: number;
export const S_IFREG: number;
export const S_IFLNK: number;
export const S_IFCHR: number;
export const INIT_BANNER: string;
export const SHELL_PROMPT: string;
export const INIT_SCRIPT: string;
export interface CpioEntry {
  /** Path without a leading "/". */
  name: string;
  /** st_mode with its S_IF* type bits. */
  mode: number;
  /** File contents, or a symlink's target. */
  data?: Uint8Array | string;
  /** [major, minor] of a device node. */
  rdev?: [number, number];
}
export function cpioNewc(entries: CpioEntry[]): Uint8Array;
export function initramfsEntries(busybox: Uint8Array, appletPaths: string[]): CpioEntry[];
/** The ELF64 vmlinux a bzImage carries compressed (XZ or gzip). Throws with a reason. */
export function extractVmlinux(bzImage: Uint8Array): Uint8Array;
/** A config fragment's options: name → "y", "n" ("# CONFIG_X is not set") or the value as written. */
export function parseConfigFragment(text: string): Map<string, string>;
/** "CONFIG_X: asked y, got n" for each option of `want` that a resolved .config does not have. */
export function configMismatches(dotConfig: string, want: Map<string, string>): string[];
