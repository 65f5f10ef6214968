#!/usr/bin/env node
// npm run bench — ours (hvplay in Node, the app's worker in headless Chromium) against v86 (Node and
// Chromium) and QEMU TCG on the same guests, in one run on one machine; see bench/main.ts and
// `npm run bench -- --help`. Like bin/hvplay.mjs, it loads its TypeScript through tsx's ESM API, so
// there is no build step.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { main } = await tsImport("./main.ts", import.meta.url);
const status = await main(process.argv.slice(2), root);
process.stdout.write("", () => process.exit(status));
