import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_GUEST, GUEST_FILE_NAME } from "../../workers/api";
import { BUNDLED_GUESTS, LINUX_BUNDLED_GUEST, bundledGuest, guestBoot, initialGuest } from "./guests";

const root = path.resolve(__dirname, "..", "..");

describe("the bundled guests the toolbar offers", () => {
  it("are all built, with file names the worker accepts, each once", () => {
    for (const g of BUNDLED_GUESTS) {
      expect(GUEST_FILE_NAME.test(g.file), g.file).toBe(true);
      expect(existsSync(path.join(root, "public", "guests", g.file)), g.file).toBe(true);
      expect(g.title.startsWith(g.file.replace(/(-boot)?\.(elf|bin)$/, ""))).toBe(true);
      expect(g.description.length).toBeGreaterThan(40);
    }
    expect(new Set(BUNDLED_GUESTS.map((g) => g.file)).size).toBe(BUNDLED_GUESTS.length);
  });

  it("include the whole gallery, the default (the monitor) first", () => {
    const lessons = BUNDLED_GUESTS.filter((g) => g.lesson).map((g) => g.file);
    expect(lessons).toEqual(["monitor.elf", "hello.elf", "echo.elf", "ticks.elf", "mmio.elf", "doorbell.elf", "journey-boot.bin", "paging-demo.elf"]);
    expect(DEFAULT_GUEST).toBe("monitor.elf");
    expect(BUNDLED_GUESTS[0].file).toBe(DEFAULT_GUEST);
    // Each lesson's source is in guests/ and starts with a header comment that teaches.
    for (const file of lessons) {
      const source = path.join(root, "guests", file.replace(/\.(elf|bin)$/, ".asm"));
      expect(readFileSync(source, "utf8"), source).toMatch(/^; \S+\.asm — /);
    }
  });

  it("boot the way the CLI tests run them: guests/expected/NAME.args, else Multiboot", () => {
    for (const g of BUNDLED_GUESTS) {
      const args = path.join(root, "guests", "expected", g.file.replace(/\.(elf|bin)$/, ".args"));
      const flat = existsSync(args) && /--boot flat/.test(readFileSync(args, "utf8"));
      expect(guestBoot(g.file).boot, g.file).toBe(flat ? "flat" : "multiboot");
    }
    // A boot sector: real mode at 0000:7C00, as `hvplay run --boot flat` starts one.
    expect(guestBoot("journey-boot.bin")).toEqual({ boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 });
    // Files not in the list (reachable with ?guest=) are Multiboot kernels.
    expect(bundledGuest("c-torture-O2.elf")).toBeUndefined();
    expect(guestBoot("c-torture-O2.elf")).toEqual({ boot: "multiboot" });
  });

  it("offer the Linux guest by name, booted as Linux, explaining how to build it", () => {
    expect(LINUX_BUNDLED_GUEST.title).toBe("Linux — an unmodified 6.1 kernel and a busybox shell");
    expect(bundledGuest("linux")).toBe(LINUX_BUNDLED_GUEST);
    expect(guestBoot("linux")).toEqual({ boot: "linux" });
    expect(LINUX_BUNDLED_GUEST.description).toContain("npm install && npm run guests:linux");
    // It is not a file in public/guests/ (it would be precached): the list of those stays as it is.
    expect(BUNDLED_GUESTS.some((g) => g.file === "linux")).toBe(false);
    expect(initialGuest("?guest=linux")).toBe("linux");
  });
});
