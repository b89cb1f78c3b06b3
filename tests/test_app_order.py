"""The apps depend one way: elections ← observers ← tallies (issue 16).

A module may import its own app and the apps before it, never one after it: observers knows
nothing of tallies, elections nothing of either. What an earlier app needs from a later one is
registered by the later app (observers.evidence_subjects). Read from the source with `ast`, so
an import inside a function counts as much as one at the top; migrations name other apps'
models by label and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("elections", "observers", "tallies")


def imported_apps(path: Path) -> set[str]:
    """The top-level packages `path` imports, and the app labels it passes to apps.get_model()."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif _is_get_model(node):
            found.add(f"label:{node.args[0].value}")  # type: ignore[attr-defined]
    return found


def _is_get_model(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get_model"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def violations(app: str) -> list[str]:
    later = set(ORDER[ORDER.index(app) + 1 :])
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        for name in imported_apps(path):
            target = name.removeprefix("label:")
            if target in later:
                found.append(f"{relative} imports {target}")
    return found


@pytest.mark.parametrize("app", ORDER[:-1])
def test_no_import_runs_against_the_app_order(app):
    assert violations(app) == []


def test_the_check_sees_an_import_inside_a_function_and_a_lookup_by_label(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "def f():\n    from tallies.models import ProtocolCopy\n"
        "def g(apps):\n    return apps.get_model('observers', 'Observer')\n",
        encoding="utf-8",
    )

    assert imported_apps(module) == {"tallies", "label:observers"}
