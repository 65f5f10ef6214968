/**
 * xterm.js and its addons, in their own chunk (they are most of the page's JavaScript). main.tsx
 * starts the download as soon as the worker is started, so it runs alongside React's; the console
 * panel then finds the modules ready when it mounts.
 */
let modules: Promise<[typeof import("@xterm/xterm"), typeof import("@xterm/addon-fit"), typeof import("@xterm/addon-web-links")]> | null = null;

export function loadTerminalModules(): NonNullable<typeof modules> {
  modules ??= Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit"), import("@xterm/addon-web-links")]);
  return modules;
}
