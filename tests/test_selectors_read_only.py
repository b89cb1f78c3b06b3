"""Reads live in selectors or QuerySets, writes in services: no selector imports a service (issue 16).

A selector module (any file under an app's selectors/) reads and never writes; services may import
selectors, never the reverse, so a read is found at the first guess and a page's read cannot pull
in a workflow. Read from the source with `ast`, so an import inside a function counts as much as
one at the top.

The rule applied: a function that reads (the database or shipped data) moves to selectors/ or a
QuerySet; a pure computation over figures already read (forensics statistics, the pool's seats and
quick count) may stay beside the analysis that stores it, and a selector may call it. ALLOWED
lists each remaining import with its reason; nothing else may join it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("elections", "observers", "tallies")
FORENSICS = "computation, not a read: the forensics method's constants and summary over figures read"
POOLED = "computation, not a read: seats, quick count and forensics over a Pool already read"
ERROR = "an error class, not a read: its home is tallies' one error hierarchy (issue 16)"
ALLOWED: dict[tuple[str, str], str] = {
    ("tallies/selectors/analysis/charts.py", "tallies.services.analysis.forensics"): FORENSICS,
    ("tallies/selectors/analysis/tables.py", "tallies.services.analysis.forensics"): FORENSICS,
    ("tallies/selectors/analysis/forensics.py", "tallies.services.analysis"): FORENSICS,
    ("tallies/selectors/coalition_analysis.py", "tallies.services.analysis.pooled"): POOLED,
    ("tallies/selectors/coalition_analysis.py", "tallies.services.analysis.errors"): ERROR,
    # current_inputs (a read) dispatches to each analysis's input rule, kept beside compute_run,
    # which must apply the same rule: to move with the runs (issue 16, left).
    ("tallies/selectors/analysis/runs.py", "tallies.services.analysis"): "current_inputs: see above",
    # consents (a read) is to move beside next_number in selectors/release_previews (issue 16, left);
    # the preview itself is now prepared by a task and read from CoalitionReleasePreview.
    ("tallies/selectors/coalitions.py", "tallies.services.coalition_releases"): "the release preview",
}


def imported_modules(path: Path) -> set[str]:
    """The dotted modules `path` imports from; `from tallies.services import x` gives tallies.services.x."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.count(".") == 1 and node.module.endswith(".services"):
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return found


def is_service(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[0] in APPS and parts[1] == "services"


def service_imports() -> list[tuple[str, str]]:
    """(selector file, service module) for every import of a service by a selector."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).glob("selectors/**/*.py")):
            relative = path.relative_to(ROOT).as_posix()
            found.extend((relative, m) for m in sorted(imported_modules(path)) if is_service(m))
    return found


def test_no_selector_imports_a_service():
    unexplained = [
        f"{path} imports {module}" for path, module in service_imports() if (path, module) not in ALLOWED
    ]
    assert unexplained == []


def test_every_allowed_import_still_exists():
    assert sorted(set(ALLOWED) - set(service_imports())) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from tallies.services.reconciliation import reconcile\n", True),
        ("from tallies.services import coalitions\n", True),
        ("import observers.services.visits\n", True),
        ("from tallies.selectors.accepted import countable_copies\n", False),
        ("from config.outbox import enqueue_on_commit\n", False),
    ],
)
def test_the_check_sees_every_form_of_import(tmp_path, source, expected):
    module = tmp_path / "module.py"
    module.write_text(source, encoding="utf-8")

    assert any(is_service(m) for m in imported_modules(module)) is expected
