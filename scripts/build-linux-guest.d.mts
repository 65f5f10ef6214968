// Types for scripts/build-linux-guest.mjs (a plain ES module run by node), for its tests.
export const OUT_DIR: string;
export const BZIMAGE: string;
export const INITRAMFS: string;
export const VMLINUX: string;
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
