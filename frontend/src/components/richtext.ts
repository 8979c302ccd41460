import DOMPurify from "dompurify";
import allowlist from "../../../domain/interactions/richtext_allowlist.json";

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
// DOMPurify before it reaches the DOM, so a server-side slip alone cannot run script here. Both
// keep the one allowlist in domain/interactions/richtext_allowlist.json.

type Allowlist = { tags: string[]; attributes: Record<string, string[]>; url_schemes: string[]; link_rel: string; drop_with_content: string[] };
const ALLOWLIST: Allowlist = allowlist;
const SAFE_URL = new RegExp(`^(?:${ALLOWLIST.url_schemes.join("|")}):`, "i");
const URL_ATTRIBUTES = new Set(["href", "src"]);

/** A URL as a browser reads its scheme: it skips control characters and spaces ("java\tscript:"). */
function withoutControls(url: string): string {
  return Array.from(url)
    .filter((c) => c.charCodeAt(0) > 0x20)
    .join("");
}

// An instance of its own, so these hooks apply to rich text only.
const purify = DOMPurify(window);
// Attributes are allowed per element (DOMPurify's own list is for all elements), and URLs only
// with the listed schemes (DOMPurify would also let images have data: URLs).
purify.addHook("uponSanitizeAttribute", (node, data) => {
  const allowed = ALLOWLIST.attributes[node.localName] ?? [];
  if (!allowed.includes(data.attrName)) data.keepAttr = false;
  else if (URL_ATTRIBUTES.has(data.attrName) && !SAFE_URL.test(withoutControls(data.attrValue))) data.keepAttr = false;
});
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.localName === "a") {
    node.setAttribute("rel", ALLOWLIST.link_rel);
    node.setAttribute("target", "_blank");
  }
});

const CONFIG = {
  ALLOWED_TAGS: ALLOWLIST.tags,
  ALLOWED_ATTR: [...new Set(Object.values(ALLOWLIST.attributes).flat()), "rel", "target"],
  ALLOWED_URI_REGEXP: SAFE_URL,
  // DOMPurify holds every attribute not named here to the URL pattern; only href and src are URLs.
  ADD_URI_SAFE_ATTR: Object.values(ALLOWLIST.attributes)
    .flat()
    .filter((name) => !URL_ATTRIBUTES.has(name)),
  FORBID_CONTENTS: ALLOWLIST.drop_with_content,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  KEEP_CONTENT: true,
  RETURN_DOM_FRAGMENT: true as const,
};

/**
 * Rich text reduced to formatting: the allowlist's elements and attributes, http(s)/mailto/tel
 * links only (opening in a new tab), no scripts, handlers or styles. Parsed inertly.
 */
export function sanitiseHtml(html: string): string {
  const fragment = purify.sanitize(html, CONFIG);
  // An image without a (safe) address shows nothing but a broken-image icon.
  fragment.querySelectorAll("img:not([src])").forEach((img) => img.remove());
  const container = document.createElement("div");
  container.appendChild(fragment);
  return container.innerHTML;
}

/** Whether rich text has no words in it (an editor's leftover "<p><br></p>"). */
export function isBlankHtml(html: string): boolean {
  return !htmlToText(html).trim();
}
