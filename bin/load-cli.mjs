// Loads the hvplay CLI's main(): from the bundle scripts/build-cli.mjs makes, while every source
// file it was built from is unchanged, else from the TypeScript sources through tsx's ESM API
// (scoped to this import), which needs no build step at all. The two run the same code.
//
// HVPLAY_FROM_SOURCE=1 always takes the sources; HVPLAY_CLI_BUNDLE=DIR looks for the bundle in DIR.
// A stack trace from the bundle (a kernel's "internal error" log) names the bundle's lines; its
// source map is beside it, so `node --enable-source-maps bin/hvplay.mjs ...` names the sources (not
// on by default: parsing the map costs every start ~50 ms).
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

/** Where `npm ci` (package.json "prepare") puts the bundle. */
export const DEFAULT_BUNDLE_DIR = join(root, "node_modules", ".cache", "hvplay");
export const BUNDLE_FILE = "cli.mjs";
export const MANIFEST_FILE = "cli-inputs.json";

/**
 * The bundle's path when it is there and its manifest's inputs (paths relative to the repository)
 * all have the size and mtime recorded at its build; null otherwise.
 */
export function freshBundle(dir = DEFAULT_BUNDLE_DIR) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"));
    statSync(join(dir, BUNDLE_FILE));
  } catch {
    return null;
  }
  if (!Array.isArray(manifest?.inputs) || manifest.inputs.length === 0) return null;
  for (const input of manifest.inputs) {
    let s;
    try {
      s = statSync(join(root, String(input.file)));
    } catch {
      return null;
    }
    if (s.size !== input.size || s.mtimeMs !== input.mtimeMs) return null;
  }
  return join(dir, BUNDLE_FILE);
}

/** main(argv) → exit status, from the bundle or the sources. */
export async function loadCli(env = process.env) {
  const bundle = env.HVPLAY_FROM_SOURCE === "1" ? null : freshBundle(env.HVPLAY_CLI_BUNDLE ? resolve(env.HVPLAY_CLI_BUNDLE) : DEFAULT_BUNDLE_DIR);
  if (bundle !== null) return (await import(pathToFileURL(bundle).href)).main;
  const { tsImport } = await import("tsx/esm/api");
  return (await tsImport("../src/cli/main.ts", import.meta.url)).main;
}
