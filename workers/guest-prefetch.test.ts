import { describe, expect, it } from "vitest";
import { DEFAULT_GUEST, LINUX_GUEST, hypervisorWorkerName, prefetchedGuest } from "./api";
import { prefetchingFetcher } from "./guest-prefetch";

describe("the hypervisor worker's name", () => {
  it("names the bundled guest to fetch at once, and the worker reads it back", () => {
    expect(hypervisorWorkerName(DEFAULT_GUEST)).toBe("hypervisor: monitor.elf");
    expect(prefetchedGuest(hypervisorWorkerName(DEFAULT_GUEST))).toBe(DEFAULT_GUEST);
    expect(prefetchedGuest(hypervisorWorkerName("journey-boot.bin"))).toBe("journey-boot.bin");
  });

  it("is plain \"hypervisor\" without a guest file to fetch (none, the Linux guest, not a file name)", () => {
    for (const guest of [undefined, LINUX_GUEST, "../secret.elf", "guests/hello.elf", "hello.exe", ""]) {
      expect(hypervisorWorkerName(guest)).toBe("hypervisor");
    }
    expect(prefetchedGuest("hypervisor")).toBeNull();
  });

  it("asks the worker for nothing that is not a guest file's name, whoever named it", () => {
    for (const name of ["hypervisor: ../x.elf", "hypervisor: linux", "hypervisor:hello.elf", "other: hello.elf", "hypervisor: hello.elf\n"]) {
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
