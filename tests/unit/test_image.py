"""The production image holds what the API, the worker, the migrations and `create-org` run on:
the files its app stage copies (`Dockerfile`) from the build context `.dockerignore` leaves, and
the packages its deps stage installs (`uv sync --frozen --no-dev`, from uv's cache). Docker
itself is not run here: the image's layout is rebuilt in a folder and its programs' modules
imported there by that environment's Python, so a module the image lacks, or a development
package imported at run time, fails here as it would in the container."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from docker.utils.build import exclude_paths

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools" / "bin" / "uv"  # pinned; `make install` puts it there

# What the image runs: `python -m api.serve` (which loads `api.app:create_app`), `python -m
# workers`, `alembic upgrade head` (migrations/env.py, then each revision) and `python -m
# scripts.create_org`.
IMPORTS = """
import importlib, importlib.util, json, sys
from pathlib import Path
import api.serve, api.app, workers.settings, scripts.create_org
api.app.create_app()
for path in sorted(Path("migrations/versions").glob("*.py")):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
import domain.models, domain.common.base
print(json.dumps({
    name: getattr(module, "__file__", None) or ""
    for name, module in list(sys.modules.items())
}))
"""


def _copied(stage: str) -> list[tuple[str, str]]:
    """(source, destination) of what a stage of the Dockerfile copies from the build context
    (not from other stages), each destination made absolute from the stage's WORKDIR."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    start = dockerfile.index(f" AS {stage}\n")
    end = dockerfile.find("\nFROM ", start)
    workdir, copies = "/", []
    for line in dockerfile[start : end if end > 0 else None].splitlines():
        if line.startswith("WORKDIR "):
            workdir = line.split()[1]
        elif line.startswith("COPY ") and "--from=" not in line:
            *sources, destination = line.split()[1:]
            if not destination.startswith("/"):
                destination = f"{workdir.rstrip('/')}/{destination.removeprefix('./')}"
            copies += [(source, destination) for source in sources]
    return copies


def _context() -> set[str]:
    """The files the build context holds: the checkout's, less what `.dockerignore` leaves out
    (matched as Docker matches it)."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return {path for path in exclude_paths(str(ROOT), patterns) if (ROOT / path).is_file()}


def _lay_out(copies: list[tuple[str, str]], root: Path) -> None:
    """The copies as the build makes them from the context, under `root` standing in for `/`:
    a folder's contents into the destination, a file into a destination ending in `/`, else as
    it."""
    context = _context()
    for source, destination in copies:
        files = [source] if source in context else [
            path for path in context if path.startswith(f"{source.rstrip('/')}/")
        ]  # fmt: skip
        assert files, f"the build context has nothing for `COPY {source}`"
        for path in files:
            target = root / destination.lstrip("/")
            if path == source:
                if destination.endswith("/"):
                    target = target / Path(source).name
            else:
                target = target / path.removeprefix(source.rstrip("/") + "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / path, target)


def test_the_build_context_leaves_out_the_checkouts_own_files() -> None:
    """Not the host's packages (a Mac's node_modules over the image's own would break the SPA's
    build), nor the embedded database's data, nor .env's secrets."""
    left_out = (".venv", ".tools", ".data", ".env", ".git", "frontend/node_modules", "tests")
    context = _context()
    assert not [path for path in context if path.startswith(left_out) or "__pycache__" in path]
    assert {"uv.lock", "api/app.py", "frontend/package-lock.json"} <= context


def test_the_image_holds_what_its_programs_import(tmp_path: Path) -> None:
    _lay_out(_copied("app"), tmp_path)
    app = tmp_path / "app"
    assert (app / "api").is_dir() and (app / "scripts" / "create_org.py").is_file()

    # The deps stage: the lock's production packages only, into an environment of their own.
    deps = tmp_path / "deps"
    deps.mkdir()
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, deps / name)
    assert UV.is_file(), "uv is installed by `make install`"
    synced = subprocess.run(
        [str(UV), "sync", "--frozen", "--no-dev", "--no-install-project", "--python",
         sys.executable],
        cwd=deps,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))},
            "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
            "UV_PYTHON_DOWNLOADS": "never",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr[-3000:]

    ran = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", IMPORTS],
        cwd=app,
        env={"PATH": "/usr/bin:/bin", "TENURE_ENVIRONMENT": "development"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    loaded: dict[str, str] = json.loads(ran.stdout.splitlines()[-1])
    ours = {"api", "domain", "workers", "scripts", "migrations", "tests"}
    outside = {
        name: file
        for name, file in loaded.items()
        if name.split(".")[0] in ours and file and not Path(file).is_relative_to(app)
    }
    assert not outside, f"imported from outside the image: {outside}"
    assert {"api.app", "workers.settings", "scripts.create_org", "domain.models"} <= set(loaded)
    assert not any(name.split(".")[0] == "tests" for name in loaded)


def test_the_spa_builds_from_what_its_stage_copies(tmp_path: Path) -> None:
    """The SPA stage copies the SPA, the OpenAPI schema and the rich-text allowlist the server
    keeps too: the build (type check, then bundle) finds everything it imports there. Its
    packages are the ones `npm ci` installs from the same lock, linked rather than installed
    again."""
    _lay_out(_copied("spa"), tmp_path)
    frontend = tmp_path / "src" / "frontend"
    assert (frontend / "package-lock.json").is_file() and (tmp_path / "src" / "openapi").is_dir()
    (frontend / "node_modules").symlink_to(ROOT / "frontend" / "node_modules")
    built = subprocess.run(
        ["npm", "run", "build"], cwd=frontend, capture_output=True, text=True, timeout=600
    )
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    assert (frontend / "dist" / "index.html").is_file()
