/**
 * Files the user opens ("Open image…") or drops on the page, turned into the guest to boot. One file
 * is a guest image as before (Multiboot, the VMM's loaders say what is wrong with it), except a Linux
 * bzImage, which boots as Linux without an initrd. Two files are a Linux kernel and its initrd: the
 * kernel is told by its content, not its name (initrds and kernels are named every which way:
 * vmlinuz-6.1.0-28-amd64, initrd.img-…, bzImage, initramfs.cpio.gz).
 */
import { LINUX_GUEST, type GuestImage } from "../../workers/api";

/** A file's name and bytes. */
export interface OpenedFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * What kind of Linux kernel `bytes` are, by content: a bzImage (the boot sector's 0xAA55 at 0x1FE and
 * the setup header's "HdrS" at 0x202: Documentation/arch/x86/boot.rst) or an ELF64 file (a vmlinux:
 * "\x7fELF", EI_CLASS 2); null for anything else.
 */
export function linuxKernelKind(bytes: Uint8Array): "bzImage" | "elf64" | null {
  if (bytes.length >= 0x206 && bytes[0x1fe] === 0x55 && bytes[0x1ff] === 0xaa &&
    bytes[0x202] === 0x48 && bytes[0x203] === 0x64 && bytes[0x204] === 0x72 && bytes[0x205] === 0x53) return "bzImage";
  if (bytes.length >= 5 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 && bytes[4] === 2) return "elf64";
  return null;
}

const KERNEL_KINDS = 'a Linux kernel is a bzImage (0xAA55 at 0x1FE and "HdrS" at 0x202) or an ELF64 vmlinux';

/**
 * The guest `files` make, or a readable reason they make none. Never named LINUX_GUEST: that name is
 * the bundled Linux guest's, which a share link names instead of carrying.
 */
export function guestFromFiles(files: readonly OpenedFile[]): GuestImage | string {
  const unreserved = (name: string) => (name === LINUX_GUEST ? `${name} (opened)` : name);
  if (files.length === 0) return "no file was given";
  if (files.length === 1) {
    const [file] = files;
    if (file.bytes.length === 0) return `${file.name} is empty`;
    if (linuxKernelKind(file.bytes) === "bzImage") return { name: unreserved(file.name), image: file.bytes, boot: { boot: "linux" } };
    // Anything else goes to the VMM as a Multiboot kernel, as it always has: its loader says what is wrong.
    return { name: unreserved(file.name), image: file.bytes };
  }
  const names = files.map((f) => f.name).join(", ");
  if (files.length > 2) return `${files.length} files (${names}) were given: open one guest image, or a Linux kernel and its initrd together`;
  const kernels = files.filter((f) => linuxKernelKind(f.bytes) !== null);
  if (kernels.length === 0) {
    return `neither ${files[0].name} nor ${files[1].name} is a Linux kernel (${KERNEL_KINDS}): two files are booted as a kernel and its initrd; any other guest is one file`;
  }
  if (kernels.length === 2) {
    return `both ${names} look like Linux kernels (${KERNEL_KINDS}): open one kernel and its initrd`;
  }
  const kernel = kernels[0];
  const initrd = files.find((f) => f !== kernel)!;
  if (initrd.bytes.length === 0) return `the initrd ${initrd.name} is empty`;
  return { name: `${kernel.name} + ${initrd.name}`, image: kernel.bytes, boot: { boot: "linux", initrd: initrd.bytes } };
}
