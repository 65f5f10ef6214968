/**
 * The block compiler's differential tests (jit.test.ts, jit-64.test.ts): the same program run with
 * the compiler off and with it compiling every block at its first lookup, compared by Outcome or by
 * a trace of slices.
 */
import { afterEach } from "vitest";
import { jit } from "../jit";
import { nasm } from "../../testing/nasm";
import { outcome, type Outcome } from "./outcome";
import type { Runner } from "./runner";

const assembled = new Map<string, Uint8Array>();

/** NASM's bytes for `src`, assembled once per test file. */
export function assembleOnce(src: string): Uint8Array {
  let bytes = assembled.get(src);
  if (bytes === undefined) {
    bytes = nasm(src);
    assembled.set(src, bytes);
  }
  return bytes;
}

/** The compiler's settings, to restore after a test that changes them. */
export function jitSettings(): Pick<typeof jit, "enabled" | "threshold" | "everyLookup" | "shortPasses" | "minInlined" | "longMode"> {
  return { enabled: jit.enabled, threshold: jit.threshold, everyLookup: jit.everyLookup, shortPasses: jit.shortPasses, minInlined: jit.minInlined, longMode: jit.longMode };
}

/** Restores the compiler's settings after each test of the calling file (the tests change them). */
export function restoreJitAfterEach(): void {
  const saved = jitSettings();
  afterEach(() => {
    Object.assign(jit, saved);
  });
}

/**
 * The compiler off, or compiling every block at its first lookup (any lookup: jit.everyLookup):
 * however many calls it holds, 64-bit code too.
 */
export function compileEverything(compiled: boolean): void {
  jit.enabled = compiled;
  jit.threshold = compiled ? 1 : Infinity;
  jit.everyLookup = true;
  jit.minInlined = 0;
  jit.longMode = true;
}

/**
 * Runs of the programs `setup` loads: whole (the Outcome, with the data page at `data`), or in slices
 * of `budget` instructions until an exit (RIP, the registers `traced`, RFLAGS and the count after each).
 */
export function differential(setup: (src: string) => Runner, data: number, traced: readonly number[]) {
  return {
    runWith(compiled: boolean, src: string, budget = 1_000_000): Outcome {
      compileEverything(compiled);
      const r = setup(src);
      return outcome(r, r.run(budget), data);
    },
    sliced(compiled: boolean, src: string, budget: number): string[] {
      compileEverything(compiled);
      const r = setup(src);
      const trace: string[] = [];
      for (let i = 0; i < 100_000; i++) {
        const exit = r.run(budget);
        trace.push(`${r.cpu.getRip()} ${traced.map((k) => r.r(k)).join(" ")} ${r.cpu.getRflags()} ${r.cpu.instructionsRetired}`);
        if (exit !== 0) break;
      }
      return trace;
    },
  };
}
