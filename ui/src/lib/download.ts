// Saves text the back end produced (CSV, JSON) as a file through the web view's own
// download (a Blob URL and an <a download>): no file-system permission for the window.
export function downloadText(filename: string, text: string, mime: string): void {
  const blob = new Blob([text], { type: `${mime};charset=utf-8` });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the web view time to start the download before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "cordon-history-2026-11-28.csv". */
export function exportName(what: string, ext: string, now: Date = new Date()): string {
  return `cordon-${what}-${now.toISOString().slice(0, 10)}.${ext}`;
}
