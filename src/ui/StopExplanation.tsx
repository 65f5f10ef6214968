/**
 * Why the machine stopped with an error, in words (workers/explain.ts): shown under the error itself
 * while the machine is in that state, in the playground and in an embed.
 */
import { useWorkbenchState } from "./hooks";

export function StopExplanation() {
  const machine = useWorkbenchState((s) => s.machine);
  if (machine.kind !== "error" || !machine.explanation) return null;
  return (
    <div className="notice explain" role="note" aria-label="What happened" data-testid="stop-explanation">
      <strong>What happened</strong>
      <p>{machine.explanation}</p>
    </div>
  );
}
