#!/usr/bin/env node
// hvplay — the playground's headless runner. Works straight after `npm ci`: tsx compiles the
// TypeScript sources on the fly (tsx's ESM API, scoped to this import), so there is no build step.
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../src/cli/main.ts", import.meta.url);
const status = await main(process.argv.slice(2));
// Let stdout drain before leaving (a pipe may still hold the guest's last bytes).
process.stdout.write("", () => process.exit(status));
