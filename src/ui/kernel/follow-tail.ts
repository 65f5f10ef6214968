/** Keeps a scrolled list at its bottom while new rows arrive, unless the user scrolled up. */
import { useLayoutEffect, useRef } from "react";

/** Within this many pixels of the bottom counts as "at the bottom". */
const SLACK_PX = 24;

export function useFollowTail<T extends HTMLElement>(dep: unknown) {
  const ref = useRef<T>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [dep]);
  const onScroll = () => {
    const el = ref.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < SLACK_PX;
  };
  return { ref, onScroll, atBottom };
}
