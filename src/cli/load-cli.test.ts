import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUNDLE_FILE, MANIFEST_FILE, freshBundle } from "../../bin/load-cli.mjs";

// bin/hvplay.mjs runs the bundle scripts/build-cli.mjs makes while its sources are unchanged, and
// the sources through tsx otherwise (bin/load-cli.mjs).
const root = join(__dirname, "..", "..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "hvplay-cli-"));
  dirs.push(d);
  return d;
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const helloStdout = readFileSync(join(root, "guests", "expected", "hello.txt"), "latin1");

/** A stand-in bundle whose main() says so, with a manifest listing `inputs` (repository paths) as they are now. */
function fakeBundle(inputs: string[]): string {
  const dir = tempDir();
  writeFileSync(join(dir, BUNDLE_FILE), `export async function main() { process.stdout.write("the bundle ran\\n"); return 0; }\n`);
  const listed = inputs.map((file) => {
    const s = statSync(join(root, file));
    return { file, size: s.size, mtimeMs: s.mtimeMs };
  });
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ entry: "src/cli/main.ts", inputs: listed }));
  return dir;
}

function editManifest(dir: string, edit: (inputs: { file: string; size: number; mtimeMs: number }[]) => void): void {
  const path = join(dir, MANIFEST_FILE);
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(manifest.inputs);
  writeFileSync(path, JSON.stringify(manifest));
}

describe("the CLI's bundle", () => {
  it("is used while every input is as its manifest recorded, and not once one differs", () => {
    const dir = fakeBundle(["src/cli/main.ts", "package.json"]);
    expect(freshBundle(dir)).toBe(join(dir, BUNDLE_FILE));
    editManifest(dir, (inputs) => (inputs[1].mtimeMs += 1));
    expect(freshBundle(dir)).toBeNull();
    editManifest(dir, (inputs) => {
      inputs[1].mtimeMs -= 1;
      inputs[0].size += 1;
    });
    expect(freshBundle(dir)).toBeNull();
    editManifest(dir, (inputs) => {
      inputs[0].size -= 1;
      inputs.push({ file: "src/cli/no-such-file.ts", size: 1, mtimeMs: 1 });
    });
    expect(freshBundle(dir)).toBeNull();
    editManifest(dir, (inputs) => void inputs.pop());
    expect(freshBundle(dir)).toBe(join(dir, BUNDLE_FILE));
    editManifest(dir, (inputs) => void inputs.splice(0));
    expect(freshBundle(dir)).toBeNull();
  });

  it("is not used without its manifest or without the bundle itself", () => {
    const dir = fakeBundle(["src/cli/main.ts"]);
    rmSync(join(dir, BUNDLE_FILE));
    expect(freshBundle(dir)).toBeNull();
    const other = fakeBundle(["src/cli/main.ts"]);
    rmSync(join(other, MANIFEST_FILE));
    expect(freshBundle(other)).toBeNull();
    writeFileSync(join(other, MANIFEST_FILE), "{ not json");
    expect(freshBundle(other)).toBeNull();
  });

  it("is what bin/hvplay.mjs runs when fresh; a stale one, or HVPLAY_FROM_SOURCE=1, runs the sources", async () => {
    const dir = fakeBundle(["src/cli/main.ts"]);
    const hello = ["bin/hvplay.mjs", "run", "public/guests/hello.elf"];
    const fresh = await run(hello, { HVPLAY_CLI_BUNDLE: dir });
    expect(fresh.stdout).toBe("the bundle ran\n");
    const fromSource = await run(hello, { HVPLAY_CLI_BUNDLE: dir, HVPLAY_FROM_SOURCE: "1" });
    expect(fromSource.stdout).toBe(helloStdout);
    editManifest(dir, (inputs) => (inputs[0].mtimeMs -= 1000));
    const stale = await run(hello, { HVPLAY_CLI_BUNDLE: dir });
    expect(stale.stdout).toBe(helloStdout);
    expect(stale.status).toBe(fromSource.status);
  }, 30_000);

  it("built by scripts/build-cli.mjs, runs a guest as the sources do and lists what it was built from", async () => {
    const dir = tempDir();
    const built = await run(["scripts/build-cli.mjs", "--out", dir]);
    expect(built.stderr).toBe("");
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as { inputs: { file: string }[] };
    const files = manifest.inputs.map((i) => i.file);
    for (const f of ["src/cli/main.ts", "src/cli/asm.ts", "src/zircon/kernel.ts", "src/vmm/machine.ts", "src/x86/jit.ts"]) expect(files).toContain(f);
    expect(freshBundle(dir)).toBe(join(dir, BUNDLE_FILE));
    // The bundle itself, without the launcher: hello.elf's bytes as QEMU printed them, and --stats.
    const bundleUrl = `file://${join(dir, BUNDLE_FILE)}`;
    const direct = await run(["--input-type=module", "-e", `const { main } = await import(${JSON.stringify(bundleUrl)}); process.exitCode = await main(["run", "public/guests/hello.elf", "--stats"]);`]);
    expect(direct.stdout).toBe(helloStdout);
    expect(direct.stderr).toMatch(/^hvplay: \d+ instructions retired in [\d.]+ s/);
    expect(direct.status).toBe(Number(readFileSync(join(root, "guests", "expected", "hello.status"), "utf8")));
  }, 60_000);
});
