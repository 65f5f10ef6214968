/**
 * The guest RAM view for the current machine: fetched once per machine (getRam shares the worker's
 * SharedArrayBuffer, it does not copy), refetched when machineGeneration changes.
 */
import { useEffect, useState } from "react";
import { useWorkbench, usePanelState } from "../hooks";

export function useGuestRam(): Uint8Array | null {
  const workbench = useWorkbench();
  const generation = usePanelState((s) => s.machineGeneration);
  // A machine that has just been created may not have its RAM until it is loaded: refetch on load.
  const hasMachine = usePanelState((s) => s.machine.kind !== "empty" && s.machine.kind !== "loading");
  const [ram, setRam] = useState<Uint8Array | null>(null);
  useEffect(() => {
    let live = true;
    setRam(null);
    if (!hasMachine) return;
    void workbench.getRam().then((view) => {
      if (live) setRam(view);
    });
    return () => {
      live = false;
    };
  }, [workbench, generation, hasMachine]);
  return ram;
}

/** Whether the VCPU is stopped, so that what the panels show is the machine's state. */
export function useStopped(): boolean {
  return usePanelState((s) => s.machine.kind !== "running" && s.machine.kind !== "loading");
}
