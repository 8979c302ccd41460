"""Rich text (notes) arrives as HTML from the SPA's editor and integrations; it is stored
sanitised so every reader can render it as-is. What may stay is one explicit allowlist,
richtext_allowlist.json beside this module, which the SPA's DOMPurify reads too."""

import json
from pathlib import Path

import nh3

ALLOWLIST = json.loads((Path(__file__).with_name("richtext_allowlist.json")).read_text())
TAGS: set[str] = set(ALLOWLIST["tags"])
ATTRIBUTES: dict[str, set[str]] = {tag: set(a) for tag, a in ALLOWLIST["attributes"].items()}
URL_SCHEMES: set[str] = set(ALLOWLIST["url_schemes"])
LINK_REL: str = ALLOWLIST["link_rel"]
DROP_WITH_CONTENT: set[str] = set(ALLOWLIST["drop_with_content"])


def sanitise_html(html: str) -> str:
    """Keep formatting (bold, lists, links, ...), drop scripts, event handlers and unsafe URLs."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        # A relative URL would point into Tenure itself; the SPA drops them as well.
        url_relative="deny",
    ).strip()
