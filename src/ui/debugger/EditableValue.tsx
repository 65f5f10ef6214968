/**
 * A register value that becomes a text box on click (or Enter): Enter parses and commits, Escape or
 * leaving the box cancels, a value that does not parse shows why inline and writes nothing.
 */
import { useId, useState, type KeyboardEvent } from "react";
import { hexWidth, parseValue } from "./values";

export interface EditableValueProps {
  /** The register's name as shown ("RAX"), for the accessible names. */
  label: string;
  value: bigint;
  /** Width shown and accepted: 32 or 64 bits. */
  width: 32 | 64;
  disabled: boolean;
  /** Why editing is off, for the tooltip. */
  disabledReason?: string;
  onCommit(value: bigint): void;
  testId?: string;
}

export function EditableValue({ label, value, width, disabled, disabledReason, onCommit, testId }: EditableValueProps) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const shown = hexWidth(value, width);

  if (text === null || disabled) {
    return (
      <button type="button" className="dbg-edit-button dbg-value" disabled={disabled} data-testid={testId}
        aria-label={`${label} = 0x${shown.replace("_", "")}${disabled ? "" : ", edit"}`}
        title={disabled ? disabledReason : "Click to edit: hex (0x optional), or decimal as 0n123"}
        onClick={() => {
          setText(shown.replace("_", ""));
          setError(null);
        }}>
        {shown}
      </button>
    );
  }

  const commit = () => {
    const parsed = parseValue(text, width);
    if (parsed.error !== null) {
      setError(parsed.error);
      return;
    }
    setText(null);
    setError(null);
    onCommit(parsed.value);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      commit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      setText(null);
      setError(null);
    }
  };
  return (
    <>
      <input className="dbg-input" value={text} autoFocus spellCheck={false} data-testid={testId ? `${testId}-input` : undefined}
        aria-label={`New value of ${label}`} aria-invalid={error !== null} aria-describedby={error ? errorId : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setText(null);
          setError(null);
        }} />
      {error && <span id={errorId} className="dbg-error" role="alert">{error}</span>}
    </>
  );
}
