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
 * The files fetchLinuxGuest asks for at once: the first kernel of LINUX_KERNEL_FILES and the initrd
 * (what a worker named for the Linux guest fetches as it starts, guest-prefetch.ts).
 */
export const LINUX_FIRST_FILES: readonly string[] = [LINUX_GUEST_PATH + LINUX_KERNEL_FILES[0], LINUX_GUEST_PATH + LINUX_INITRD_FILE];

/**
 * Fetches the bundled Linux guest through `fetchFile`: the first kernel of LINUX_KERNEL_FILES the
 * server has, and the initrd, fetched beside the kernel. A GuestImage named LINUX_GUEST, or a
 * readable reason it cannot be had.
 */
export async function fetchLinuxGuest(fetchFile: (path: string) => Promise<Uint8Array | null>): Promise<GuestImage | string> {
  try {
    // Both on their way before either is awaited (the first kernel asked for first). Each is awaited
    // below; a failure of one while the other is awaited must not be an unhandled rejection.
    const [firstKernel, initrdFetch] = LINUX_FIRST_FILES.map((path) => fetchFile(path));
    firstKernel.catch(() => {});
    initrdFetch.catch(() => {});
    let kernel = await firstKernel;
    for (const file of LINUX_KERNEL_FILES.slice(1)) {
      if (kernel) break;
      kernel = await fetchFile(LINUX_GUEST_PATH + file);
    }
    const initrd = await initrdFetch;
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
