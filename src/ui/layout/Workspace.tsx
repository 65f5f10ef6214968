/**
 * The playground's panels, arranged for the screen (react-resizable-panels: resizable, keyboard
 * operable separators, the layout remembered in localStorage):
 *
 *   ┌ code: Disassembly | Editor ┐┌ Registers ┐┌ Exits | Syscalls ─────────┐
 *   ├────────────────────────────┤├───────────┤├ Handles | Make a call | Map ┤
 *   └ Console ───────────────────┘└ Memory ───┘└─────────────────────────────┘
 *
 * Below 900 px wide the areas stack in one scrolling column instead.
 */
import { useSyncExternalStore, type ReactNode } from "react";
import { Group, Panel, Separator, useDefaultLayout } from "react-resizable-panels";
import { Deferred } from "./Deferred";
import { TabbedArea, type TabSpec } from "./TabbedArea";

export interface WorkspaceAreas {
  code: readonly TabSpec[];
  console: ReactNode;
  registers: ReactNode;
  memory: ReactNode;
  events: readonly TabSpec[];
  kernel: readonly TabSpec[];
  /** Controlled selection of the code area (the editor opens when its program is loaded). */
  codeTab?: string;
  onCodeTab?: (tab: string) => void;
}

const NARROW = "(max-width: 900px)";

function useNarrow(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const mq = globalThis.matchMedia?.(NARROW);
      mq?.addEventListener("change", onChange);
      return () => mq?.removeEventListener("change", onChange);
    },
    () => globalThis.matchMedia?.(NARROW).matches ?? false,
  );
}

function Handle({ label }: { label: string }) {
  return <Separator className="resize-handle" aria-label={label} />;
}

function Column({ id, children, sizes }: { id: string; children: [ReactNode, ReactNode]; sizes: [number, number] }) {
  const layout = useDefaultLayout({ id: `hvplay:${id}`, storage: localStorage });
  return (
    <Group orientation="vertical" id={id} defaultLayout={layout.defaultLayout} onLayoutChanged={layout.onLayoutChanged}>
      <Panel id={`${id}-top`} defaultSize={`${sizes[0]}`} minSize="15">{children[0]}</Panel>
      <Handle label={`Resize ${id} areas`} />
      <Panel id={`${id}-bottom`} defaultSize={`${sizes[1]}`} minSize="15">{children[1]}</Panel>
    </Group>
  );
}

export function Workspace(areas: WorkspaceAreas) {
  const narrow = useNarrow();
  const layout = useDefaultLayout({ id: "hvplay:columns", storage: localStorage });
  // Everything but the console waits for the guest's first output (Deferred.tsx).
  const code = <Deferred label="Code"><TabbedArea id="code" label="Code" tabs={areas.code} selected={areas.codeTab} onSelect={areas.onCodeTab} /></Deferred>;
  const events = <Deferred label="Events"><TabbedArea id="events" label="Events" tabs={areas.events} /></Deferred>;
  const kernel = <Deferred label="Kernel objects"><TabbedArea id="kernel" label="Kernel objects" tabs={areas.kernel} /></Deferred>;
  const registers = <Deferred label="Registers">{areas.registers}</Deferred>;
  const memory = <Deferred label="Memory">{areas.memory}</Deferred>;
  if (narrow) {
    return (
      <main className="workspace narrow">
        <div className="area tall">{areas.console}</div>
        <div className="area tall">{code}</div>
        <div className="area">{registers}</div>
        <div className="area">{memory}</div>
        <div className="area">{events}</div>
        <div className="area">{kernel}</div>
      </main>
    );
  }
  return (
    <main className="workspace">
      <Group orientation="horizontal" id="columns" defaultLayout={layout.defaultLayout} onLayoutChanged={layout.onLayoutChanged}>
        <Panel id="left" defaultSize="42" minSize="20">
          <Column id="left" sizes={[52, 48]}>{[code, areas.console]}</Column>
        </Panel>
        <Handle label="Resize the code and console column" />
        <Panel id="middle" defaultSize="28" minSize="16">
          <Column id="middle" sizes={[55, 45]}>{[registers, memory]}</Column>
        </Panel>
        <Handle label="Resize the registers and memory column" />
        <Panel id="right" defaultSize="30" minSize="16">
          <Column id="right" sizes={[55, 45]}>{[events, kernel]}</Column>
        </Panel>
      </Group>
    </main>
  );
}
