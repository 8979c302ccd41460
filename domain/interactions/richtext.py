"""Rich text (notes) arrives as HTML from the SPA's editor and integrations; it is stored
sanitised so every reader can render it as-is."""

import nh3


def sanitise_html(html: str) -> str:
    """Keep formatting (bold, lists, links, ...), drop scripts, event handlers and unsafe URLs."""
    return nh3.clean(html).strip()
