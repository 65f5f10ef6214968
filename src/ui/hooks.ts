/**
 * React's view of the workbench: a context holding the one Workbench, and `useWorkbenchState`, a
 * narrow selector over the store read with useSyncExternalStore (STYLE.md §E, tldraw's useValue).
 * Selectors must return values that stay identical while the data is unchanged (fields of the
 * snapshot, not freshly built objects), or React would re-render on every batch.
 */
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore } from "react";
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

/**
 * `value`, but changed at most once per `ms` (the latest value always arrives, at most `ms` late);
 * with `ms` = 0 it follows at once. For views that cost a layout per change and need not follow a
 * guest at 60 changes a second.
 */
export function useThrottledValue<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  const current = ms <= 0 ? value : shown;
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = ms <= 0 ? 0 : last.current + ms - performance.now();
    if (wait <= 0) {
      last.current = performance.now();
      setShown(value);
      return;
    }
    const timer = setTimeout(() => {
      last.current = performance.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, ms]);
  return current;
}
