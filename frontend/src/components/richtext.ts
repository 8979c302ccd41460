const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Plain text typed by a person as the rich-text HTML notes are stored in: one paragraph per line. */
export function textToHtml(text: string): string {
  return text
    .split(/\n/)
    .map((line) => `<p>${escapeHtml(line) || "<br>"}</p>`)
    .join("");
}

/** The text of an HTML fragment (parsed inertly: nothing runs, nothing loads), lines kept. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html;
  const doc = new DOMParser().parseFromString(html.replace(/<\/(p|div|li|h\d)>|<br\s*\/?>/gi, "$&\n"), "text/html");
  return (doc.body.textContent ?? "").replace(/\n{3,}/g, "\n\n").trim();
}

/** Split a search headline (escaped text with <mark> around hits) into plain parts and hits. */
export function headlineParts(headline: string): { text: string; hit: boolean }[] {
  return headline
    .split(/(<mark>[\s\S]*?<\/mark>)/g)
    .filter(Boolean)
    .map((part) => {
      const hit = part.startsWith("<mark>");
      return { text: decodeHtml(hit ? part.slice(6, -7) : part), hit };
    });
}

function decodeHtml(html: string): string {
  if (!/[<&]/.test(html)) return html;
  return new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
}
