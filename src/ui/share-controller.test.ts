/**
 * Share links end to end without a browser: a real Workbench and ShareController talking through
 * Comlink over a MessageChannel to a real HypervisorSession (src/zircon + src/vmm), guests from
 * public/guests/. Share on one "page", open the link on another, and compare what the guests print.
 * The browser flow (clipboard, layout) is e2e/share.spec.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as Comlink from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import { HypervisorSession } from "../../workers/hypervisor-session";
import { createZirconBackend } from "../../workers/zircon-backend";
import { decodeFragment } from "../share/codec";
import { ShareController, trackWorkers } from "./share-controller";
import { readPageRequest } from "./share-link";
import { assembleSource, initialGuestFor } from "./share-setup";
import type { WorkbenchSnapshot } from "./store";
import { until } from "./testing/until";
import { Workbench } from "./workbench";

const root = path.resolve(import.meta.dirname, "../..");
const guestFile = (name: string) => path.join(root, "public", "guests", name);
const haveGuests = ["hello.elf", "mbinfo.elf", "monitor.elf", "echo.elf"].every((f) => existsSync(guestFile(f)));

async function fetchBundled(file: string): Promise<Uint8Array> {
  if (!existsSync(guestFile(file))) throw new Error(`/guests/${file}: HTTP 404`);
  return new Uint8Array(readFileSync(guestFile(file)));
}

/** A "worker": one end of a MessageChannel, with a real session exposed on the other. */
function channelWorker(): Worker {
  const { port1, port2 } = new MessageChannel();
  const session = new HypervisorSession(createZirconBackend({ fetchGuest: async (name) => ({ name, image: await fetchBundled(name) }) }), { statsIntervalMs: 0 });
  Comlink.expose(session, port2);
  return Object.assign(port1, {
    terminate: () => {
      void session.dispose();
      port1.close();
      port2.close();
    },
  }) as unknown as Worker;
}

const pages: Workbench[] = [];
afterEach(() => {
  for (const p of pages.splice(0)) p.dispose();
});

/** A page opened at `search` + `hash`: its workbench, share controller and store. */
function openPage(search = "", hash = "") {
  const request = readPageRequest(search, hash);
  const workers = trackWorkers(channelWorker);
  const workbench = new Workbench({ isolated: true, initialGuest: initialGuestFor(request, search), createWorker: workers.factory });
  pages.push(workbench);
  const copied: string[] = [];
  const share = new ShareController({
    workbench,
    workers,
    sources: { fetchBundled, assemble: assembleSource },
    origin: "https://play.test",
    pathname: "/",
    copy: async (text) => (copied.push(text), true),
  });
  workbench.start();
  const opened = share.openLink(request.link, request.embed);
  const snapshot = () => workbench.store.getSnapshot();
  return { workbench, share, copied, opened, snapshot };
}

const exited = (s: WorkbenchSnapshot) => s.machine.kind === "exited";

describe.skipIf(!haveGuests)("share links between two pages", () => {
  it("a bundled guest: the link names it, and the other page prints the same", async () => {
    const a = openPage("?guest=hello.elf");
    await until("hello to exit", a.snapshot, exited);
    const shared = await a.share.share();
    expect(shared).toMatchObject({ ok: true, large: false, copied: true });
    if (!shared.ok) return;
    expect(a.copied).toEqual([shared.link]);
    expect(shared.link).toMatch(/^https:\/\/play\.test\/#r=1\.[\w-]+$/);
    expect(shared.embedLink).toMatch(/^https:\/\/play\.test\/\?embed#r=1\./);
    expect(decodeFragment(new URL(shared.link).hash)).toMatchObject({ ok: true, recipe: { guest: { kind: "bundled", file: "hello.elf" } } });

    const b = openPage("", new URL(shared.link).hash);
    await b.opened;
    await until("hello to exit on the second page", b.snapshot, exited);
    expect(b.snapshot().guestName).toBe("hello.elf");
    expect(b.snapshot().consoleText).toBe(a.snapshot().consoleText);
    expect(b.snapshot().errors).toEqual([]);
  });

  it("an opened image with a command line and a smaller machine: the link carries them all", async () => {
    const a = openPage("?guest=hello.elf");
    await until("hello to exit", a.snapshot, exited);
    // As "Open image…" would, plus what only a link can set today: memory and command line.
    const image = await fetchBundled("mbinfo.elf");
    const api = Comlink.wrap<import("../../workers/api").HypervisorApi>(a.workbench["worker"]!);
    // The new machine's exit, not hello's: a fast guest can load, run and exit between two polls.
    const before = a.snapshot().machineGeneration;
    expect(await api.load({ name: "my-kernel.elf", image, cmdline: "from a link", machine: { memoryMiB: 16 } })).toBeNull();
    await a.workbench.run();
    await until("mbinfo to exit", a.snapshot, (s) => s.machineGeneration > before && exited(s));
    expect(a.snapshot().consoleText).toContain('cmdline="my-kernel.elf from a link"');

    const shared = await a.share.share();
    expect(shared.ok).toBe(true);
    if (!shared.ok) return;
    const recipe = decodeFragment(new URL(shared.link).hash);
    expect(recipe).toMatchObject({ ok: true, recipe: { guest: { kind: "image", name: "my-kernel.elf" }, memoryMiB: 16, cmdline: "from a link" } });

    const b = openPage("", new URL(shared.link).hash);
    await b.opened;
    // (Not by guestName: the store learns it from a "loading" state, which a batch drops when the
    // load and the run finish within one flush.)
    await until("the shared image to exit", b.snapshot, (s) => exited(s) && s.consoleText.includes("my-kernel.elf"));
    expect(b.snapshot().consoleText).toBe(a.snapshot().consoleText);
  });

  it("replays the recipe's console input", async () => {
    const input = readFileSync(path.join(root, "guests", "expected", "echo.stdin"), "utf8");
    const expected = readFileSync(path.join(root, "guests", "expected", "echo.txt"), "utf8");
    const a = openPage("?guest=echo.elf");
    await until("echo to run", a.snapshot, (s) => s.machine.kind === "running" && s.consoleText.length > 0);
    const shared = await a.share.share();
    if (!shared.ok) throw new Error(shared.message);
    const link = decodeFragment(new URL(shared.link).hash);
    if (!link?.ok) throw new Error("no recipe");
    const { encodeRecipe } = await import("../share/codec");
    const withInput = encodeRecipe({ ...link.recipe, consoleInput: input });
    if (!withInput.ok) throw new Error(withInput.error.message);

    const b = openPage("", withInput.fragment);
    await b.opened;
    await until("echo to exit", b.snapshot, exited);
    expect(b.snapshot().consoleText.replace(/\r\n/g, "\n")).toBe(expected.replace(/\r\n/g, "\n"));
  });

  it("assembly source: assembled by src/asm and booted the way the recipe says", async () => {
    const { encodeRecipe } = await import("../share/codec");
    const { defaultRecipe } = await import("../share/recipe");
    // A boot sector: real mode at 0000:7C00, prints on the debug console, leaves through the exit device.
    const text = ["bits 16", "org 0x7c00", "mov si, msg", "next: lodsb", "test al, al", "jz done", "out 0xe9, al", "jmp next",
      "done: mov al, 3", "out 0xf4, al", "hlt", 'msg: db "assembled from a link", 10, 0'].join("\n");
    const boot = { method: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 } as const;
    const good = encodeRecipe(defaultRecipe({ kind: "source", name: "link.asm", text }, boot));
    const bad = encodeRecipe(defaultRecipe({ kind: "source", name: "bad.asm", text: "bits 16\nmov ax, [bx+ax]\n" }, boot));
    if (!good.ok || !bad.ok) throw new Error("encode");

    const p = openPage("", good.fragment);
    await p.opened;
    await until("the assembled guest to exit", p.snapshot, (s) => exited(s) && s.consoleText.includes("assembled"));
    expect(p.snapshot().consoleText).toBe("assembled from a link\n");
    expect(p.snapshot().machine).toEqual({ kind: "exited", exitStatus: 7 });

    const q = openPage("", bad.fragment);
    await q.opened;
    await until("the default guest to greet", q.snapshot, (s) => s.machine.kind === "running" && s.consoleText.includes("hvplay> "));
    expect(q.snapshot().errors.join("\n")).toMatch(/Could not boot the share link: bad\.asm does not assemble: bad\.asm:2: /);
  });

  it("traps: added on one page, carried by the link (version 2), set on the other page's guest, with the same exits", async () => {
    // A boot sector that reads a page three times, printing "B" for a 0 read and "A" for all ones.
    const text = ["bits 16", "org 0x7c00", "mov ax, 0xd000", "mov ds, ax", "mov cx, 3", "again: mov al, [0]", "add al, 'B'", "out 0xe9, al", "loop again",
      "mov al, 0", "out 0xf4, al", "hlt"].join("\n");
    const { encodeRecipe } = await import("../share/codec");
    const { defaultRecipe } = await import("../share/recipe");
    const start = encodeRecipe(defaultRecipe({ kind: "source", name: "trap.asm", text }, { method: "flat", mode: "real", load: 0x7c00, entry: 0x7c00 }));
    if (!start.ok) throw new Error(start.error.message);
    const a = openPage("", start.fragment);
    await a.opened;
    // Real mode: DS 0xd000 is linear 0xd0000, RAM (zeros) at first. A trap there hides that page of
    // RAM, as Zircon's zx_guest_set_trap does; the reads then exit under the trap's key.
    await until("the guest to read RAM and exit", a.snapshot, (s) => exited(s) && s.consoleText.length === 3);
    expect(a.snapshot().consoleText).toBe("BBB");
    const trap = { kind: "mem" as const, addr: 0xd0000, size: 0x1000, key: 0x99n };
    expect(await a.workbench.addTrap(trap)).toBeNull();
    expect(a.snapshot().traps).toEqual([trap]);
    const untrapped = a.snapshot().machineGeneration;
    await a.workbench.reset();
    await a.workbench.run();
    await until("the trapped guest to exit", a.snapshot, (s) => s.machineGeneration > untrapped && exited(s));
    expect(a.snapshot().consoleText).toBe("AAA");
    const trapExits = (s: WorkbenchSnapshot) => s.exits.filter((e) => e.summary.includes("trap key 153")).map((e) => `${e.kind} ${e.summary} @${e.instructions}`);
    expect(trapExits(a.snapshot())).toHaveLength(3);

    const shared = await a.share.share();
    if (!shared.ok) throw new Error(shared.message);
    expect(shared.link).toMatch(/#r=2\./);
    expect(decodeFragment(new URL(shared.link).hash)).toMatchObject({ ok: true, recipe: { traps: [trap] } });
    const b = openPage("", new URL(shared.link).hash);
    await b.opened;
    await until("the trapped guest to exit on the second page", b.snapshot, (s) => exited(s) && s.consoleText === "AAA");
    expect(b.snapshot().traps).toEqual([trap]);
    expect(trapExits(b.snapshot())).toEqual(trapExits(a.snapshot()));
  });

  it("a link whose trap the kernel refuses: the error names Zircon's status, and the default guest runs without it", async () => {
    const { encodeRecipe } = await import("../share/codec");
    const { defaultRecipe } = await import("../share/recipe");
    // Over the VMM's IO-APIC page: zx_guest_set_trap says ZX_ERR_ALREADY_EXISTS.
    const link = encodeRecipe({ ...defaultRecipe({ kind: "bundled", file: "hello.elf" }), traps: [{ kind: "mem", addr: 0xfec00000, size: 0x1000, key: 1n }] });
    if (!link.ok) throw new Error(link.error.message);
    const p = openPage("", link.fragment);
    await p.opened;
    await until("the default guest to greet", p.snapshot, (s) => s.machine.kind === "running" && s.consoleText.includes("hvplay> "));
    expect(p.snapshot().errors.join("\n")).toContain(
      "Could not boot the share link: hello.elf: zx_guest_set_trap(MEM 0xfec00000 size 0x1000 key 1) failed: ZX_ERR_ALREADY_EXISTS (it overlaps the VMM's ioapic at 0xfec00000",
    );
    expect(p.snapshot().traps).toEqual([]);
  });

  it("a corrupt or future link: a readable error, and the default guest runs", async () => {
    for (const hash of ["#r=1.eNqrVipTsjLUUUovTS0uUbKqVsrOzEtRslJKKs1LyUlNUdJRSsvMSQUKZKTm5OTrpeakKdXWAgDAbhE0", "#r=4.AAAA"]) {
      const p = openPage("", hash);
      await p.opened;
      await until("the default guest to greet", p.snapshot, (s) => s.machine.kind === "running" && s.consoleText.includes("hvplay> "));
      expect(p.snapshot().guestName).toBe("monitor.elf");
      expect(p.snapshot().errors).toHaveLength(1);
      expect(p.snapshot().errors[0]).toMatch(/^Could not open the share link: this link (is damaged: the data does not match its checksum|was made by a newer playground \(version 4\); this one reads up to 3)/);
    }
  });

  it("a link whose guest cannot be booted: a readable error, and the default guest runs", async () => {
    const { encodeRecipe } = await import("../share/codec");
    const { defaultRecipe } = await import("../share/recipe");
    const gone = encodeRecipe(defaultRecipe({ kind: "bundled", file: "gone.elf" }));
    const notAKernel = encodeRecipe(defaultRecipe({ kind: "image", name: "junk.bin", bytes: new Uint8Array(64).fill(0xcc) }));
    if (!gone.ok || !notAKernel.ok) throw new Error("encode");
    for (const [fragment, reason] of [
      [gone.fragment, "this link boots the bundled guest gone.elf, which could not be fetched: /guests/gone.elf: HTTP 404"],
      [notAKernel.fragment, "Could not boot the share link: junk.bin: "],
    ] as const) {
      const p = openPage("", fragment);
      await p.opened;
      await until("the default guest to greet", p.snapshot, (s) => s.machine.kind === "running" && s.consoleText.includes("hvplay> "));
      expect(p.snapshot().errors.join("\n")).toContain(reason);
    }
  });

  it("embed: the guest waits for Run, and Run again boots it afresh", async () => {
    const a = openPage("?guest=hello.elf");
    await until("hello to exit", a.snapshot, exited);
    const expected = a.snapshot().consoleText;
    const shared = await a.share.share();
    if (!shared.ok) throw new Error(shared.message);

    const url = new URL(shared.embedLink);
    const b = openPage(url.search, url.hash);
    await b.opened;
    await until("the guest to be ready", b.snapshot, (s) => s.machine.kind === "ready");
    expect(b.snapshot().consoleText).toBe("");
    expect(await b.share.run()).toBe(true);
    await until("hello to exit", b.snapshot, exited);
    expect(b.snapshot().consoleText).toBe(expected);
    // Booted afresh: a new machine (it may well load, run and exit between two polls).
    const first = b.snapshot().machineGeneration;
    expect(await b.share.run()).toBe(true);
    await until("hello to exit again", b.snapshot, (s) => s.machineGeneration > first && exited(s));
    expect(b.snapshot().consoleText).toBe(expected);
  });

  it("says there is nothing to share when nothing is loaded", async () => {
    const p = openPage("?guest=missing.elf");
    await until("the fetch to fail", p.snapshot, (s) => s.errors.length > 0);
    expect(await p.share.share()).toEqual({ ok: false, message: "nothing to share: no guest is loaded" });
  });
});

describe.skipIf(!haveGuests)("the worker the workbench starts", () => {
  it("is asked to fetch the bundled guest it boots first; after an opened image, nothing", async () => {
    const asked: ({ prefetch?: string } | undefined)[] = [];
    const workbench = new Workbench({ isolated: true, initialGuest: "hello.elf", createWorker: (options) => (asked.push(options), channelWorker()) });
    pages.push(workbench);
    workbench.start();
    expect(asked).toEqual([{ prefetch: "hello.elf" }]);
    await until("hello to exit", () => workbench.store.getSnapshot(), exited);
    workbench.rememberImage({ name: "mine.elf", image: await fetchBundled("mbinfo.elf") });
    workbench.restart();
    expect(asked[1]).toEqual({ prefetch: undefined });
    await workbench.bootGuest("echo.elf");
    workbench.restart();
    expect(asked[2]).toEqual({ prefetch: "echo.elf" });
  });
});
