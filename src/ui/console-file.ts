/**
 * The file the console's Save writes: a header with the share link that boots the same guest the
 * same way (the link Share makes), then the console's contents as plain text. Pure (console-file.test.ts).
 */
import type { LinkOutcome } from "./share-controller";

export interface ConsoleFileParts {
  /** The guest's file name, if known. */
  guestName: string | null;
  /** The links to what is loaded (ShareController.links), or null where the page has no sharing. */
  link: LinkOutcome | null;
  /** The console as plain text (no escape sequences). */
  text: string;
  savedAt: Date;
}

/** The header's lines start with this, so a reader (or a script) can tell them from the guest's output. */
export const HEADER_PREFIX = "# ";
/** Ends the header; the console follows. */
export const HEADER_END = "# ----";

export function consoleFile({ guestName, link, text, savedAt }: ConsoleFileParts): string {
  const header = [`Hypervisor Playground console${guestName ? ` of ${guestName}` : ""}, saved ${savedAt.toISOString()}`];
  if (link === null) {
    header.push("No share link: this page does not make them.");
  } else if (link.ok) {
    header.push("To boot the same guest the same way (input typed at the console is not part of it), open:", link.link);
    if (link.large) header.push(`(The link is ${link.chars.toLocaleString("en-US")} characters: some apps cut links that long.)`);
  } else {
    // Too big for a link (an image over the limit), or nothing loaded: say so instead of a link.
    header.push(`No share link for this guest: ${oneLine(link.message)}.`);
  }
  const body = text.replace(/\r\n?/g, "\n");
  return `${header.map((line) => HEADER_PREFIX + line).join("\n")}\n${HEADER_END}\n${body}${body === "" || body.endsWith("\n") ? "" : "\n"}`;
}

/** The file name: the guest's name without its extension, then "-console.txt". */
export function consoleFileName(guestName: string | null): string {
  return guestName ? `${guestName.replace(/\.[^.]*$/, "")}-console.txt` : "console.txt";
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\.$/, "");
}
