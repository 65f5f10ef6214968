/** Test helper: waits for the workbench's store to satisfy a condition (polling every 10 ms). */
import type { WorkbenchSnapshot } from "../store";

/** Resolves once `cond(snapshot())` holds; after `ms`, fails naming `what`, the machine's state and the errors. */
export async function until(what: string, snapshot: () => WorkbenchSnapshot, cond: (s: WorkbenchSnapshot) => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond(snapshot())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; state ${JSON.stringify(snapshot().machine)}, errors ${JSON.stringify(snapshot().errors)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
