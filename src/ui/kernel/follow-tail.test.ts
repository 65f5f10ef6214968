import { describe, expect, it } from "vitest";
import { AT_BOTTOM_PX, followAfterScroll } from "./follow-tail";

/** A distance-to-bottom probe that fails the test if it is asked when it must not be. */
const never = () => {
  throw new Error("read the layout");
};

describe("followAfterScroll", () => {
  it("keeps following after its own scroll, even when rows arrived since (the viewport is above the new bottom)", () => {
    expect(followAfterScroll(true, 4400, 4400, never)).toBe(true);
    // The event for a scroll to 4400 comes a frame later, when 30 more rows make the bottom 5060.
    expect(followAfterScroll(true, 4400, 4400, () => 660)).toBe(true);
  });

  it("stops following when the user scrolls up, however little", () => {
    expect(followAfterScroll(true, 4300, 4400, () => 760)).toBe(false);
    expect(followAfterScroll(true, 4395, 4400, () => 5)).toBe(false);
  });

  it("keeps following when the list got shorter and the browser moved it up to the new bottom", () => {
    expect(followAfterScroll(true, 2000, 4400, () => 0)).toBe(true);
    expect(followAfterScroll(true, 2000, 4400, () => AT_BOTTOM_PX - 1)).toBe(true);
  });

  it("follows again once the user scrolls back to the bottom, not before", () => {
    expect(followAfterScroll(false, 4000, 4400, () => 400)).toBe(false);
    expect(followAfterScroll(false, 4400, 4400, () => 300)).toBe(false);
    expect(followAfterScroll(false, 4700, 4400, () => 0)).toBe(true);
  });

  it("counts a list that never scrolled itself (autoTop −1) as following from the top", () => {
    expect(followAfterScroll(true, 0, -1, never)).toBe(true);
  });
});
