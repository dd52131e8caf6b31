// The keyboard shortcuts of the Machines view: Ctrl+F focuses the search, Ctrl+K the
// "go to machine" box, F5 syncs with Defender (instead of reloading the web view, which
// would drop the page's state). Esc is Fluent UI's own: it closes drawers and dialogs.
// The key → shortcut mapping is a pure function so that it is tested without a page.
import { useEffect, useRef } from "react";

export type Shortcut = "find" | "goto" | "refresh";

interface Keys {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** The shortcut a key press asks for (Cmd counts as Ctrl on macOS), else `null`. */
export function shortcutFor(e: Keys): Shortcut | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.altKey) return null;
  if (e.key === "F5" && !ctrl && !e.shiftKey) return "refresh";
  if (!ctrl || e.shiftKey) return null;
  switch (e.key.toLowerCase()) {
    case "f":
      return "find";
    case "k":
      return "goto";
    default:
      return null;
  }
}

/** Focuses (and selects) the input marked `data-shortcut={name}`. */
export function focusShortcutTarget(name: Shortcut): void {
  const el = document.querySelector<HTMLInputElement>(`[data-shortcut="${name}"]`);
  el?.focus();
  el?.select();
}

/** Runs `handlers` on their shortcuts while the calling view is mounted. */
export function useShortcuts(handlers: Record<Shortcut, () => void>): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = shortcutFor(e);
      if (s === null) return;
      e.preventDefault();
      current.current[s]();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
