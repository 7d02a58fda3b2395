"""The dependency rule: engine/ imports NumPy, the standard library and engine.* only.

Static: every engine/*.py is parsed with ast and each import (top level or nested, absolute or
relative) is classified. Dynamic: importing every engine module in a fresh interpreter loads no
web library, no app module and no other third-party package.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
MODULES = sorted(p for p in ENGINE.glob("*.py"))
ALLOWED_THIRD_PARTY = {"numpy"}
FORBIDDEN = {"app", "fastapi", "pydantic", "pydantic_settings", "plotly", "starlette", "uvicorn"}
DYNAMIC = {"__import__", "import_module"}


def imported_roots(source: str) -> set[str]:
    """Top-level package names imported by `source`; relative imports count as "engine"."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("engine" if node.level else (node.module or "").split(".")[0])
    return roots


def dynamic_imports(source: str) -> list[str]:
    """Calls that import by name at run time (`__import__(...)`, `importlib.import_module`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in DYNAMIC:
                found.append(name)
    return found


def disallowed(roots: set[str]) -> set[str]:
    return {
        r
        for r in roots
        if r not in ALLOWED_THIRD_PARTY and r != "engine" and r not in sys.stdlib_module_names
    }


def test_the_engine_has_modules() -> None:
    names = {p.stem for p in MODULES}
    assert {"model", "trainer", "views", "heads", "config", "layers"} <= names


def test_the_checker_catches_bad_imports() -> None:
    source = (
        "import numpy as np\nimport math\nfrom . import layers\nfrom engine.errors import X\n"
        "import scipy.special\ndef f():\n    from fastapi import FastAPI\n    import app.main\n"
        "import importlib\nimportlib.import_module('plotly')\n"
    )
    roots = imported_roots(source)
    assert disallowed(roots) == {"scipy", "fastapi", "app"}
    assert roots & FORBIDDEN == {"fastapi", "app"}
    assert dynamic_imports(source) == ["import_module"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_engine_module_imports_only_numpy_stdlib_and_engine(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    roots = imported_roots(source)
    assert disallowed(roots) == set(), f"{path.name} imports {sorted(disallowed(roots))}"
    assert roots & FORBIDDEN == set()
    assert dynamic_imports(source) == [], f"{path.name} imports dynamically"


def test_importing_the_engine_loads_no_web_or_app_module() -> None:
    names = [f"engine.{p.stem}" for p in MODULES if p.stem != "__init__"]
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"  # whatever site startup loaded is not the engine's doing
        f"for name in {names!r}:\n    __import__(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ENGINE.parent,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout))
    assert {"engine", "numpy"} <= loaded
    assert loaded & FORBIDDEN == set()
    third_party = {
        m for m in loaded if m not in sys.stdlib_module_names and m not in {"engine", "numpy"}
    }
    assert third_party == set(), f"importing the engine loaded {sorted(third_party)}"
