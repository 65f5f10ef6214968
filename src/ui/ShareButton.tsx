/**
 * Share: builds a link to what is loaded now (src/share's recipe in the URL fragment), copies it,
 * and shows it with its embed snippet and, past 2 KB, a warning that some apps cut long links.
 */
import "./share-styles.css";
import { useEffect, useId, useRef, useState } from "react";
import { WARN_LINK_CHARS } from "../share/codec";
import { useWorkbenchState } from "./hooks";
import { useShare } from "./share-context";
import type { ShareOutcome } from "./share-controller";

/**
 * The iframe snippet for a blog post. `allow="cross-origin-isolated"` lets the embed share guest RAM
 * with its worker when the blog itself is cross-origin isolated (elsewhere it has no effect).
 */
export function embedSnippet(embedLink: string): string {
  const src = embedLink.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  return `<iframe src="${src}" width="720" height="420" style="border:0" allow="cross-origin-isolated" title="Hypervisor Playground"></iframe>`;
}

export function ShareButton() {
  const share = useShare();
  const connected = useWorkbenchState((s) => s.connection.kind === "connected");
  const hasGuest = useWorkbenchState((s) => s.machine.kind !== "empty" && s.machine.kind !== "loading");
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<ShareOutcome | null>(null);
  const [copiedAgain, setCopiedAgain] = useState(false);
  const linkInput = useRef<HTMLInputElement>(null);
  const titleId = useId();

  // Escape closes the popover, as a dialog should.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [open]);

  useEffect(() => {
    if (open && outcome?.ok) linkInput.current?.select();
  }, [open, outcome]);

  if (!share) return null;

  const onShare = async () => {
    setBusy(true);
    setCopiedAgain(false);
    const result = await share.share();
    setOutcome(result);
    setBusy(false);
    setOpen(true);
  };

  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopiedAgain(true);
    } catch {
      linkInput.current?.select();
    }
  };

  return (
    <div className="share">
      <button type="button" className="btn" disabled={!connected || !hasGuest || busy} onClick={() => void onShare()}
        aria-haspopup="dialog" aria-expanded={open} title="Copy a link that boots this guest, the same way, for anyone">
        {/* An SVG, not the 🔗 emoji: headless Chromium without a GPU hangs repainting colour emoji. */}
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round">
          <path d="M6.5 9.5l3-3M7 4.5l1-1a2.8 2.8 0 014 4l-1 1M9 11.5l-1 1a2.8 2.8 0 01-4-4l1-1" />
        </svg>
        Share
      </button>
      {open && outcome && (
        <div className="share-popover" role="dialog" aria-labelledby={titleId} data-testid="share-popover">
          <h2 id={titleId}>Share link</h2>
          {outcome.ok ? (
            <>
              <p className={outcome.copied || copiedAgain ? "ok" : "muted"} role="status">
                {outcome.copied || copiedAgain ? "Link copied to the clipboard." : "Copy the link below (the clipboard was not available)."}
              </p>
              <label>
                Link ({outcome.chars.toLocaleString("en-US")} characters)
                <input ref={linkInput} readOnly value={outcome.link} data-testid="share-link" onFocus={(e) => e.currentTarget.select()} />
              </label>
              {outcome.large && (
                <p className="warn" role="alert" data-testid="share-warning">
                  This link is {outcome.chars.toLocaleString("en-US")} characters, over {WARN_LINK_CHARS.toLocaleString("en-US")} (2 KB): some chat
                  apps, mail clients and forums cut links this long. A bundled guest makes a short link.
                </p>
              )}
              <label>
                Embed in a page (console and a Run button)
                <textarea readOnly value={embedSnippet(outcome.embedLink)} data-testid="share-embed" onFocus={(e) => e.currentTarget.select()} />
              </label>
              <div className="row">
                <button type="button" className="btn small" onClick={() => void copy(outcome.link)}>Copy link</button>
                <button type="button" className="btn small" onClick={() => void copy(embedSnippet(outcome.embedLink))}>Copy embed</button>
                <span className="spacer" />
                <button type="button" className="btn small" onClick={() => setOpen(false)}>Close</button>
              </div>
            </>
          ) : (
            <>
              <p className="err" role="alert" data-testid="share-error">{outcome.message}</p>
              <div className="row">
                <span className="spacer" />
                <button type="button" className="btn small" onClick={() => setOpen(false)}>Close</button>
              </div>
            </>
          )}
        </div>
      )}
    </div>
  );
}
