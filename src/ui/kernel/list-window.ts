/** Windowed rendering of a long fixed-row-height list (the logs, follow-tail.ts): which rows to render. */

/** The logs' row height in pixels: `.kx-exits tr, .kx-syscalls tr` in kernel.css must match. */
export const LOG_ROW_HEIGHT = 22;

/** Rows [first, last) of a fixed-height list to render for a viewport, with `overscan` rows either side. */
export function visibleWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + Math.max(viewport, rowHeight)) / rowHeight) + overscan);
  return { first: Math.min(first, last), last };
}
