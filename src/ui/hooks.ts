/**
 * React's view of the workbench: a context holding the one Workbench, and `useWorkbenchState`, a
 * narrow selector over the store read with useSyncExternalStore (STYLE.md §E, tldraw's useValue),
 * and `usePanelState`, the same over the panels' view of it.
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

/** State for what answers the user's input at once: the machine's state, the controls, errors. */
export function useWorkbenchState<T>(selector: (snapshot: WorkbenchSnapshot) => T): T {
  const { store } = useWorkbench();
  return useSyncExternalStore(store.subscribe, () => selector(store.getSnapshot()));
}

/**
 * State for a panel (registers, memory, disassembly, logs, plot): the same snapshot one painted
 * frame later (WorkbenchStore.getPanelSnapshot), so that the panels' rendering never delays the
 * frame that shows the machine's new state. A component reads all its state through one of the two.
 */
export function usePanelState<T>(selector: (snapshot: WorkbenchSnapshot) => T): T {
  const { store } = useWorkbench();
  return useSyncExternalStore(store.subscribePanels, () => selector(store.getPanelSnapshot()));
}
