#!/usr/bin/env node
// Bundles the hvplay CLI (src/cli/main.ts and all it imports) into one ES module, so that
// bin/hvplay.mjs starts in about a third of the time: through tsx, Node's start-up, tsx's loader
// hooks (a thread round trip per module) and the compile of ~120 modules took ~330 ms before the
// guest ran its first instruction; the bundle loads in ~60 ms. `npm ci` and `npm install` run this
// (package.json "prepare"); `npm run build:cli` runs it by hand.
//
// Beside the bundle, a manifest lists every source file esbuild read, with its size and mtime:
// bin/load-cli.mjs uses the bundle only while all of them are unchanged, and runs the sources
// through tsx otherwise (a developer's edit is never hidden behind a stale bundle).
//
//   node scripts/build-cli.mjs [--out DIR]     (default node_modules/.cache/hvplay)
//
// A failed build is reported and exits 0: the CLI still works from its sources.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_FILE, DEFAULT_BUNDLE_DIR, MANIFEST_FILE } from "../bin/load-cli.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const at = process.argv.indexOf("--out");
const outDir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : DEFAULT_BUNDLE_DIR;

try {
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, MANIFEST_FILE);
  // No manifest while the bundle is being replaced: a run meanwhile takes the sources.
  rmSync(manifestPath, { force: true });
  const started = Date.now();
  // Imported here, so that an install without dev dependencies (no esbuild) only loses the bundle.
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["src/cli/main.ts"],
    outfile: join(outDir, BUNDLE_FILE),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // As tsx compiles them (tsx runs esbuild with keepNames): the same code either way.
    keepNames: true,
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
  });
  // Besides what esbuild read: the options it took from tsconfig.json, and this script's own.
  const inputs = [...Object.keys(result.metafile.inputs), "tsconfig.json", "scripts/build-cli.mjs"].map((file) => {
    const s = statSync(join(root, file));
    return { file, size: s.size, mtimeMs: s.mtimeMs };
  });
  // A source saved while esbuild was reading it may not be in the bundle: no manifest, so the
  // sources run until the next build.
  const touched = inputs.find((i) => i.mtimeMs >= started);
  if (touched) {
    console.error(`build-cli: ${touched.file} changed during the build; the CLI runs from its sources`);
  } else {
    const tmp = `${manifestPath}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ entry: "src/cli/main.ts", inputs }, null, 1));
    renameSync(tmp, manifestPath);
  }
} catch (error) {
  console.error(`build-cli: the bundle was not built (${error instanceof Error ? error.message : String(error)}); the CLI runs from its sources`);
}
