/**
 * The bench's runners against the real thing, on the empty guest (bench-null.elf: exits at its
 * first instruction) and the default guest's first byte: hvplay's --stats lines parse, QEMU is run
 * as qemu-ref runs it, and v86 still offers the hooks the bench relies on (its port-I/O registry and
 * the Multiboot loader behind port 0xF4). Peers that are not installed are skipped, as the bench
 * itself reports them.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FILE, freshBundle } from "../bin/load-cli.mjs";
import { checkEnvironment } from "./environment";
import { prepareOursNode, runOursNode, type OursNode } from "./ours-node";
import { runQemu } from "./qemu";
import { runV86Node } from "./v86-node";
import { bootGuest, NULL_GUEST, type Workload } from "./workloads";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = checkEnvironment(root);
const nullWorkload: Workload = { name: "null", file: NULL_GUEST, metric: "mips", what: "" };
const boot: Workload = { name: "boot", file: bootGuest(root), metric: "first-byte", what: "" };

describe("bench runners on the empty guest", () => {
  let ours: OursNode;
  const logged: string[] = [];
  beforeAll(async () => {
    ours = await prepareOursNode(root, (line) => logged.push(line));
  }, 120_000);
  afterAll(() => ours?.dispose());

  it("hvplay's bundle is built for the runs (scripts/build-cli.mjs)", () => {
    const dir = ours.env.HVPLAY_CLI_BUNDLE!;
    expect(logged.filter((l) => l.includes("no bundle"))).toEqual([]);
    expect(freshBundle(dir)).toBe(join(dir, BUNDLE_FILE));
  });

  it("hvplay: status 1, no output, a handful of instructions and one exit, from --stats", async () => {
    const o = await runOursNode(root, ours, nullWorkload, 60_000);
    expect(o).toMatchObject({ ok: true, run: { output: "", status: 1, exits: 1 } });
    if (o.ok) expect(o.run.instructions).toBeLessThan(100);
  });

  it.skipIf(!env.qemuRef || env.qemuMissing)("QEMU via qemu-ref: status 1, no output", async () => {
    const o = await runQemu(root, env.qemuRef!, NULL_GUEST, "mips", 60_000);
    expect(o).toMatchObject({ ok: true, run: { output: "", status: 1 } });
  });

  it.skipIf(!env.bios)("v86: the exit device is seen, timed from the kernel's start (not the BIOS)", async () => {
    const o = await runV86Node(root, env.bios!, NULL_GUEST, "mips", 60_000);
    expect(o).toMatchObject({ ok: true, run: { output: "", status: 1, startupExcluded: true } });
    // Two instructions of guest; SeaBIOS and v86's Wasm start-up (hundreds of ms) are not counted.
    if (o.ok) expect(o.run.ms).toBeLessThan(100);
  });

  it.skipIf(!env.bios)("v86 and hvplay print the default guest's first bytes", async () => {
    const mine = await runOursNode(root, ours, boot, 60_000);
    const v86 = await runV86Node(root, env.bios!, boot.file, "first-byte", 60_000);
    expect(mine.ok && v86.ok).toBe(true);
    if (mine.ok && v86.ok) expect(v86.run.output.startsWith(mine.run.output) || mine.run.output.startsWith(v86.run.output)).toBe(true);
  });
});
