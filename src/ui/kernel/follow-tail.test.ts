import { describe, expect, it } from "vitest";
import { AT_BOTTOM_PX, TailFollow } from "./follow-tail";

/** A distance-to-bottom probe that fails the test if it is asked when it must not be. */
const never = () => {
  throw new Error("read the layout");
};

/** A list of 2000 rows that scrolled itself to its bottom at 4400. */
function atBottom(): TailFollow {
  const tail = new TailFollow();
  tail.rows(2000);
  tail.scrolledItself(4400);
  return tail;
}

describe("TailFollow", () => {
  it("keeps following after its own scroll, even when rows arrived since (the viewport is above the new bottom)", () => {
    expect(atBottom().scrolled(4400, never)).toBe(true);
    // The event for a scroll to 4400 comes a frame later, when 30 more rows make the bottom 5060.
    const tail = atBottom();
    tail.rows(2030);
    expect(tail.scrolled(4400, () => 660)).toBe(true);
  });

  it("stops following when the user scrolls up, however little", () => {
    expect(atBottom().scrolled(4300, () => 760)).toBe(false);
    const tail = atBottom();
    expect(tail.scrolled(4395, () => 5)).toBe(false);
    // Until the user scrolls back, it does not follow, whatever frames ask for.
    expect(tail.following).toBe(false);
    expect(tail.scrolled(4300, () => 100)).toBe(false);
  });

  it("follows again once the user scrolls back to the bottom, not before", () => {
    const tail = atBottom();
    expect(tail.scrolled(4000, () => 400)).toBe(false);
    expect(tail.scrolled(4400, () => 300)).toBe(false);
    expect(tail.scrolled(4700, () => 0)).toBe(true);
    // And its own next scroll is its own again.
    tail.scrolledItself(5000);
    expect(tail.scrolled(5000, never)).toBe(true);
  });

  it("keeps following when the list got shorter and the browser moved it up, even once rows came back before the event", () => {
    // A new machine empties the log, the browser clamps the viewport to 0, and 900 rows arrive before
    // the scroll event is read: the viewport is far from the bottom, and the user did nothing.
    const tail = atBottom();
    tail.rows(0);
    tail.rows(900);
    expect(tail.scrolled(0, never)).toBe(true);
    // A filter that leaves fewer rows, at the new bottom when the event comes.
    const filtered = atBottom();
    filtered.rows(1200);
    expect(filtered.scrolled(2000, never)).toBe(true);
  });

  it("after a shrink, the first scroll sets the list's place: a scroll above that is the user's", () => {
    const tail = atBottom();
    tail.rows(100);
    expect(tail.scrolled(1800, never)).toBe(true);
    expect(tail.scrolled(1700, () => 100)).toBe(false);
  });

  it("counts a list that never scrolled itself as following from the top", () => {
    const tail = new TailFollow();
    tail.rows(3);
    expect(tail.scrolled(0, never)).toBe(true);
  });

  it("is at the bottom within AT_BOTTOM_PX (sub-pixel offsets)", () => {
    const tail = atBottom();
    expect(tail.scrolled(4000, () => AT_BOTTOM_PX - 0.5)).toBe(true);
  });
});
