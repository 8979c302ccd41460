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

/** An HTML fragment parsed inertly; the explicit <body> keeps its leading spaces, which the
 * parser would otherwise drop as whitespace before the document. */
function parseBody(html: string): HTMLElement {
  return new DOMParser().parseFromString(`<body>${html}`, "text/html").body;
}

function decodeHtml(html: string): string {
  if (!/[<&]/.test(html)) return html;
  return parseBody(html).textContent ?? "";
}

// Notes are stored as HTML the server has already sanitised (nh3); the SPA cleans it again with
// an allowlist before it reaches the DOM, so a server-side slip alone cannot run script here.

/** Elements dropped with everything inside them: they run, load or hide content. */
const DROP = new Set([
  "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed",
  "svg", "math", "textarea", "select", "option", "button", "input", "form", "title", "head", "meta", "link", "base",
  "video", "audio", "source", "track", "canvas", "dialog", "xmp", "plaintext", "noframes",
]);

/** Formatting elements kept as they are (any other element is unwrapped: its text stays). */
const KEEP = new Set([
  "p", "div", "br", "hr", "span", "b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "mark", "small", "sub",
  "sup", "code", "pre", "kbd", "samp", "blockquote", "q", "cite", "abbr", "ul", "ol", "li", "dl", "dt", "dd", "h1",
  "h2", "h3", "h4", "h5", "h6", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "a", "img",
]);

/** The attributes each element keeps; URLs only with these schemes. */
const ATTRIBUTES: Record<string, string[]> = {
  a: ["href"],
  img: ["src", "alt", "width", "height"],
  ol: ["start"],
  td: ["colspan", "rowspan"],
  th: ["colspan", "rowspan"],
};
const URL_ATTRIBUTES = new Set(["href", "src"]);
const SAFE_URL = /^(https?:|mailto:|tel:)/i;

/** A URL as a browser reads its scheme: it skips control characters and spaces ("java\tscript:"). */
function withoutControls(url: string): string {
  return Array.from(url)
    .filter((c) => c.charCodeAt(0) > 0x20)
    .join("");
}

function cleanInto(source: Node, target: Node, doc: Document): void {
  for (const child of Array.from(source.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      target.appendChild(doc.createTextNode(child.textContent ?? ""));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue; // comments, processing instructions
    const element = child as Element;
    const tag = element.localName;
    if (DROP.has(tag)) continue;
    if (!KEEP.has(tag)) {
      cleanInto(element, target, doc);
      continue;
    }
    const copy = doc.createElement(tag);
    for (const name of ATTRIBUTES[tag] ?? []) {
      const value = element.getAttribute(name);
      if (value === null) continue;
      if (URL_ATTRIBUTES.has(name) && !SAFE_URL.test(withoutControls(value))) continue;
      copy.setAttribute(name, value);
    }
    if (tag === "a") {
      copy.setAttribute("rel", "noopener noreferrer nofollow");
      copy.setAttribute("target", "_blank");
    }
    if (tag === "img" && !copy.hasAttribute("src")) continue;
    cleanInto(element, copy, doc);
    target.appendChild(copy);
  }
}

/**
 * Rich text reduced to formatting: an allowlist of elements and attributes, http(s)/mailto/tel
 * links only, no scripts, handlers or styles. Parsed inertly (nothing runs, nothing loads).
 */
export function sanitiseHtml(html: string): string {
  const doc = document.implementation.createHTMLDocument("");
  const container = doc.createElement("div");
  cleanInto(parseBody(html), container, doc);
  return container.innerHTML;
}

/** Whether rich text has no words in it (an editor's leftover "<p><br></p>"). */
export function isBlankHtml(html: string): boolean {
  return !htmlToText(html).trim();
}
