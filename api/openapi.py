"""Operation ids that read well in generated SDKs, and the deterministic schema export."""

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def operation_id(route: APIRoute) -> str:
    """`list_accounts` -> `listAccounts`; route function names are unique across routers."""
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def export(app: FastAPI) -> str:
    schema: dict[str, Any] = app.openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    from api.app import create_app

    text = export(create_app())
    if "--check" in sys.argv:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != text:
            print("openapi/openapi.json is out of date: run `make openapi`", file=sys.stderr)
            sys.exit(1)
        return
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
