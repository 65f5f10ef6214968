import { describe, expect, it } from "vitest";
import { DEFAULT_GUEST, LINUX_GUEST, hypervisorWorkerName, prefetchedGuest } from "./api";
import { prefetchingFetcher, prefetchingFiles } from "./guest-prefetch";
import { fetchLinuxGuest } from "./linux-guest";

describe("the hypervisor worker's name", () => {
  it("names the bundled guest to fetch at once, and the worker reads it back", () => {
    expect(hypervisorWorkerName(DEFAULT_GUEST)).toBe("hypervisor: monitor.elf");
    expect(prefetchedGuest(hypervisorWorkerName(DEFAULT_GUEST))).toBe(DEFAULT_GUEST);
    expect(prefetchedGuest(hypervisorWorkerName("journey-boot.bin"))).toBe("journey-boot.bin");
    expect(hypervisorWorkerName(LINUX_GUEST)).toBe("hypervisor: linux");
    expect(prefetchedGuest(hypervisorWorkerName(LINUX_GUEST))).toBe(LINUX_GUEST);
  });

  it("is plain \"hypervisor\" without a bundled guest to fetch (none, not a file name)", () => {
    for (const guest of [undefined, "../secret.elf", "guests/hello.elf", "hello.exe", "linux.elf/", "Linux", ""]) {
      expect(hypervisorWorkerName(guest)).toBe("hypervisor");
    }
    expect(prefetchedGuest("hypervisor")).toBeNull();
  });

  it("asks the worker for nothing that is not a guest file's name, whoever named it", () => {
    for (const name of ["hypervisor: ../x.elf", "hypervisor: linux ", "hypervisor: guests/linux/vmlinux", "hypervisor:hello.elf", "other: hello.elf", "hypervisor: hello.elf\n"]) {
      expect(prefetchedGuest(name)).toBeNull();
    }
  });
});

describe("the worker's guest fetcher (guest-prefetch.ts)", () => {
  function fakeFetch() {
    const calls: string[] = [];
    const fetchFile = (name: string) => {
      calls.push(name);
      return name === "gone.elf" ? Promise.reject(new Error("/guests/gone.elf: HTTP 404")) : Promise.resolve({ name, image: new Uint8Array([calls.length]) });
    };
    return { calls, fetchFile };
  }

  it("fetches the named guest at once; the first request for it takes those bytes, later ones fetch again", async () => {
    const { calls, fetchFile } = fakeFetch();
    const fetchGuest = prefetchingFetcher(hypervisorWorkerName("hello.elf"), fetchFile);
    expect(calls).toEqual(["hello.elf"]);
    expect(await fetchGuest("hello.elf")).toEqual({ name: "hello.elf", image: new Uint8Array([1]) });
    expect(calls).toEqual(["hello.elf"]);
    expect(await fetchGuest("echo.elf")).toEqual({ name: "echo.elf", image: new Uint8Array([2]) });
    expect(await fetchGuest("hello.elf")).toEqual({ name: "hello.elf", image: new Uint8Array([3]) });
    expect(calls).toEqual(["hello.elf", "echo.elf", "hello.elf"]);
  });

  it("fetches nothing early for a worker named plainly", async () => {
    const { calls, fetchFile } = fakeFetch();
    const fetchGuest = prefetchingFetcher("hypervisor", fetchFile);
    expect(calls).toEqual([]);
    await fetchGuest("hello.elf");
    expect(calls).toEqual(["hello.elf"]);
  });

  it("gives an early fetch's failure to the boot that asks for it, and no unhandled rejection before", async () => {
    const { fetchFile } = fakeFetch();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const fetchGuest = prefetchingFetcher(hypervisorWorkerName("gone.elf"), fetchFile);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
      await expect(fetchGuest("gone.elf")).rejects.toThrow("/guests/gone.elf: HTTP 404");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("the worker's file fetcher for the Linux guest (guest-prefetch.ts)", () => {
  /** Files under guests/linux/ as a server has them (null: a 404), with the order they were asked for. */
  function fakeServer(files: Record<string, number | null | Error>) {
    const calls: string[] = [];
    const fetchFile = (path: string): Promise<Uint8Array | null> => {
      calls.push(path);
      const f = files[path];
      if (f instanceof Error) return Promise.reject(f);
      return Promise.resolve(f === undefined || f === null ? null : new Uint8Array([f, calls.length]));
    };
    return { calls, fetchFile };
  }

  it("fetches the kernel and the initrd at once; the Linux boot takes both, a later boot fetches again", async () => {
    const { calls, fetchFile } = fakeServer({ "guests/linux/vmlinux": 1, "guests/linux/initramfs.cpio": 2 });
    const files = prefetchingFiles(hypervisorWorkerName(LINUX_GUEST), fetchFile);
    expect(calls).toEqual(["guests/linux/vmlinux", "guests/linux/initramfs.cpio"]);
    const guest = await fetchLinuxGuest(files);
    expect(guest).toEqual({ name: LINUX_GUEST, image: new Uint8Array([1, 1]), boot: { boot: "linux", initrd: new Uint8Array([2, 2]) } });
    expect(calls).toHaveLength(2);
    await fetchLinuxGuest(files);
    expect(calls).toEqual(["guests/linux/vmlinux", "guests/linux/initramfs.cpio", "guests/linux/vmlinux", "guests/linux/initramfs.cpio"]);
  });

  it("a server without the vmlinux: the boot asks for the bzImage, the initrd still comes from the early fetch", async () => {
    const { calls, fetchFile } = fakeServer({ "guests/linux/bzImage": 3, "guests/linux/initramfs.cpio": 2 });
    const guest = await fetchLinuxGuest(prefetchingFiles(hypervisorWorkerName(LINUX_GUEST), fetchFile));
    expect(guest).toMatchObject({ image: new Uint8Array([3, 3]), boot: { initrd: new Uint8Array([2, 2]) } });
    expect(calls).toEqual(["guests/linux/vmlinux", "guests/linux/initramfs.cpio", "guests/linux/bzImage"]);
  });

  it("fetches nothing early for a worker named after a guest file, and a guest file is not fetched for the Linux guest", async () => {
    const { calls, fetchFile } = fakeServer({});
    prefetchingFiles(hypervisorWorkerName("hello.elf"), fetchFile);
    prefetchingFiles("hypervisor", fetchFile);
    expect(calls).toEqual([]);
    const guests: string[] = [];
    prefetchingFetcher(hypervisorWorkerName(LINUX_GUEST), (name) => (guests.push(name), Promise.resolve({ name, image: new Uint8Array() })));
    expect(guests).toEqual([]);
  });

  it("a fetcher that throws at once is a readable reason too", async () => {
    const fetchFile = (): Promise<Uint8Array | null> => {
      throw new Error("no fetch here");
    };
    expect(await fetchLinuxGuest(fetchFile)).toBe("could not fetch the Linux guest: no fetch here");
  });

  it("a failing initrd fetch is the boot's readable error, and no unhandled rejection while the kernel comes", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let release!: () => void;
      const kernelHeld = new Promise<void>((r) => (release = r));
      const fetchFile = async (path: string): Promise<Uint8Array | null> => {
        if (path.endsWith("initramfs.cpio")) throw new Error("guests/linux/initramfs.cpio: HTTP 500");
        await kernelHeld;
        return new Uint8Array([1]);
      };
      const guest = fetchLinuxGuest(fetchFile);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
      release();
      expect(await guest).toBe("could not fetch the Linux guest: guests/linux/initramfs.cpio: HTTP 500");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
