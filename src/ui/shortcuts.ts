/**
 * Debugger keyboard shortcuts, as in common debuggers (VS Code, Visual Studio): F5 run / continue,
 * Shift+F5 pause, F10 step over, F11 step (into), F8 step to the next VM exit. F9 (toggle a
 * breakpoint on the current line) belongs to the editor. Kept pure so the mapping is unit-tested.
 */
export type DebugAction = "run" | "pause" | "step" | "stepOver" | "stepToExit";

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export const SHORTCUTS: Record<DebugAction, string> = {
  run: "F5",
  pause: "Shift+F5",
  stepOver: "F10",
  step: "F11",
  stepToExit: "F8",
};

/** The action a key press asks for, or null. */
export function actionForKey(e: KeyLike): DebugAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  switch (e.key) {
    case "F5":
      return e.shiftKey ? "pause" : "run";
    case "F10":
      return e.shiftKey ? null : "stepOver";
    case "F11":
      return e.shiftKey ? null : "step";
    case "F8":
      return e.shiftKey ? null : "stepToExit";
    default:
      return null;
  }
}
