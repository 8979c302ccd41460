import { describe, expect, it } from "vitest";
import allowlist from "../../../domain/interactions/richtext_allowlist.json";
import { headlineParts, htmlToText, isBlankHtml, sanitiseHtml, textToHtml } from "./richtext";

describe("sanitiseHtml", () => {
  it("keeps formatting", () => {
    const html = "<p><b>Champion:</b> Jordan <em>(VP Ops)</em></p><ul><li>Prefers <u>email</u></li></ul><ol start=\"3\"><li>x</li></ol>";
    expect(sanitiseHtml(html)).toBe(html);
  });

  it("drops scripts, styles and their content", () => {
    expect(sanitiseHtml('<p>a</p><script>alert(1)</script><style>p{}</style><iframe src="https://x.test"></iframe>')).toBe("<p>a</p>");
  });

  it("drops event handlers, styles and classes", () => {
    expect(sanitiseHtml('<p onclick="alert(1)" style="color:red" class="x">hi</p>')).toBe("<p>hi</p>");
    expect(sanitiseHtml('<img src="https://img.test/a.png" onerror="alert(1)" alt="logo">')).toBe('<img src="https://img.test/a.png" alt="logo">');
  });

  it("keeps http(s) and mailto links, opening in a new tab, and drops other schemes", () => {
    expect(sanitiseHtml('<a href="https://acme.test">Acme</a>')).toBe(
      '<a href="https://acme.test" rel="noopener noreferrer nofollow" target="_blank">Acme</a>',
    );
    expect(sanitiseHtml('<a href="mailto:jo@acme.test">Jo</a>')).toContain('href="mailto:jo@acme.test"');
    for (const href of ["javascript:alert(1)", "java\tscript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,x", "/relative"]) {
      expect(sanitiseHtml(`<a href="${href}">x</a>`)).toBe('<a rel="noopener noreferrer nofollow" target="_blank">x</a>');
    }
    expect(sanitiseHtml('<img src="javascript:alert(1)">')).toBe("");
  });

  it("unwraps unknown elements but keeps their text", () => {
    expect(sanitiseHtml("<p><font color=red>big</font> <custom-tag>news</custom-tag></p>")).toBe("<p>big news</p>");
  });

  it("drops svg and math, where markup can change meaning on re-parsing", () => {
    expect(sanitiseHtml("<p>a</p><svg><script>alert(1)</script></svg><math><mi>x</mi></math>")).toBe("<p>a</p>");
  });

  it("keeps every element of the allowlist the server keeps", () => {
    for (const tag of allowlist.tags) {
      if (["br", "hr", "img", "a", "caption"].includes(tag) || tag.startsWith("t")) continue; // covered below
      expect(sanitiseHtml(`<${tag}>x</${tag}>`), tag).toBe(`<${tag}>x</${tag}>`);
    }
    const table = '<table><caption>c</caption><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td rowspan="2">d</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table>';
    expect(sanitiseHtml(table)).toBe(table);
    expect(sanitiseHtml('<img src="https://img.test/a.png" alt="a" width="10" height="20">')).toBe('<img src="https://img.test/a.png" alt="a" width="10" height="20">');
  });

  it("drops the listed elements with their content", () => {
    // Void elements hold no content, and the parser ignores these three inside a body.
    const empty = new Set(["embed", "input", "meta", "link", "base", "source", "track", "frame", "frameset", "head"]);
    for (const tag of allowlist.drop_with_content) {
      const clean = sanitiseHtml(`<p>a</p><${tag} src="https://x.test" href="https://x.test">secret</${tag}>`);
      expect(clean, tag).not.toContain(`<${tag}`);
      expect(clean, tag).not.toContain("x.test");
      if (!empty.has(tag)) expect(clean, tag).not.toContain("secret");
    }
  });

  it("keeps an attribute only on the elements the allowlist gives it", () => {
    expect(sanitiseHtml('<p start="3" width="1" href="https://a.test">x</p>')).toBe("<p>x</p>");
    expect(sanitiseHtml('<ol start="3" type="a" data-x="1" aria-label="l"><li>x</li></ol>')).toBe('<ol start="3"><li>x</li></ol>');
  });

  it("keeps tel links and drops data: images and images without an address", () => {
    expect(sanitiseHtml('<a href="tel:+441234">call</a>')).toContain('href="tel:+441234"');
    expect(sanitiseHtml('<img src="data:image/png;base64,AAAA">')).toBe("");
    expect(sanitiseHtml('<p>a<img alt="x"></p>')).toBe("<p>a</p>");
  });

  it("escapes text", () => {
    expect(sanitiseHtml("<p>1 &lt; 2 &amp; &lt;b&gt;</p>")).toBe("<p>1 &lt; 2 &amp; &lt;b&gt;</p>");
    expect(sanitiseHtml("plain text")).toBe("plain text");
  });
});

describe("isBlankHtml", () => {
  it("is true for an editor's empty paragraph and false for words", () => {
    expect(isBlankHtml("")).toBe(true);
    expect(isBlankHtml("<p><br></p>")).toBe(true);
    expect(isBlankHtml("<p> </p>")).toBe(true);
    expect(isBlankHtml("<p><b>x</b></p>")).toBe(false);
  });
});

describe("plain text and HTML", () => {
  it("turns typed lines into paragraphs and back", () => {
    const html = textToHtml("One <two>\nThree");
    expect(html).toBe("<p>One &lt;two&gt;</p><p>Three</p>");
    expect(htmlToText(html)).toBe("One <two>\nThree");
  });

  it("splits a search headline into hits and text", () => {
    expect(headlineParts("a <mark>b</mark> &amp; c")).toEqual([
      { text: "a ", hit: false },
      { text: "b", hit: true },
      { text: " & c", hit: false },
    ]);
  });
});
