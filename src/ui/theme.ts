/**
 * Dark and light themes: the page's colours are CSS variables (styles.css) switched by
 * `data-theme` on <html>. The choice is remembered; the first visit follows the system's
 * preference. Monaco, xterm.js and the plots read the same variables.
 */
import type { ThemeName } from "./store";

const STORAGE_KEY = "hvplay:theme";

/** The stored theme, else the system's preference. */
export function initialTheme(): ThemeName {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "dark" || saved === "light") return saved;
  } catch {
    // Storage disabled: fall through to the system preference.
  }
  return globalThis.matchMedia?.("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function applyTheme(theme: ThemeName, remember: boolean): void {
  document.documentElement.dataset.theme = theme;
  if (!remember) return;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Not remembered; the theme still applies to this page.
  }
}
