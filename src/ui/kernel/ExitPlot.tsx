/**
 * VM exits per second and MIPS over time, from the store's stats samples (rates.ts), drawn with
 * uPlot on two y-axes. uPlot is loaded on first use (a dynamic import), so it is not in the initial
 * bundle. Colours come from the theme's CSS variables, read when the plot is built (rebuilt when the
 * theme changes); the plot follows its container's width and redraws at most a few times a second.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type uPlot from "uplot";
import { usePanelState } from "../hooks";
import type { StatsSample } from "../store";
import { computeRates, secondsLabels } from "./rates";
import "./kernel.css";

const HEIGHT = 120;

function plotData(samples: readonly StatsSample[]): uPlot.AlignedData {
  const r = computeRates(samples);
  return [r.time, r.exitsPerSecond, r.mips];
}

function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1);
}

export function ExitPlot() {
  const samples = usePanelState((s) => s.statsSeries);
  const theme = usePanelState((s) => s.theme);
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(samples);
  latest.current = samples;
  const [failed, setFailed] = useState<string | null>(null);

  // Build (and rebuild on a theme change).
  useEffect(() => {
    let cancelled = false;
    let observer: ResizeObserver | null = null;
    void (async () => {
      try {
        const [{ default: UPlot }] = await Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]);
        const el = host.current;
        if (cancelled || !el) return;
        const css = getComputedStyle(el);
        const color = (name: string) => css.getPropertyValue(name).trim();
        const [text, muted, border, accent, ok] = ["--text", "--muted", "--border", "--accent", "--ok"].map(color);
        const axisFont = `11px ${color("--mono") || "monospace"}`;
        const opts: uPlot.Options = {
          width: Math.max(120, el.clientWidth),
          height: HEIGHT,
          scales: { x: { time: false }, exits: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] }, mips: { auto: true, range: (_u, _min, max) => [0, Math.max(0.1, max)] } },
          series: [
            { label: "time (s)", value: (_u, v) => (v == null ? "—" : `${v.toFixed(1)} s`) },
            { label: "exits/s", scale: "exits", stroke: accent, width: 1.5, value: (_u, v) => (v == null ? "—" : compact(v)) },
            { label: "MIPS", scale: "mips", stroke: ok, width: 1.5, value: (_u, v) => (v == null ? "—" : v.toFixed(2)) },
          ],
          axes: [
            { stroke: muted, grid: { stroke: border, width: 1 }, ticks: { stroke: border }, font: axisFont, values: (_u, ticks, _axis, _space, step) => secondsLabels(ticks, step) },
            { scale: "exits", stroke: accent, grid: { stroke: border, width: 1 }, ticks: { stroke: border }, font: axisFont, size: 44, values: (_u, ticks) => ticks.map(compact) },
            { scale: "mips", side: 1, stroke: ok, grid: { show: false }, ticks: { stroke: border }, font: axisFont, size: 40 },
          ],
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
        };
        el.style.color = text;
        const u = new UPlot(opts, plotData(latest.current), el);
        plot.current = u;
        observer = new ResizeObserver(() => {
          if (el.clientWidth > 0) u.setSize({ width: el.clientWidth, height: HEIGHT });
        });
        observer.observe(el);
      } catch (error) {
        if (!cancelled) setFailed(String(error));
      }
    })();
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [theme]);

  // New samples (~4 a second while running): redraw at once, in the frame that shows the stats line
  // and the live views (store.ts LiveViews). A picture drawn later, from a timer, was a frame of its
  // own, and every frame that changes anything costs the page a frame's work (store.ts LiveViews). A layout
  // effect, so the picture and its legend change before that frame is painted, not in the next.
  useLayoutEffect(() => {
    plot.current?.setData(plotData(latest.current));
  }, [samples]);

  return (
    <figure className="kx-plot" aria-label="VM exits per second and MIPS over time">
      {failed ? <p className="kx-hint err">The plot could not load: {failed}</p> : <div ref={host} className="kx-plot-host" data-testid="exit-plot" />}
      {samples.length < 2 && !failed && <figcaption className="kx-hint">Rates appear while the guest runs.</figcaption>}
    </figure>
  );
}
