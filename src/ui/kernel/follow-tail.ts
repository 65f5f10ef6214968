/**
 * The logs' rows (the exit timeline, the syscall log): a long list of fixed-height rows that renders
 * only a window around its viewport (list-window.ts) and follows its tail while scrolled to the
 * bottom, as a terminal does, until the user scrolls up.
 */
import { useEffect, useLayoutEffect, useRef, useState, type RefObject, type UIEvent } from "react";
import { usePanelState } from "../hooks";
import type { LiveViews } from "../store";
import { LOG_ROW_HEIGHT, visibleWindow } from "./list-window";

/** Within this many pixels of the bottom counts as at the bottom (sub-pixel scroll offsets). */
export const AT_BOTTOM_PX = 2;
/** Rows rendered beyond the viewport either side while the user scrolls (smooth scrolling). */
export const OVERSCAN = 30;
/**
 * Rows rendered above the viewport while the list follows its tail. Every batch replaces them all:
 * the fewer, the less each frame lays out and paints while a guest exits flat out.
 */
export const FOLLOW_OVERSCAN = 8;

/**
 * Whether a list follows its tail, from the scroll events it gets and the scrolls it makes itself
 * (no DOM here: useTailWindow feeds it).
 *
 * A scroll event comes a frame after the scroll: rows that arrived meanwhile put the viewport above
 * the new bottom without the user doing anything, so "not at the bottom" must not stop the following
 * (it did: a guest exiting flat out left the list behind within seconds, stuck on old rows). Rows only
 * ever arrive below, so a following list's own scrolls never move it up: any scroll above where the
 * list put itself is the user's, however small (a touchpad's few pixels). The exception is a list
 * that got shorter (a new machine's empty log, a filter): the browser moves the viewport up to the new
 * bottom, so until the list scrolls itself again every scroll keeps it following. A list the user
 * scrolled up follows again once the user scrolls it to the bottom.
 */
export class TailFollow {
  /** Whether the list follows its tail, as of the last scroll event. */
  following = true;
  /** The scrollTop the list last set itself, or last had while following (−1: none since it shrank). */
  private autoTop = -1;
  private count = 0;

  /** The list now holds `count` rows. */
  rows(count: number): void {
    if (count < this.count) this.autoTop = -1;
    this.count = count;
  }

  /** The list scrolled itself to its bottom, at `top`. */
  scrolledItself(top: number): void {
    this.autoTop = top;
  }

  /**
   * A scroll event, with the list's scrollTop now; `toBottom()` is how far the viewport is from the
   * bottom, asked only when the other facts do not settle it (it reads the layout). Returns whether
   * the list follows its tail now.
   */
  scrolled(top: number, toBottom: () => number): boolean {
    this.following = (this.following && top >= this.autoTop - AT_BOTTOM_PX) || toBottom() < AT_BOTTOM_PX;
    // Where the viewport is now counts as the list's own place: the next scroll above it is the user's.
    if (this.following) this.autoTop = top;
    return this.following;
  }
}

/**
 * A log's rows as the live views show them (WorkbenchSnapshot.shown): while the guest runs they
 * change with its stats, four times a second, at once when it stops. A guest exiting flat out
 * changes every row of the window at every batch: laying out and painting them took a third of the
 * page's frame, for rows nobody can read at 60 a second.
 */
export function useLiveRows<T>(select: (shown: LiveViews) => T): T {
  return usePanelState((s) => select(s.shown));
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
  const [tail] = useState(() => new TailFollow());
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

  useLayoutEffect(() => tail.rows(count), [tail, count]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  // Asked for as the rows commit (a layout effect), so that the scroll comes in the frame that
  // paints them: a passive effect runs after that paint, or frames later on a busy page, and the
  // list showed its new rows below the viewport until then.
  useLayoutEffect(() => {
    if (!following || frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = ref.current;
      // The user may have scrolled up since this frame was asked for (the scroll event came before
      // the frame's callbacks): scrolling to the bottom now would undo that.
      if (!el || !tail.following) return;
      el.scrollTop = el.scrollHeight;
      tail.scrolledItself(el.scrollTop);
    });
  }, [tail, rows, following, viewport]);

  const onScroll = (e: UIEvent<T>) => {
    const el = e.currentTarget;
    const top = el.scrollTop;
    const follow = tail.scrolled(top, () => el.scrollHeight - top - el.clientHeight);
    if (follow !== following) setFollowing(follow);
    // While following, the window is computed from the row count: the scroll that follows the tail
    // needs no second render.
    if (!follow) setScrollTop(top);
  };

  // While following, the window is the tail whatever scrollTop says (it lags a frame behind new rows).
  const top = following ? Math.max(0, count * rowHeight - viewport) : scrollTop;
  const { first, last } = visibleWindow(top, viewport, rowHeight, count, following ? FOLLOW_OVERSCAN : OVERSCAN);
  return { ref, onScroll, first, last, above: first * rowHeight, below: (count - last) * rowHeight };
}
