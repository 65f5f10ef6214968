/**
 * The bundled Linux guest's files, fetched the same way by the worker (bootGuest(LINUX_GUEST)) and
 * by the page (a share link that boots it with its own machine). Types and fetch logic only: the
 * page imports this, so it must not pull in src/zircon, src/vmm or src/x86.
 */
import {
  LINUX_BUILD_COMMAND,
  LINUX_GUEST,
  LINUX_GUEST_PATH,
  LINUX_INITRD_FILE,
  LINUX_KERNEL_FILES,
  type GuestImage,
} from "./api";

/** Why the bundled Linux guest is absent, and how to get it (the page shows this as it is). */
export function linuxGuestMissing(missing: readonly string[]): string {
  return `The Linux guest is not built on this server: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing. ` +
    `Build it in the playground's folder with \`${LINUX_BUILD_COMMAND}\` (apt-get fetches Debian's linux-source and busybox-static, ` +
    "the script builds the kernel and makes an initramfs; it needs a Debian-based system), then reload. The page itself downloads nothing from elsewhere. " +
    "Or drop a bzImage and an initrd of your own onto the page.";
}

/**
 * Fetches the bundled Linux guest through `fetchFile`: the first kernel of LINUX_KERNEL_FILES the
 * server has, and the initrd. A GuestImage named LINUX_GUEST, or a readable reason it cannot be had.
 */
export async function fetchLinuxGuest(fetchFile: (path: string) => Promise<Uint8Array | null>): Promise<GuestImage | string> {
  try {
    let kernel: Uint8Array | null = null;
    for (const file of LINUX_KERNEL_FILES) {
      kernel = await fetchFile(LINUX_GUEST_PATH + file);
      if (kernel) break;
    }
    const initrd = await fetchFile(LINUX_GUEST_PATH + LINUX_INITRD_FILE);
    const missing = [
      ...(kernel ? [] : [`the kernel (${LINUX_KERNEL_FILES.map((f) => LINUX_GUEST_PATH + f).join(" or ")})`]),
      ...(initrd ? [] : [`the initrd (${LINUX_GUEST_PATH + LINUX_INITRD_FILE})`]),
    ];
    if (!kernel || !initrd) return linuxGuestMissing(missing);
    return { name: LINUX_GUEST, image: kernel, boot: { boot: "linux", initrd } };
  } catch (error) {
    return `could not fetch the Linux guest: ${error instanceof Error ? error.message : String(error)}`;
  }
}
