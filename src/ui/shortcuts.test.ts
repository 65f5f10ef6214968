import { describe, expect, it } from "vitest";
import { actionForKey } from "./shortcuts";

const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; altKey: boolean; metaKey: boolean }> = {}) => ({
  key: k, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...mods,
});

describe("debugger shortcuts", () => {
  it("map the function keys as common debuggers do", () => {
    expect(actionForKey(key("F5"))).toBe("run");
    expect(actionForKey(key("F5", { shiftKey: true }))).toBe("pause");
    expect(actionForKey(key("F10"))).toBe("stepOver");
    expect(actionForKey(key("F11"))).toBe("step");
    expect(actionForKey(key("F8"))).toBe("stepToExit");
  });
  it("leave modified and other keys alone", () => {
    expect(actionForKey(key("F5", { ctrlKey: true }))).toBeNull();
    expect(actionForKey(key("F11", { shiftKey: true }))).toBeNull();
    expect(actionForKey(key("a"))).toBeNull();
  });
});
