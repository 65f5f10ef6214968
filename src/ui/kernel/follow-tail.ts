/**
 * The logs' rows (the exit timeline, the syscall log): a long list of fixed-height rows that renders
 * only a window around its viewport (list-window.ts) and follows its tail while scrolled to the
 * bottom, as a terminal does, until the user scrolls up.
 */
import { useEffect, useLayoutEffect, useRef, useState, type RefObject, type UIEvent } from "react";
import { useThrottledValue, useWorkbenchState } from "../hooks";
import type { WorkbenchSnapshot } from "../store";
import { visibleWindow } from "./list-window";

/** Within this many pixels of the bottom counts as at the bottom (sub-pixel scroll offsets). */
export const AT_BOTTOM_PX = 2;
/**
 * How often a log follows a running guest: at most one change of its rows per this many ms (the
 * newest rows always arrive, at most this late; at once when the guest stops). A guest exiting flat
 * out changes every row of the window at every batch: laying out and painting them took a third of
 * the page's frame, for rows nobody can read at 60 a second.
 */
export const LOG_INTERVAL_MS = 100;
/** The logs' row height in pixels: `.kx-exits tr, .kx-syscalls tr` in kernel.css must match. */
export const LOG_ROW_HEIGHT = 22;
/** Rows rendered beyond the viewport either side while the user scrolls (smooth scrolling). */
export const OVERSCAN = 30;
/**
 * Rows rendered above the viewport while the list follows its tail. Every batch replaces them all:
 * the fewer, the less each frame lays out and paints while a guest exits flat out.
 */
export const FOLLOW_OVERSCAN = 8;

/**
 * Whether the list follows its tail after a scroll event. `top` is the list's scrollTop now, `autoTop`
 * the scrollTop the list itself last set (−1: none yet), `toBottom()` how far the viewport is from
 * the bottom now (asked only when the other facts do not settle it: it reads the layout).
 *
 * A scroll event comes a frame after the scroll: rows that arrived meanwhile put the viewport above
 * the new bottom without the user doing anything, so "not at the bottom" must not stop the following
 * (it did: a guest exiting flat out left the list behind within seconds, stuck on old rows). Rows only
 * ever arrive below, so a following list's own scrolls never move it up: any scroll above where the
 * list put itself is the user's, however small (a touchpad's few pixels), unless the list got
 * shorter (a filter) and the browser moved it up to the new bottom. A list the user scrolled up
 * follows again once the user scrolls it to the bottom.
 */
export function followAfterScroll(following: boolean, top: number, autoTop: number, toBottom: () => number): boolean {
  if (following && top >= autoTop - AT_BOTTOM_PX) return true;
  return toBottom() < AT_BOTTOM_PX;
}

/** A log's rows from the store (`select`), changed at most every LOG_INTERVAL_MS while the guest runs. */
export function useLiveRows<T>(select: (snapshot: WorkbenchSnapshot) => T): T {
  const running = useWorkbenchState((s) => s.machine.kind === "running");
  return useThrottledValue(useWorkbenchState(select), running ? LOG_INTERVAL_MS : 0);
}

export interface TailWindow<T extends HTMLElement> {
  ref: RefObject<T | null>;
  onScroll: (e: UIEvent<T>) => void;
  /** The rows to render: [first, last). Key them by position in the window (`i - first`), not by row:
   *  while following, each batch shifts every row, and reused elements only change their text. */
  first: number;
  last: number;
  /** Heights of the spacers above and below the rendered rows (px). */
  above: number;
  below: number;
}

/**
 * The window of `count` rows of `rowHeight` pixels to render in the scroller `ref`, following the tail
 * while at the bottom. `rows` is the list's identity: a new one (new rows, a filter) scrolls a
 * following list to its bottom, at the next animation frame (once per frame however many batches
 * came): setting scrollTop lays the page out, which the frame does anyway.
 */
export function useTailWindow<T extends HTMLElement>(count: number, rows: unknown, rowHeight = LOG_ROW_HEIGHT): TailWindow<T> {
  const ref = useRef<T>(null);
  const frame = useRef(0);
  /** The scrollTop this hook last set (−1: none). */
  const autoTop = useRef(-1);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(400);
  const [following, setFollowing] = useState(true);

  // The viewport's height, for the window.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight || 400);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  useEffect(() => {
    if (!following || frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = ref.current;
      if (!el) return;
      el.scrollTop = el.scrollHeight;
      autoTop.current = el.scrollTop;
    });
  }, [rows, following, viewport]);

  const onScroll = (e: UIEvent<T>) => {
    const el = e.currentTarget;
    const top = el.scrollTop;
    const follow = followAfterScroll(following, top, autoTop.current, () => el.scrollHeight - top - el.clientHeight);
    if (follow !== following) setFollowing(follow);
    // While following, the window is computed from the row count: the scroll that follows the tail
    // needs no second render.
    if (!follow) setScrollTop(top);
    // Where the viewport is now counts as the list's own place: the next scroll above it is the user's.
    else autoTop.current = top;
  };

  // While following, the window is the tail whatever scrollTop says (it lags a frame behind new rows).
  const top = following ? Math.max(0, count * rowHeight - viewport) : scrollTop;
  const { first, last } = visibleWindow(top, viewport, rowHeight, count, following ? FOLLOW_OVERSCAN : OVERSCAN);
  return { ref, onScroll, first, last, above: first * rowHeight, below: (count - last) * rowHeight };
}
