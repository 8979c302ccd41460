"""All SQL lives in repositories: outside `repository.py` modules no domain module builds a
statement or runs one on a session, but for the few listed here, each with its reason."""

import ast
from pathlib import Path

import domain

DOMAIN = Path(domain.__file__).parent
BUILDERS = {"select", "insert", "update", "delete", "text", "union", "union_all"}
RUNNERS = {"execute", "scalar", "scalars", "stream", "stream_scalars"}

# Modules that may build or run statements outside a repository, and why.
ALLOWED = {
    "common/bulk_sql.py": "set-based statements' helpers every repository shares (unnest, JIT)",
    "common/jobs.py": "the job outbox, written and relayed by the queue infrastructure",
    "tenancy/accounts.py": "VisibleAccounts: the account scope every repository starts from",
    "freshness/changes.py": "change marks, written in a before_commit hook",
    "metrics/catalog.py": "a metric's filter column: a scalar subquery inside another statement",
    "accounts/fields.py": "filter-language fields (health): scalar subqueries inside a statement",
    "health/compile.py": "a health model compiled to SQL: pure, run by the health repository",
}


def _violations(path: Path) -> list[str]:
    found = []
    # Tables declare partial indexes and server defaults with text(): DDL, not queries.
    builders = BUILDERS - {"text"} if path.name == "models.py" else BUILDERS
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in builders:
            found.append(f"{func.id}() at line {node.lineno}")
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in RUNNERS
            and "session" in ast.unparse(func.value)
        ):
            found.append(f".{func.attr}() at line {node.lineno}")
    return found


def _modules() -> list[Path]:
    return sorted(p for p in DOMAIN.rglob("*.py") if p.name != "repository.py")


def test_no_sql_outside_repositories() -> None:
    offending = {
        name: found
        for path in _modules()
        if (name := path.relative_to(DOMAIN).as_posix()) not in ALLOWED
        and (found := _violations(path))
    }
    assert offending == {}


def test_every_exemption_is_still_needed() -> None:
    assert [name for name in ALLOWED if not _violations(DOMAIN / name)] == []


def test_the_guard_sees_a_statement_run_on_a_session(tmp_path: Path) -> None:
    module = tmp_path / "service.py"
    module.write_text(
        "async def f(session, stmt):\n"
        "    await self.session.scalars(stmt)\n"
        "    return await session.execute(select(Account))\n"
    )
    assert _violations(module) == [
        ".scalars() at line 2",
        ".execute() at line 3",
        "select() at line 3",
    ]
