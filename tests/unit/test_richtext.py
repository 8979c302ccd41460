"""The server's rich-text sanitiser keeps exactly the allowlist the SPA keeps
(domain/interactions/richtext_allowlist.json); the SPA's side is frontend/src/components/
richtext.test.ts, with the same cases."""

import pytest

from domain.interactions.richtext import ALLOWLIST, sanitise_html

REL = 'rel="noopener noreferrer nofollow"'


def test_keeps_formatting() -> None:
    html = (
        "<p><b>Champion:</b> Jordan <em>(VP Ops)</em></p><ul><li>Prefers <u>email</u></li></ul>"
        '<ol start="3"><li>x</li></ol>'
    )
    assert sanitise_html(html) == html


def test_keeps_every_allowed_tag() -> None:
    for tag in ALLOWLIST["tags"]:
        if tag in {"br", "hr", "img", "a"} or tag.startswith("t") or tag == "caption":
            continue  # void elements, links and table parts are covered on their own
        assert sanitise_html(f"<{tag}>x</{tag}>") == f"<{tag}>x</{tag}>", tag


def test_drops_scripts_styles_and_their_content() -> None:
    html = (
        '<p>a</p><script>alert(1)</script><style>p{}</style><iframe src="https://x.test"></iframe>'
    )
    assert sanitise_html(html) == "<p>a</p>"


# Void elements hold no content, and the parser ignores these three inside a body.
_EMPTY = {"embed", "input", "meta", "link", "base", "source", "track", "frame", "frameset", "head"}


def test_drops_every_listed_element_with_its_content() -> None:
    for tag in ALLOWLIST["drop_with_content"]:
        html = f'<p>a</p><{tag} src="https://x.test" href="https://x.test">secret</{tag}>'
        clean = sanitise_html(html)
        assert f"<{tag}" not in clean and "x.test" not in clean, tag
        if tag not in _EMPTY:
            assert "secret" not in clean, tag


def test_drops_event_handlers_styles_and_classes() -> None:
    assert sanitise_html('<p onclick="alert(1)" style="color:red" class="x">hi</p>') == "<p>hi</p>"
    assert (
        sanitise_html('<img src="https://img.test/a.png" onerror="alert(1)" alt="logo">')
        == '<img src="https://img.test/a.png" alt="logo">'
    )
    assert (
        sanitise_html('<ol start="3" type="a"><li>x</li></ol>') == '<ol start="3"><li>x</li></ol>'
    )


def test_keeps_http_and_mailto_links_with_the_listed_rel() -> None:
    assert (
        sanitise_html('<a href="https://acme.test" rel="opener" target="x">Acme</a>')
        == f'<a href="https://acme.test" {REL}>Acme</a>'
    )
    assert 'href="mailto:jo@acme.test"' in sanitise_html('<a href="mailto:jo@acme.test">Jo</a>')


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "/relative",
    ],
)
def test_drops_other_schemes_and_relative_urls(href: str) -> None:
    assert sanitise_html(f'<a href="{href}">x</a>') == f"<a {REL}>x</a>"
    assert "src" not in sanitise_html(f'<img src="{href}">')


def test_unwraps_unknown_elements_but_keeps_their_text() -> None:
    html = "<p><font color=red>big</font> <custom-tag>news</custom-tag></p>"
    assert sanitise_html(html) == "<p>big news</p>"


def test_drops_svg_and_math() -> None:
    html = "<p>a</p><svg><script>alert(1)</script></svg><math><mi>x</mi></math>"
    assert sanitise_html(html) == "<p>a</p>"


def test_escapes_text() -> None:
    assert sanitise_html("<p>1 &lt; 2 &amp; &lt;b&gt;</p>") == "<p>1 &lt; 2 &amp; &lt;b&gt;</p>"
    assert sanitise_html("plain text") == "plain text"
