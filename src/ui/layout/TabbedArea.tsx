/**
 * A panel whose head is a tab list (WAI-ARIA tabs pattern: roving tab index, arrow keys, Home/End).
 * Each tab's content is a panel component; only the selected one is mounted unless the tab says
 * `keepMounted` (the editor and the console keep their state and their terminal/editor instance).
 * The selection is remembered per area.
 */
import { useCallback, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface TabSpec {
  id: string;
  label: string;
  render: () => ReactNode;
  keepMounted?: boolean;
  /** Shown after the label (e.g. a live count). */
  badge?: ReactNode;
}

function loadSelection(storageKey: string, tabs: readonly TabSpec[]): string {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved && tabs.some((t) => t.id === saved)) return saved;
  } catch {
    // No storage: the first tab.
  }
  return tabs[0].id;
}

export function TabbedArea({ id, label, tabs, selected: controlled, onSelect }: {
  id: string;
  label: string;
  tabs: readonly TabSpec[];
  /** Controlled selection (e.g. the editor tab opens when a program is loaded); else internal. */
  selected?: string;
  onSelect?: (tab: string) => void;
}) {
  const storageKey = `hvplay:tabs:${id}`;
  const [internal, setInternal] = useState(() => loadSelection(storageKey, tabs));
  const selected = controlled && tabs.some((t) => t.id === controlled) ? controlled : internal;
  const [mounted, setMounted] = useState<ReadonlySet<string>>(() => new Set([selected]));
  const base = useId();
  const buttons = useRef(new Map<string, HTMLButtonElement>());

  const select = useCallback((tab: string, focus = false) => {
    setInternal(tab);
    setMounted((m) => (m.has(tab) ? m : new Set([...m, tab])));
    onSelect?.(tab);
    try {
      localStorage.setItem(storageKey, tab);
    } catch {
      // Not remembered.
    }
    if (focus) buttons.current.get(tab)?.focus();
  }, [onSelect, storageKey]);

  const onKeyDown = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === selected);
    let next = -1;
    if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    select(tabs[next].id, true);
  };

  return (
    <section className="panel tabbed-area" aria-label={label} data-area={id}>
      <div className="panel-head tab-head" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button key={t.id} type="button" role="tab" className="area-tab" id={`${base}-tab-${t.id}`}
            ref={(el) => { if (el) buttons.current.set(t.id, el); else buttons.current.delete(t.id); }}
            aria-selected={t.id === selected} aria-controls={`${base}-panel-${t.id}`}
            tabIndex={t.id === selected ? 0 : -1} onClick={() => select(t.id)}>
            {t.label}
            {t.badge}
          </button>
        ))}
      </div>
      {tabs.map((t) => {
        const isSelected = t.id === selected;
        if (!isSelected && !(t.keepMounted && mounted.has(t.id))) return null;
        return (
          <div key={t.id} role="tabpanel" id={`${base}-panel-${t.id}`} aria-labelledby={`${base}-tab-${t.id}`}
            className="tab-body" hidden={!isSelected}>
            {t.render()}
          </div>
        );
      })}
    </section>
  );
}
