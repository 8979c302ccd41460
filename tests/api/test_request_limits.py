"""What a request may send fits where it goes, checked over every route so a new schema,
parameter or column that disagrees fails here rather than as a 500:
- a request model's string field is never longer than the String(n) column of the same name in
  its area (the table named like the model, else every table of the area with that column), and
  an enum field's values fit theirs;
- every date and time in a body or a query is one of the bounded types of domain/common/types.
"""

import importlib
import pkgutil
import re
import typing
from datetime import date, datetime
from enum import Enum

from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, NaiveDatetime
from pydantic.fields import FieldInfo
from sqlalchemy import String

import api.routers
import domain.models  # noqa: F401  # maps every table
from domain.common import types
from domain.common.base import Base

_MODEL_SUFFIX = re.compile(r"(Create|Update|Write|Upsert|In|Batch)$")


def _routes() -> list[APIRoute]:
    routes = []
    for info in pkgutil.iter_modules(api.routers.__path__):
        router = importlib.import_module(f"{api.routers.__name__}.{info.name}").router
        routes += [route for route in router.routes if isinstance(route, APIRoute)]
    return routes


def _request_models() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()

    def walk(annotation: object) -> None:
        for arg in typing.get_args(annotation):
            walk(arg)
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if is_model and annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)

    for route in _routes():
        if route.body_field is not None:
            walk(route.body_field.field_info.annotation)
        for param in _query_params(route.dependant):
            walk(param.field_info.annotation)
    return found


def _query_params(dependant: Dependant) -> list[ModelField]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params += _query_params(sub)
    return params


def _columns() -> dict[str, dict[str, dict[str, int]]]:
    """area -> mapped class name -> column -> length, for bounded String columns."""
    areas: dict[str, dict[str, dict[str, int]]] = {}
    for mapper in Base.registry.mappers:
        area = mapper.class_.__module__.split(".")[1]
        lengths = {
            c.key: c.type.length
            for c in mapper.columns
            if isinstance(c.type, String) and c.type.length
        }
        areas.setdefault(area, {})[mapper.class_.__name__] = lengths
    return areas


def _lengths(metadata: typing.Iterable[object]) -> list[int]:
    found = []
    for meta in metadata:
        if isinstance(meta, FieldInfo):
            found += _lengths(meta.metadata)
        elif getattr(meta, "max_length", None) is not None:
            found.append(meta.max_length)  # type: ignore[attr-defined]  # checked above
    return found


def _max_length(field: FieldInfo) -> int | None:
    """The field's max_length, wherever pydantic keeps it: on the field, or inside an
    Annotated alias under Optional."""
    lengths = _lengths(field.metadata)
    for arg in typing.get_args(field.annotation):
        if typing.get_origin(arg) is typing.Annotated and typing.get_args(arg)[0] is str:
            lengths += _lengths(arg.__metadata__)
    return min(lengths) if lengths else None


def _enum(field: FieldInfo) -> type[Enum] | None:
    for candidate in (field.annotation, *typing.get_args(field.annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return candidate
    return None


def _is_text(field: FieldInfo) -> bool:
    def text(annotation: object) -> bool:
        if annotation is str:
            return True
        if typing.get_origin(annotation) is typing.Annotated:
            return text(typing.get_args(annotation)[0])
        return typing.get_origin(annotation) in (typing.Union, type(int | None)) and any(
            text(a) for a in typing.get_args(annotation)
        )

    return text(field.annotation)


def _mismatches() -> list[str]:
    columns = _columns()
    problems = []
    for model in sorted(_request_models(), key=lambda m: (m.__module__, m.__name__)):
        area = model.__module__.split(".")[1]
        tables = columns.get(area, {})
        stem = _MODEL_SUFFIX.sub("", model.__name__)
        for name, field in model.model_fields.items():
            if stem in tables:
                limits = {stem: tables[stem][name]} if name in tables[stem] else {}
            else:
                limits = {t: cols[name] for t, cols in tables.items() if name in cols}
            if not limits:
                continue
            limit = min(limits.values())
            where = f"{model.__name__}.{name} (column {limits})"
            enum = _enum(field)
            if enum is not None:
                longest = max(len(str(member.value)) for member in enum)
                if longest > limit:
                    problems.append(f"{where}: enum values up to {longest} characters")
                continue
            if not _is_text(field):
                continue
            length = _max_length(field)
            if length is None:
                problems.append(f"{where}: no max_length")
            elif length > limit:
                problems.append(f"{where}: max_length {length}")
    return problems


def test_request_models_are_found() -> None:
    names = {m.__name__ for m in _request_models()}
    assert {"RoleCreate", "AccountCreate", "SubscriptionIn", "EventCreate"} <= names


def test_every_request_string_fits_its_column() -> None:
    assert _mismatches() == []


_BOUNDED = {types.Day, types.Instant, types.UtcInstant}


def _validators(annotation: object) -> set[object]:
    """The AfterValidator functions anywhere in an annotation."""
    found: set[object] = set()
    if typing.get_origin(annotation) is typing.Annotated:
        found |= {getattr(m, "func", None) for m in annotation.__metadata__}  # type: ignore[attr-defined]  # Annotated
    for arg in typing.get_args(annotation):
        found |= _validators(arg)
    return found


def _mentions(annotation: object, kinds: tuple[type, ...]) -> bool:
    if annotation in kinds:
        return True
    return any(_mentions(arg, kinds) for arg in typing.get_args(annotation))


def _unbounded_dates() -> list[str]:
    bounded = set().union(*(_validators(t) for t in _BOUNDED)) - {None}
    fields: list[tuple[str, FieldInfo]] = []
    for model in _request_models():
        fields += [(f"{model.__name__}.{n}", f) for n, f in model.model_fields.items()]
    for route in _routes():
        fields += [(f"{route.path}?{p.name}", p.field_info) for p in _query_params(route.dependant)]
    problems = []
    for where, field in sorted(fields, key=lambda item: item[0]):
        if not _mentions(field.annotation, (date, datetime, AwareDatetime, NaiveDatetime)):
            continue
        found = _validators(field.annotation) | {getattr(m, "func", None) for m in field.metadata}
        if not found & bounded:
            problems.append(where)
    return problems


def test_every_request_date_and_time_is_bounded() -> None:
    assert _unbounded_dates() == []
