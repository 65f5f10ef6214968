import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";

/**
 * Cross-origin isolation: SharedArrayBuffer (guest RAM shared between the worker and the UI) is only
 * available when `crossOriginIsolated` is true, which needs COOP `same-origin` + COEP `require-corp`
 * on the document (https://web.dev/articles/coop-coep). CORP `same-origin` on every response keeps our
 * own sub-resources loadable under `require-corp`. The dev server and `vite preview` send these
 * headers; on static hosts that cannot, the service worker (src/sw/sw.ts) adds them: the same values,
 * as ISOLATION_HEADERS in src/sw/isolation.ts (not imported from there: Vite's future native config
 * loader cannot resolve an extension-less TypeScript import, and the tsconfig forbids ".ts" ones).
 */
export const isolationHeaders: Record<string, string> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The dark theme's page background and accent (src/ui/styles.css: --bg, --accent). */
const BACKGROUND = "#0d1117";
const ACCENT = "#5fb3ff";

export default defineConfig({
  plugins: [
    react(),
    /**
     * Offline + installable, and isolation on header-less hosts, with ONE service worker of our own
     * (src/sw/sw.ts, `injectManifest`), built to `<base>sw.js` (a stable name: its scope is the base).
     * src/ui/coi.ts registers it, in production builds only (never under `vite` dev), so the plugin
     * injects no registration script. Updates wait for every tab to close (see sw.ts).
     *
     * The PNG icons in public/ are rendered from public/favicon.svg with librsvg:
     *   rsvg-convert -w 192 -h 192 public/favicon.svg -o public/pwa-192x192.png (and -w/-h 512)
     * and the maskable/apple-touch ones from the same drawing on a full-bleed square, scaled to 80%
     * so it stays inside the maskable safe zone.
     */
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src/sw",
      filename: "sw.ts",
      injectRegister: false,
      // The icons are precached by globPatterns below already (listing them twice is harmless but
      // counts them twice in the build's precache size).
      includeManifestIcons: false,
      manifest: {
        name: "Hypervisor Playground",
        short_name: "HV Playground",
        description: "A hypervisor in a browser tab: Zircon's hypervisor syscalls over an x86 emulator.",
        start_url: ".",
        scope: ".",
        display: "standalone",
        background_color: BACKGROUND,
        theme_color: ACCENT,
        icons: [
          { src: "pwa-192x192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "pwa-512x512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "maskable-icon-512x512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      injectManifest: {
        // Classic script: module service workers are not yet everywhere.
        rollupFormat: "iife",
        // The whole app, lazy chunks included, and every guest image (public/guests is ~0.4 MB);
        // not the source maps. The plugin adds manifest.webmanifest itself.
        globPatterns: ["**/*.{html,js,css,svg,png,ico,woff,woff2,ttf,wasm,elf,bin}"],
        globIgnores: ["**/*.map", "sw.js"],
        // Monaco's chunk is larger than Workbox's 2 MiB default; the build fails rather than skip it.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      },
      // Never in `vite` dev: there the server sends the headers and files change all the time.
      devOptions: { enabled: false },
    }),
  ],
  // Module workers: the hypervisor worker imports the VMM/kernel as ES modules.
  worker: { format: "es" },
  build: {
    target: "es2022",
    sourcemap: true,
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
