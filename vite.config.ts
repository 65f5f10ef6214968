import { createReadStream, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { defineConfig, type Plugin } from "vite";
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

/**
 * Content-Security-Policy: what each policy allows and why is written down in src/sw/csp.ts, which
 * the service worker uses; these are the same values (copied for the reason given above for the
 * isolation headers; src/sw/csp.test.ts fails if the two copies differ).
 *
 * The hypervisor worker's script gets 'unsafe-eval', for the x86 block compiler (src/x86/jit.ts):
 * it compiles hot guest code with `new Function` from source text it writes itself from decoded
 * instructions (only numbers it computes; guest bytes and anything else from the user reach the
 * code as values, never as text). The page and every other file get a policy without it.
 */
const PAGE_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
];
/** `?embed` documents (framed by other sites), and the built index.html's <meta>: no frame-ancestors. */
export const EMBED_POLICY = PAGE_DIRECTIVES.join("; ");
export const PAGE_POLICY = `${EMBED_POLICY}; frame-ancestors 'none'`;
export const HYPERVISOR_WORKER_POLICY = "default-src 'none'; script-src 'self' 'unsafe-eval'; connect-src 'self'";

/** The policy for the response at `url` (a path with its query, as a server sees it). */
export function contentSecurityPolicyFor(url: string): string {
  const { pathname, searchParams } = new URL(url, "http://localhost");
  if (/\/assets\/hypervisor\.worker-[\w-]+\.js$/.test(pathname)) return HYPERVISOR_WORKER_POLICY;
  return searchParams.has("embed") ? EMBED_POLICY : PAGE_POLICY;
}

/**
 * The policy in the build: a <meta> in index.html (it holds where no header arrives: a static host's
 * first visit, before the service worker controls the page; it cannot carry frame-ancestors) and a
 * header on every `vite preview` response, chosen per URL. Not under `vite` dev: React's refresh
 * preamble is an inline script and Vite's client injects styles and evaluates updates, so the dev
 * server sends no policy at all (only the isolation headers).
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: "hvplay:content-security-policy",
    transformIndexHtml(html, context) {
      if (context.server) return; // `vite` dev
      // Right after the charset, before anything it governs. (Written by hand rather than as a
      // tag descriptor, which would escape every quote as &#39;.)
      const charset = /<meta charset="[^"]*"\s*\/?>/i;
      if (!charset.test(html)) throw new Error("index.html: no <meta charset> to put the Content-Security-Policy after");
      return html.replace(charset, (tag) => `${tag}\n    <meta http-equiv="Content-Security-Policy" content="${EMBED_POLICY}" />`);
    },
    configurePreviewServer(server) {
      // Before the static files are served, so every response (404s and the SPA fallback too) gets it.
      server.middlewares.use((request, response, next) => {
        const url = request.url ?? "/";
        response.setHeader("Content-Security-Policy", contentSecurityPolicyFor(url));
        // An `?embed` document may be framed by a cross-origin isolated page: CORP cross-origin (as
        // src/sw/isolation.ts's isolationHeadersFor). The static files' `preview.headers` are set
        // later, over this one, so later writes of the header are ignored for this response.
        if (new URL(url, "http://localhost").searchParams.has("embed")) {
          const setHeader = response.setHeader.bind(response);
          setHeader("Cross-Origin-Resource-Policy", "cross-origin");
          response.setHeader = (name, value) => (name.toLowerCase() === "cross-origin-resource-policy" ? response : setHeader(name, value));
        }
        next();
      });
    },
  };
}

/**
 * The chunks the page's first render needs, preloaded from index.html. main.tsx imports them
 * dynamically (React and the console after the worker has started; xterm.js beside them), so the
 * browser would otherwise learn of them only once the entry module has run, a round trip later.
 * A <link rel="modulepreload"> fetches and compiles a module without running it; when main.tsx
 * imports it, it is there. (Vite preloads only the entry's static imports by itself.)
 */
const FIRST_RENDER_MODULES = [/\/src\/ui\/render\.tsx$/, /\/node_modules\/@xterm\/(xterm|addon-fit|addon-web-links)\//];

function preloadFirstRender(): Plugin {
  let base = "/";
  return {
    name: "hvplay:preload-first-render",
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: "post",
      handler(_html, context) {
        const bundle = context.bundle;
        if (!bundle) return; // `vite` dev: modules are served one by one
        const files = new Set<string>();
        const add = (fileName: string): void => {
          const chunk = bundle[fileName];
          if (!chunk || chunk.type !== "chunk" || chunk.isEntry || files.has(fileName)) return;
          files.add(fileName);
          for (const imported of chunk.imports) add(imported);
        };
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== "chunk" || !chunk.isDynamicEntry) continue;
          const id = chunk.facadeModuleId ?? "";
          if (FIRST_RENDER_MODULES.some((re) => re.test(id))) add(chunk.fileName);
        }
        if (![...files].some((f) => /render-/.test(f))) throw new Error("preload-first-render: no chunk for src/ui/render.tsx");
        return [...files].map((f) => ({ tag: "link", attrs: { rel: "modulepreload", crossorigin: true, href: `${base}${f}` }, injectTo: "head" as const }));
      },
    },
  };
}

/**
 * The bundled Linux guest (issue 8): `npm run guests:linux` builds a kernel from Debian's linux-source
 * and a busybox initramfs into guests/linux/ (git-ignored). They are
 * served from there, at <base>guests/linux/<file>, by `vite` dev and `vite preview`
 * (and so by the bench, which runs `vite preview` of its own build): never copied into public/ or
 * dist/, so never into the service worker's precache either (the worker fetches them when Linux is
 * chosen, through the service worker's network path, streamed). Only plain file names directly in
 * that folder; anything else under the prefix, or a file that is not there, is a 404 (not the
 * single-page fallback's index.html), so the worker can say "build it with npm run guests:linux".
 * A file with a gzip copy beside it (vmlinux.gz, which the build script writes) goes out as that
 * copy, with Content-Encoding: gzip, to a client that accepts gzip; the browser unpacks it.
 */
const LINUX_GUEST_DIR = path.resolve(import.meta.dirname, "guests", "linux");
const LINUX_GUEST_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function linuxGuestFiles(): Plugin {
  let base = "/";
  const serve = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    const prefix = `${base}guests/linux/`;
    if (!pathname.startsWith(prefix) || (request.method !== "GET" && request.method !== "HEAD")) return next();
    for (const [name, value] of Object.entries(isolationHeaders)) response.setHeader(name, value);
    let name = "";
    try {
      name = decodeURIComponent(pathname.slice(prefix.length));
    } catch {
      // Not a file name (a bad %-escape): 404 below.
    }
    const file = path.join(LINUX_GUEST_DIR, name);
    const info = LINUX_GUEST_FILE.test(name) && path.dirname(file) === LINUX_GUEST_DIR ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!info?.isFile()) {
      response.statusCode = 404;
      response.setHeader("Content-Type", "text/plain; charset=utf-8");
      response.end(`${pathname}: not found (build the Linux guest with \`npm install && npm run guests:linux\`)`);
      return;
    }
    // The gzip copy the build script writes beside a file (vmlinux.gz: 13 MiB of kernel in 1.5, or
    // the stock kernel's 63 in 12), when the client takes gzip and the copy is not older than the file.
    const gz = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? "")) ? statSync(`${file}.gz`, { throwIfNoEntry: false }) : undefined;
    const packed = gz?.isFile() === true && gz.mtimeMs >= info.mtimeMs;
    response.statusCode = 200;
    response.setHeader("Content-Type", "application/octet-stream");
    response.setHeader("Vary", "Accept-Encoding");
    if (packed) response.setHeader("Content-Encoding", "gzip");
    response.setHeader("Content-Length", String(packed ? gz.size : info.size));
    response.setHeader("Cache-Control", "no-cache");
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    createReadStream(packed ? `${file}.gz` : file).pipe(response);
  };
  return {
    name: "hvplay:linux-guest-files",
    configResolved(config) {
      base = config.base;
    },
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
  };
}

/** The dark theme's page background and accent (src/ui/styles.css: --bg, --accent). */
const BACKGROUND = "#0d1117";
const ACCENT = "#5fb3ff";

export default defineConfig({
  plugins: [
    react(),
    contentSecurityPolicy(),
    preloadFirstRender(),
    linuxGuestFiles(),
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
        // guests/linux/ (the Linux guest, ~75 MB) is served beside the app, never precached: were
        // a copy ever put in the build, it would still stay out.
        globIgnores: ["**/*.map", "sw.js", "guests/linux/**"],
        // Monaco's chunk is larger than Workbox's 2 MiB default; the build fails rather than skip it.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      },
      // Never in `vite` dev: there the server sends the headers and files change all the time.
      devOptions: { enabled: false },
    }),
  ],
  // Module workers: the hypervisor worker imports the VMM/kernel as ES modules.
  worker: {
    format: "es",
    rollupOptions: {
      output: {
        /**
         * V8's explicit compile hint (Chrome 136 on; https://v8.dev/blog/explicit-compile-hints):
         * with this comment first in the file, V8 compiles every function of the hypervisor worker's
         * script when it loads it, rather than each one at its first call. Those first calls come
         * in the guest's first milliseconds (the decoder, the executors, the kernel's exit paths),
         * so lazily they were compiled inside the guest's run: 0.1–0.15 s of the smc bench's 0.4 s
         * in Chromium (a --prof tick timeline: PARSE and BYTECODE_COMPILER ticks until then).
         * With it the same run takes 0.3 s, and the first console byte is no later (interleaved
         * runs, within the noise). Not for Monaco's workers: they start long after the page is up.
         */
        postBanner: (chunk) => (chunk.isEntry && /hypervisor\.worker/.test(chunk.fileName || chunk.name) ? "//# allFunctionsCalledOnLoad" : ""),
      },
    },
  },
  build: {
    target: "es2022",
    sourcemap: true,
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
