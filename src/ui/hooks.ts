/**
 * React's view of the workbench: a context holding the one Workbench, and `useWorkbenchState`, a
 * narrow selector over the store read with useSyncExternalStore (STYLE.md §E, tldraw's useValue).
 * Selectors must return values that stay identical while the data is unchanged (fields of the
 * snapshot, not freshly built objects), or React would re-render on every batch.
 */
import { createContext, useContext, useSyncExternalStore } from "react";
import type { WorkbenchSnapshot } from "./store";
import type { Workbench } from "./workbench";

export const WorkbenchContext = createContext<Workbench | null>(null);

export function useWorkbench(): Workbench {
  const workbench = useContext(WorkbenchContext);
  if (!workbench) throw new Error("useWorkbench outside <WorkbenchContext>");
  return workbench;
}

export function useWorkbenchState<T>(selector: (snapshot: WorkbenchSnapshot) => T): T {
  const { store } = useWorkbench();
  return useSyncExternalStore(store.subscribe, () => selector(store.getSnapshot()));
}
