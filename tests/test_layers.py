"""The folder tree is the architecture: each layer imports only what it may (docs/ARCHITECTURE.md).

Imports are read with the standard library's ``ast``, including those inside functions; imports under
``if TYPE_CHECKING:`` are for type hints only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "mockprep"
DATABASE_DRIVERS = {"sqlalchemy", "sqlmodel", "sqlite3"}
TERMINAL_LIBRARIES = {"typer", "rich", "prompt_toolkit", "click"}

# layer -> modules (third-party or mockprep sub-packages) it must not import
FORBIDDEN = {
    "core": DATABASE_DRIVERS
    | TERMINAL_LIBRARIES
    | {"mockprep.db", "mockprep.practice", "mockprep.services", "mockprep.terminal", "mockprep.cli"},
    "db": TERMINAL_LIBRARIES
    | {"mockprep.practice", "mockprep.services", "mockprep.terminal", "mockprep.cli"},
    "practice": DATABASE_DRIVERS
    | TERMINAL_LIBRARIES
    | {"mockprep.services", "mockprep.terminal", "mockprep.cli", "mockprep.db"},
    "services": DATABASE_DRIVERS | TERMINAL_LIBRARIES | {"mockprep.terminal", "mockprep.cli"},
    "terminal": DATABASE_DRIVERS
    | {"typer", "mockprep.db", "mockprep.services", "mockprep.cli", "mockprep.practice.session"}
    | {"mockprep.practice.mock", "mockprep.practice.pipeline"},
    "cli": DATABASE_DRIVERS,
}
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 350
MAX_FUNCTION_LINES = 100


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Modules imported at run time (anywhere in the file, but not under ``if TYPE_CHECKING``)."""
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    names = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def violations(layer: str, source: str) -> list[str]:
    """The imports in ``source`` that ``layer`` may not make."""
    bad = []
    for name in _runtime_imports(ast.parse(source)):
        for forbidden in FORBIDDEN[layer]:
            if name == forbidden or name.startswith(forbidden + "."):
                bad.append(name)
    return bad


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_each_module_imports_only_what_its_layer_may(path: Path) -> None:
    relative = path.relative_to(SRC)
    layer = relative.parts[0] if len(relative.parts) > 1 else None
    source = path.read_text(encoding="utf-8")
    if layer is None:  # top level: paths, __init__, __main__
        assert not violations("core", source) or path.name == "__main__.py", relative
        return
    assert layer in FORBIDDEN, f"{relative}: a new layer needs rules here and in docs/ARCHITECTURE.md"
    assert violations(layer, source) == [], relative


def test_only_the_database_layer_runs_sql() -> None:
    outside = [
        str(p.relative_to(SRC))
        for p in _modules()
        if p.relative_to(SRC).parts[0] != "db"
        and set(_runtime_imports(ast.parse(p.read_text(encoding="utf-8")))) & DATABASE_DRIVERS
    ]
    assert outside == []


def test_the_checker_catches_a_forbidden_import() -> None:
    assert violations("core", "import rich\n") == ["rich"]
    assert violations("terminal", "def f():\n    from mockprep.db.store import Store\n") == [
        "mockprep.db.store"
    ]
    assert (
        violations("core", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlite3\n") == []
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_modules_classes_and_functions_stay_readable(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno < MAX_CLASS_LINES, node.name  # type: ignore[operator]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno - node.lineno < MAX_FUNCTION_LINES, node.name  # type: ignore[operator]


LANGUAGE_MODEL_LIBRARIES = {"llm", "openai"}


def test_only_the_model_service_imports_the_llm_extra() -> None:
    """The optional extra mockprep[llm] is imported in one place, inside the function that opens a
    model in its worker process; core mockprep never imports it (tests/test_llm_grading.py checks the
    same at run time, and tests/test_llm_worker.py that mockprep's own process never does)."""
    importers = sorted(
        str(p.relative_to(SRC))
        for p in _modules()
        if {name.split(".")[0] for name in _runtime_imports(ast.parse(p.read_text(encoding="utf-8")))}
        & LANGUAGE_MODEL_LIBRARIES
    )
    assert importers == ["services/model_worker.py"]
    tree = ast.parse((SRC / "services" / "model_worker.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert (
        not {
            (n.names[0].name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
            for n in top_level
        }
        & LANGUAGE_MODEL_LIBRARIES
    )
