"""Computed metrics: an arithmetic formula over other metrics (`mrr / active_users_30d`),
parsed safely and compiled to one SQL expression. Pure: it takes the formula and the SQL of
each metric it may use, and returns a SQLAlchemy expression.

The formula is parsed with Python's `ast` in expression mode and only a whitelist of nodes is
accepted (numbers, metric names, + - * /, unary minus, parentheses and a few functions); it is
never evaluated by Python. Division by zero gives no value (NULL), not an error; so does a
value too large to mean anything (beyond MAX_VALUE), which no reader could show or store."""

import ast
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Numeric, SQLColumnExpression, cast, func, literal

from domain.metrics.errors import FormulaCycle as FormulaCycle
from domain.metrics.errors import InvalidFormula as InvalidFormula

MAX_LENGTH = 500
MAX_DEPTH = 20
FUNCTIONS = {"abs": 1, "round": 1, "min": 2, "max": 2, "coalesce": 2}
# Numbers written in a formula, and the values a computed metric may take (far beyond any
# revenue or count, far within what a float and a JSON number can carry).
MAX_LITERAL = 10**15
MAX_VALUE = 10**18


def _parse(formula: str) -> ast.expr:
    if not formula.strip():
        raise InvalidFormula("The formula is empty")
    if len(formula) > MAX_LENGTH:
        raise InvalidFormula(f"Formulas are limited to {MAX_LENGTH} characters")
    try:
        return ast.parse(formula.strip(), mode="eval").body
    except SyntaxError as exc:
        raise InvalidFormula(f"Syntax error at character {exc.offset or 0}: {exc.msg}") from None


def metric_names(formula: str) -> set[str]:
    """The metrics a formula uses (after checking it is well formed)."""
    names: set[str] = set()
    _check(_parse(formula), names, depth=0)
    return names


def _check(node: ast.expr, names: set[str], *, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidFormula(f"Formulas may nest at most {MAX_DEPTH} levels")
    match node:
        case ast.Constant(value=value) if isinstance(value, int | float) and not isinstance(
            value, bool
        ):
            # 1e400 parses as infinity; 1e308 * 1e308 overflows whatever reads it.
            if not (math.isfinite(value) and abs(value) <= MAX_LITERAL):
                raise InvalidFormula(f"Numbers in formulas are at most {MAX_LITERAL:.0e}")
            return
        case ast.Name(id=name):
            names.add(name)
        case ast.UnaryOp(op=ast.USub() | ast.UAdd(), operand=operand):
            _check(operand, names, depth=depth + 1)
        case ast.BinOp(left=left, op=ast.Add() | ast.Sub() | ast.Mult() | ast.Div(), right=right):
            _check(left, names, depth=depth + 1)
            _check(right, names, depth=depth + 1)
        case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in FUNCTIONS:
            if len(args) != FUNCTIONS[name]:
                raise InvalidFormula(f"{name}() takes {FUNCTIONS[name]} argument(s)")
            for arg in args:
                _check(arg, names, depth=depth + 1)
        case ast.Call(func=ast.Name(id=name)):
            known = ", ".join(sorted(FUNCTIONS))
            raise InvalidFormula(f"Unknown function {name}(); formulas may use {known}")
        case _:
            text = ast.unparse(node)
            raise InvalidFormula(
                f"{text!r} is not allowed: use numbers, metric keys, + - * / and parentheses"
            )


def validate(formula: str, known: set[str]) -> set[str]:
    """Check the formula and that every metric it names exists; returns the names used."""
    names = metric_names(formula)
    if unknown := sorted(names - known):
        raise InvalidFormula(f"Unknown metrics: {', '.join(unknown)}")
    return names


def compile_formula(
    formula: str, metrics: Mapping[str, SQLColumnExpression[Any]]
) -> ColumnElement[Any]:
    """The SQL value of `formula`, each metric name replaced by its expression in `metrics`."""
    validate(formula, set(metrics))
    compiled: ColumnElement[Any] = _compile(_parse(formula), metrics)
    return compiled


def bounded(expression: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    """`expression`, or NULL where its magnitude reaches MAX_VALUE (e.g. metrics multiplied
    together): a computed metric's value is always one a float, JSON and a report can hold."""
    clamped = func.least(func.greatest(expression, -MAX_VALUE), MAX_VALUE)
    return func.nullif(func.nullif(clamped, MAX_VALUE), -MAX_VALUE)


def _number(expression: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    return cast(expression, Numeric)


def _compile(node: ast.expr, metrics: Mapping[str, SQLColumnExpression[Any]]) -> Any:
    match node:
        case ast.Constant(value=value):
            return literal(value, Numeric)
        case ast.Name(id=name):
            return _number(metrics[name])
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_compile(operand, metrics)
        case ast.UnaryOp(operand=operand):
            return _compile(operand, metrics)
        case ast.BinOp(left=left, op=op, right=right):
            a, b = _compile(left, metrics), _compile(right, metrics)
            match op:
                case ast.Add():
                    return a + b
                case ast.Sub():
                    return a - b
                case ast.Mult():
                    return a * b
                case _:
                    return a / func.nullif(b, 0)
        case ast.Call(func=ast.Name(id=name), args=args):
            values = [_compile(arg, metrics) for arg in args]
            match name:
                case "min":
                    return func.least(*values)
                case "max":
                    return func.greatest(*values)
                case _:
                    return getattr(func, name)(*values)
    raise InvalidFormula(ast.unparse(node))  # pragma: no cover - _check ran first


def dependency_order(formulas: Mapping[str, str]) -> list[str]:
    """Computed metrics in an order where each comes after those it uses; a cycle is a
    FormulaCycle."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(key: str, path: tuple[str, ...]) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            cycle = " → ".join((*path[path.index(key) :], key))
            raise FormulaCycle(f"Computed metrics may not depend on themselves: {cycle}")
        state[key] = "visiting"
        for name in sorted(metric_names(formulas[key]) & set(formulas)):
            visit(name, (*path, key))
        state[key] = "done"
        order.append(key)

    for key in sorted(formulas):
        visit(key, ())
    return order
