/**
 * Share links: a recipe ↔ the URL fragment `#r=<version>.<data>`.
 *
 *   data    = base64url(zlib(payload))                      (RFC 4648 §5 without padding, RFC 1950)
 *   payload = UTF-8 JSON of the wire recipe (recipe.ts)
 *             [ 0x00, then the image's bytes ]              (only for an image guest)
 *
 * JSON text never holds a raw 0x00 (control characters are escaped in strings), so the first 0x00
 * ends it; an image travels as raw bytes, which DEFLATE compresses far better than base64 inside JSON.
 * The version comes first and outside the compressed data, so a newer link is recognised as such
 * even if a later version compresses differently.
 *
 * Limits (README.md): a link longer than WARN_LINK_CHARS is flagged (`large`), one longer than
 * MAX_LINK_CHARS is refused, and no payload may inflate past MAX_PAYLOAD_BYTES.
 *
 * Nothing here throws for bad input, and nothing in a recipe is run: it is data for the emulator.
 */
import { formatBytes, fromBase64Url, toBase64Url, zlibCompress, zlibDecompress } from "./bytes";
import { RECIPE_VERSION, formatProblem, recipeFromWire, recipeToWire, type Recipe } from "./recipe";

/** Links longer than this get a warning: some chat apps, mail clients and forums cut them. */
export const WARN_LINK_CHARS = 2048;
/** Links longer than this are refused (encode) or not read (decode). */
export const MAX_LINK_CHARS = 64 * 1024;
/** The most a payload may inflate to: caps a decompression bomb's cost. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** The fragment's key: `#r=…`. */
export const FRAGMENT_PREFIX = "#r=";

export type ShareErrorKind =
  /** Not of the form #r=<version>.<data>. */
  | "format"
  /** A version this playground does not read. */
  | "version"
  /** Over a size limit. */
  | "size"
  | "base64"
  | "compression"
  /** The payload is not UTF-8 JSON. */
  | "json"
  /** The JSON is not a valid recipe (names the field). */
  | "recipe"
  /** A bug in this codec (never expected: the tests look for it). */
  | "internal";

export interface ShareError {
  kind: ShareErrorKind;
  /** One readable sentence for the user. */
  message: string;
}

export type EncodeResult =
  | {
      ok: true;
      /** "#r=1.…" (or "#r=2.…" for a recipe with traps) */
      fragment: string;
      /** `base` + fragment. */
      link: string;
      /** Characters in the link. */
      chars: number;
      /** Over WARN_LINK_CHARS: the UI warns that some apps may cut it. */
      large: boolean;
    }
  | { ok: false; error: ShareError };

export type DecodeResult = { ok: true; recipe: Recipe } | { ok: false; error: ShareError };

const fail = (kind: ShareErrorKind, message: string): { ok: false; error: ShareError } => ({ ok: false, error: { kind, message } });

/**
 * Encodes `recipe` into a link `base` + "#r=…" (base: the page's URL without its fragment; "" for
 * the fragment alone). Refuses a recipe the decoder would refuse, and a link over MAX_LINK_CHARS.
 */
export function encodeRecipe(recipe: Recipe, base = ""): EncodeResult {
  try {
    const { json, imageBytes } = recipeToWire(recipe);
    const checked = recipeFromWire(json, imageBytes);
    if (!checked.ok) return fail("recipe", `cannot share this: ${formatProblem(checked.problem)}`);
    // The lowest version that holds the recipe (recipe.ts's recipeVersion), outside the data too.
    const version = json.v as number;
    const text = new TextEncoder().encode(JSON.stringify(json));
    const payload = imageBytes ? concat(text, Uint8Array.of(0), imageBytes) : text;
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return fail("size", `cannot share this: the recipe is ${formatBytes(payload.length)}, over the ${formatBytes(MAX_PAYLOAD_BYTES)} a link may hold`);
    }
    const fragment = `${FRAGMENT_PREFIX}${version}.${toBase64Url(zlibCompress(payload))}`;
    const link = base + fragment;
    if (link.length > MAX_LINK_CHARS) {
      return fail("size", `cannot share this: the link would be ${link.length.toLocaleString("en-US")} characters, over the limit of ${MAX_LINK_CHARS.toLocaleString("en-US")} (${formatBytes(MAX_LINK_CHARS)}); share a smaller image, or a bundled guest`);
    }
    return { ok: true, fragment, link, chars: link.length, large: link.length > WARN_LINK_CHARS };
  } catch (error) {
    return fail("internal", `could not encode the link: ${String(error)}`);
  }
}

/**
 * Reads a recipe from a URL fragment (`location.hash`, with or without the "#"). Returns null when
 * the fragment holds no recipe at all (no "r=" key), so that an ordinary page load is not an error;
 * anything that starts like a share link but is not one is a readable error.
 */
export function decodeFragment(hash: string): DecodeResult | null {
  try {
    const fragment = hash.startsWith("#") ? hash : `#${hash}`;
    if (!fragment.startsWith(FRAGMENT_PREFIX)) return null;
    if (fragment.length > MAX_LINK_CHARS) {
      return fail("size", `this link is ${fragment.length.toLocaleString("en-US")} characters long, over the limit of ${MAX_LINK_CHARS.toLocaleString("en-US")}: it was not read`);
    }
    const rest = fragment.slice(FRAGMENT_PREFIX.length);
    const dot = rest.indexOf(".");
    const versionText = dot < 0 ? rest : rest.slice(0, dot);
    if (!/^[1-9][0-9]{0,5}$/.test(versionText)) {
      return fail("format", `this is not a share link: it should start #r=<version>.<data>, but the version is ${versionText ? JSON.stringify(shorten(versionText)) : "missing"}`);
    }
    const version = Number(versionText);
    if (version > RECIPE_VERSION) {
      return fail("version", `this link was made by a newer playground (version ${version}); this one reads up to ${RECIPE_VERSION}`);
    }
    if (dot < 0) return fail("format", "this link has no data after its version (#r=<version>.<data>): it was cut short");
    const decoded = fromBase64Url(rest.slice(dot + 1));
    if (!decoded.ok) return fail("base64", `this link is damaged: ${decoded.message}`);
    const inflated = zlibDecompress(decoded.bytes, MAX_PAYLOAD_BYTES);
    if (!inflated.ok) return fail(inflated.reason, `this link ${inflated.reason === "size" ? "is refused" : "is damaged"}: ${inflated.message}`);
    const payload = inflated.bytes;
    const nul = payload.indexOf(0);
    const jsonBytes = nul < 0 ? payload : payload.subarray(0, nul);
    const imageBytes = nul < 0 ? null : payload.slice(nul + 1);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(jsonBytes);
    } catch {
      return fail("json", "this link's recipe is not valid UTF-8 text");
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return fail("json", `this link's recipe is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const recipe = recipeFromWire(json, imageBytes, version);
    if (!recipe.ok) return fail("recipe", `this link's recipe is not valid: ${formatProblem(recipe.problem)}`);
    return { ok: true, recipe: recipe.recipe };
  } catch (error) {
    return fail("internal", `could not read the link: ${String(error)}`);
  }
}

/** Validates a recipe built in memory (the UI's), with the decoder's rules; null when it is valid. */
export function checkRecipe(recipe: Recipe): string | null {
  const { json, imageBytes } = recipeToWire(recipe);
  const checked = recipeFromWire(json, imageBytes);
  return checked.ok ? null : formatProblem(checked.problem);
}

function shorten(text: string): string {
  return text.length > 12 ? `${text.slice(0, 12)}…` : text;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
