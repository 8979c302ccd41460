"""The production image holds what the API, the worker, the migrations and `create-org` run on:
the files its app stage copies (`Dockerfile`) and the packages its deps stage installs (`uv sync
--frozen --no-dev`, from uv's cache). Docker itself is not run here: the image's layout is
rebuilt in a folder and its programs' modules imported there by that environment's Python, so a
module the image lacks, or a development package imported at run time, fails here as it would
in the container."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def _copied_into_app_stage() -> list[str]:
    """The build context's paths the app stage copies (not those from other stages)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    app_stage = dockerfile[dockerfile.index(" AS app") :]
    sources: list[str] = []
    for line in app_stage.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            *paths, _destination = line.split()[1:]
            sources += paths
    return sources


def test_the_image_holds_what_its_programs_import(tmp_path: Path) -> None:
    app = tmp_path / "app"
    for source in _copied_into_app_stage():
        target = app / source
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, target)
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
