import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

/**
 * Cross-origin isolation: SharedArrayBuffer (guest RAM shared between the worker and the UI) is only
 * available when `crossOriginIsolated` is true, which needs COOP `same-origin` + COEP `require-corp`
 * on the document (https://web.dev/articles/coop-coep). CORP `same-origin` on every response keeps our
 * own sub-resources loadable under `require-corp`. The dev server and `vite preview` send these
 * headers; static hosts that cannot are covered by public/coi-serviceworker.js.
 */
export const isolationHeaders: Record<string, string> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export default defineConfig({
  plugins: [react()],
  // Module workers: the hypervisor worker imports the VMM/kernel as ES modules.
  worker: { format: "es" },
  build: {
    target: "es2022",
    sourcemap: true,
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
