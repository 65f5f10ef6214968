#!/usr/bin/env node
// hvplay — the playground's headless runner. Works straight after `npm ci`, which also bundles it
// (scripts/build-cli.mjs) so that it starts quickly; after an edit to its sources it runs them
// through tsx until the next `npm run build:cli` (bin/load-cli.mjs).
import { loadCli } from "./load-cli.mjs";

const main = await loadCli();
const status = await main(process.argv.slice(2));
// Let stdout drain before leaving (a pipe may still hold the guest's last bytes).
process.stdout.write("", () => process.exit(status));
