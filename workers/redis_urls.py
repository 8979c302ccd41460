"""Redis URLs as Tenure is given them: `redis://` and `rediss://`, or `unix:` with the socket's
path and `?db=` (how `make run` and the tests name the embedded Redis), which neither arq's nor
redis-py's URL parsers read."""

from urllib.parse import parse_qs, urlsplit


def unix_socket(url: str) -> tuple[str, int] | None:
    """The socket's path and database of a `unix:` URL; None for any other."""
    parts = urlsplit(url)
    if parts.scheme != "unix":
        return None
    return parts.path, int(parse_qs(parts.query).get("db", ["0"])[0])
