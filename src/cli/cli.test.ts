import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// End to end: `node bin/hvplay.mjs run ...` as a user runs it, compared byte for byte with what QEMU
// printed for the same guest (guests/expected, recorded with /work/shared/tools/qemu-ref).
const root = join(__dirname, "..", "..");

function hvplay(args: string[], stdin?: string): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin", "hvplay.mjs"), ...args], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out), stderr: err }));
    if (stdin !== undefined) child.stdin.write(Buffer.from(stdin, "latin1"));
    child.stdin.end();
  });
}

const expected = (name: string) => ({
  stdout: readFileSync(join(root, "guests", "expected", `${name}.txt`)),
  status: Number(readFileSync(join(root, "guests", "expected", `${name}.status`), "utf8")),
});

describe("hvplay run, against QEMU's recorded output", () => {
  // Every guest with a recorded QEMU output runs here, except bench-int (a billion instructions:
  // `npm run bench` runs it). A guest with an expected/NAME.stdin (echo, monitor) gets it on stdin,
  // which hvplay feeds to COM1's receiver (the UART interrupt through the 8259A).
  const special = new Set(["bench-int"]);
  const recorded = readdirSync(join(root, "guests", "expected"))
    .filter((f) => f.endsWith(".status"))
    .map((f) => f.slice(0, -".status".length))
    .filter((name) => !special.has(name))
    .sort();
  for (const name of recorded) {
    const file = existsSync(join(root, "public", "guests", `${name}.elf`)) ? `${name}.elf` : `${name}.bin`;
    // NAME.args: the run options a guest needs (a boot sector: "--boot flat").
    const argsFile = join(root, "guests", "expected", `${name}.args`);
    // A JSON array when an argument holds spaces (mbinfo-mods' module strings), else words.
    const argsText = existsSync(argsFile) ? readFileSync(argsFile, "utf8").trim() : "";
    const extra: string[] = argsText.startsWith("[") ? JSON.parse(argsText) : argsText ? argsText.split(/\s+/) : [];
    const stdinFile = join(root, "guests", "expected", `${name}.stdin`);
    const stdin = existsSync(stdinFile) ? readFileSync(stdinFile, "latin1") : undefined;
    it(`${file}${stdin === undefined ? "" : ` with ${name}.stdin`}: same bytes on stdout and the same exit status as QEMU`, async () => {
      const r = await hvplay(["run", `public/guests/${file}`, ...extra], stdin);
      const e = expected(name);
      expect(r.stderr).toBe("");
      expect(r.stdout.toString("latin1")).toBe(e.stdout.toString("latin1"));
      expect(r.status).toBe(e.status);
    });
  }

  it("--stats reports instructions, exits by kind and MIPS on stderr, not stdout", async () => {
    const r = await hvplay(["run", "public/guests/hello.elf", "--stats"]);
    expect(r.stdout.toString("latin1")).toBe(expected("hello").stdout.toString("latin1"));
    expect(r.stderr).toMatch(/^hvplay: \d+ instructions retired in [\d.]+ s \([\d.]+ MIPS\)\nhvplay: exits by kind: io \d+/);
  });

  it("--exit-hash prints the same fingerprint of the exits in every run, and the output is unchanged", async () => {
    const runs = [await hvplay(["run", "public/guests/hello.elf", "--exit-hash"]), await hvplay(["run", "public/guests/hello.elf", "--exit-hash"])];
    for (const r of runs) {
      expect(r.stdout.toString("latin1")).toBe(expected("hello").stdout.toString("latin1"));
      expect(r.stderr).toMatch(/^hvplay: exit hash [0-9a-f]{8} \(\d+ exits\)\n$/);
    }
    expect(runs[1].stderr).toBe(runs[0].stderr);
  });

  it("--trap sets a trap after the VMM's: the guest runs as before; a refused one is status 2 naming Zircon's status", async () => {
    const r = await hvplay(["run", "public/guests/hello.elf", "--trap", "mem:0xd0000000:0x1000:7", "--trap", "bell:0xd0001000:0x1000:8"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.toString("latin1")).toBe(expected("hello").stdout.toString("latin1"));
    expect(r.status).toBe(expected("hello").status);
    const refused = await hvplay(["run", "public/guests/hello.elf", "--trap", "mem:0xfec00000:0x1000:1"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      "hvplay: --trap: zx_guest_set_trap(MEM 0xfec00000 size 0x1000 key 1) failed: ZX_ERR_ALREADY_EXISTS (it overlaps the VMM's ioapic at 0xfec00000; MEM and BELL traps may not overlap)\n",
    );
    const unaligned = await hvplay(["run", "public/guests/hello.elf", "--trap", "bell:0xd0000800:0x1000:1"]);
    expect(unaligned.status).toBe(2);
    expect(unaligned.stderr).toMatch(/ZX_ERR_INVALID_ARGS \(MEM and BELL traps need a page-aligned address and size/);
  });

  it("--max-instructions stops the guest with status 4", async () => {
    const r = await hvplay(["run", "public/guests/bench-int.elf", "--max-instructions", "100000"]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/max-instructions 100000/);
  });
});

describe("hvplay errors", () => {
  it("a bad image: one line on stderr, status 2", async () => {
    const r = await hvplay(["run", "guests/README.md"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hvplay: guests\/README\.md: no Multiboot header[^\n]*\n$/);
  });

  it("a missing image: status 2", async () => {
    const r = await hvplay(["run", "no/such.elf"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read no\/such\.elf: ENOENT/);
  });

  it("help on stdout with status 0; misplaced options with status 2; asm of a missing file with status 2", async () => {
    const help = await hvplay(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout.toString()).toMatch(/Usage:/);
    const mode = await hvplay(["run", "x.bin", "--mode", "real"]);
    expect(mode.status).toBe(2);
    expect(mode.stderr).toBe("hvplay: --mode belongs to --boot flat (this is --boot multiboot)\n");
    const asm = await hvplay(["asm", "in.asm"]);
    expect(asm.status).toBe(2);
    expect(asm.stderr).toMatch(/cannot read in\.asm: ENOENT/);
  });
});
