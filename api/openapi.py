"""Operation ids that read well in generated SDKs, component schemas FastAPI cannot find,
and the deterministic schema export."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Schema
from fastapi.routing import APIRoute

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def operation_id(route: APIRoute) -> str:
    """`list_accounts` -> `listAccounts`; route function names are unique across routers."""
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def add_components(app: FastAPI, schemas: Callable[[], dict[str, dict[str, Any]]]) -> None:
    """Add `schemas()` to the app's component schemas whenever its schema is made (again, when
    routes change). FastAPI finds only the models of parameters and responses; a route that
    documents a body it reads raw refers to its schemas by `$ref`, which may be some FastAPI
    has too."""
    make = app.openapi
    written: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        document = make()
        if not written:
            # As FastAPI writes its own (`maximum: 100.0`, no `default: null`).
            written.update(
                (name, jsonable_encoder(Schema(**schema), by_alias=True, exclude_none=True))
                for name, schema in schemas().items()
            )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in written.items():
            if components.setdefault(name, schema) != schema:
                raise ValueError(f"Two different schemas are named {name}")
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented extension point


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
