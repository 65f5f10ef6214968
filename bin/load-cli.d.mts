// Types for bin/load-cli.mjs (a plain ES module run by node), for its tests.
/** Where `npm ci` (package.json "prepare") puts the bundle. */
export const DEFAULT_BUNDLE_DIR: string;
export const BUNDLE_FILE: string;
export const MANIFEST_FILE: string;
/** The bundle's path when it and every input its manifest lists are unchanged since its build; else null. */
export function freshBundle(dir?: string): string | null;
/** main(argv) → exit status, from the bundle or the sources. */
export function loadCli(env?: Record<string, string | undefined>): Promise<(argv: string[]) => Promise<number>>;
