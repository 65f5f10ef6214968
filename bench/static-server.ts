/**
 * The small static server behind v86's Chromium runs: bench/v86-page.html at /, v86's build at
 * /v86/, SeaBIOS at /bios/bios.bin and the guests at /guests/. Loopback only, on a free port; every
 * other path is 404. No directory listing, no path outside the mounted folders.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

export interface Mounts {
  /** URL prefix (ending in "/") → folder; or exact path → file. */
  dirs: Record<string, string>;
  files: Record<string, string>;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** The file a URL path maps to, or null (unknown prefix, or a path escaping its folder). */
export function resolveMount(mounts: Mounts, urlPath: string): string | null {
  if (Object.hasOwn(mounts.files, urlPath)) return mounts.files[urlPath];
  for (const [prefix, dir] of Object.entries(mounts.dirs)) {
    if (!urlPath.startsWith(prefix)) continue;
    const rest = decodeURIComponent(urlPath.slice(prefix.length));
    const file = normalize(join(dir, rest));
    return rest.length > 0 && file.startsWith(normalize(dir) + sep) ? file : null;
  }
  return null;
}

export async function startStaticServer(mounts: Mounts): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const file = resolveMount(mounts, path);
      const info = file ? await stat(file).catch(() => null) : null;
      if (!file || !info?.isFile()) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
        return;
      }
      res.writeHead(200, { "Content-Type": MIME[extname(file)] ?? "application/octet-stream", "Content-Length": info.size });
      createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
