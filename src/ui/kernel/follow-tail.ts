/** Keeps a scrolled list at its bottom while new rows arrive, unless the user scrolled up. */
import { useEffect, useRef } from "react";

/** Within this many pixels of the bottom counts as "at the bottom". */
export const SLACK_PX = 24;

/**
 * Scrolls `el` to its bottom at the next animation frame (once, however often it is asked before
 * then). Not at once: setting scrollTop right after React's commit forces a layout of the whole
 * page, once per list and per batch; at the frame the page is laid out anyway.
 */
export function useScrollToBottom<T extends HTMLElement>(): { ref: React.RefObject<T | null>; request: () => void } {
  const ref = useRef<T>(null);
  const frame = useRef(0);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  const request = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = ref.current;
      if (el) el.scrollTop = el.scrollHeight;
    });
  };
  return { ref, request };
}

export function useFollowTail<T extends HTMLElement>(dep: unknown) {
  const { ref, request } = useScrollToBottom<T>();
  const atBottom = useRef(true);
  useEffect(() => {
    if (atBottom.current) request();
  }, [dep]);
  const onScroll = () => {
    const el = ref.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < SLACK_PX;
  };
  return { ref, onScroll, atBottom };
}
