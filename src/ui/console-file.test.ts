import { describe, expect, it } from "vitest";
import { consoleFile, consoleFileName } from "./console-file";

const savedAt = new Date("2025-03-01T12:00:00Z");
const link = { ok: true as const, link: "https://play.test/#r=1.abc", embedLink: "https://play.test/?embed#r=1.abc", chars: 26, large: false };

describe("the console's saved file", () => {
  it("starts with the link that reproduces the guest, then the console as plain text", () => {
    expect(consoleFile({ guestName: "hello.elf", link, text: "Hello\r\nworld", savedAt })).toBe(
      [
        "# Hypervisor Playground console of hello.elf, saved 2025-03-01T12:00:00.000Z",
        "# To boot the same guest the same way (input typed at the console is not part of it), open:",
        "# https://play.test/#r=1.abc",
        "# ----",
        "Hello",
        "world",
        "",
      ].join("\n"),
    );
  });

  it("warns about a long link, and says why there is no link when the recipe does not fit", () => {
    const long = consoleFile({ guestName: "big.elf", link: { ...link, chars: 3000, large: true }, text: "x\n", savedAt });
    expect(long).toContain("\n# (The link is 3,000 characters: some apps cut links that long.)\n# ----\nx\n");
    const none = consoleFile({
      guestName: "huge.elf",
      link: { ok: false, message: "cannot share this: the link would be 90,000 characters, over the limit of 65,536 (64 KiB); share a smaller image, or a bundled guest" },
      text: "",
      savedAt,
    });
    expect(none).toBe(
      "# Hypervisor Playground console of huge.elf, saved 2025-03-01T12:00:00.000Z\n" +
        "# No share link for this guest: cannot share this: the link would be 90,000 characters, over the limit of 65,536 (64 KiB); share a smaller image, or a bundled guest.\n" +
        "# ----\n",
    );
    expect(consoleFile({ guestName: null, link: null, text: "a", savedAt })).toBe(
      "# Hypervisor Playground console, saved 2025-03-01T12:00:00.000Z\n# No share link: this page does not make them.\n# ----\na\n",
    );
  });

  it("is named after the guest", () => {
    expect(consoleFileName("hello.elf")).toBe("hello-console.txt");
    expect(consoleFileName(null)).toBe("console.txt");
  });
});
