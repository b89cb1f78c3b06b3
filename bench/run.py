"""Run the benchmarks and print each figure next to its target: `python -m bench.run`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/observer_bench \\
        python -m bench.run [--stations 10000,100000] [--only P1,P2,P3,P4,P5,R,POOL,SHAPE,STATES]

The database (its name must contain "bench") is created if missing and its schema rebuilt; the
tables are emptied between benchmarks. Prints the machine, one line per figure as measured, then
the result table, the growth of each cost with the number of stations, and this process's own
resource use (wall, CPU, peak memory: the figures /usr/bin/time -v prints).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

# POOL: P2 and P3 for a coalition of seven; SHAPE: figures as rows or as one array per protocol
# STATES (only when asked): P3's recompute with station states as integer[] instead of jsonb, a probe
BENCHMARKS = ("P5", "P2", "P3", "STATES", "POOL", "P4", "R", "SHAPE", "P1")
BY_DEFAULT = tuple(name for name in BENCHMARKS if name != "STATES")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmarks of the main job on PostgreSQL.")
    parser.add_argument("--stations", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--only", default=",".join(BY_DEFAULT), help="benchmarks, comma-separated")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.stations.split(","))
    args.selected = {name.strip().upper() for name in args.only.split(",")}
    unknown = args.selected - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks {sorted(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def setup_django(url: str) -> None:
    """Create the bench database if missing, then configure Django with the bench settings."""
    from bench.createdb import ensure_database

    if ensure_database(url):
        print(f"created database {url.rsplit('/', 1)[-1]}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def machine() -> list[str]:
    """The machine as the report states it: cores, memory, CPU, Python, Django, PostgreSQL, load."""
    import django

    from bench.database import server_facts

    memory_kib = int(_proc_field("/proc/meminfo", "MemTotal").split()[0])
    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor()
    facts = server_facts()
    return [
        f"nproc {os.cpu_count()}, {memory_kib / 1024 / 1024:.1f} GiB memory, {cpu}",
        f"Python {platform.python_version()}, Django {django.get_version()}, {platform.platform()}",
        "PostgreSQL " + ", ".join(f"{k} {v}" for k, v in facts.items()),
        f"load average at start: {_load()}",
    ]


def _proc_field(path: str, name: str) -> str:
    """The value of the first `name: value` line of a /proc file ("" when absent)."""
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return line.split(":", 1)[1].strip()
    return ""


def run(args: argparse.Namespace, report, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Run the selected benchmarks in a fixed order; each leaves the data the next one clears."""
    from bench import database
    from bench.p1_api import run_p1
    from bench.p4_import import run_p4
    from bench.p5_photos import run_p5
    from bench.pooled import build_pooled_case, run_pooled
    from bench.reconciliation import run_reconciliation
    from bench.shape_reads import run_shape

    selected = args.selected
    _section("schema: drop, create, migrate", database.reset_schema)
    if "P5" in selected:
        _section("P5 evidence photos", run_p5, report)
    _generated(args, report)
    for size in args.sizes if "POOL" in selected else []:
        title = f"P2/P3 pooled: a coalition of seven members, {size:,} stations"
        pooled = _section(title, build_pooled_case, report, size)
        _section(
            f"P2/P3 pooled recompute, incremental step and DuckDB, {size:,} stations",
            run_pooled,
            report,
            pooled,
        )
    for size in args.sizes if selected & {"P4", "R"} else []:
        imported = _section(
            f"P4 official import, {size:,} stations", run_p4, report, size, folder, "P4" in selected
        )
        if "R" in selected:
            _section(
                f"R reconciliation, {imported.stations:,} stations", run_reconciliation, report, imported
            )
    for size in args.sizes if "SHAPE" in selected else []:
        _section(f"SHAPE figures as rows or arrays, {size:,} stations", run_shape, report, size)
    for size in args.sizes if "P1" in selected else []:
        _section(f"P1 API through gunicorn, {size:,} stations", run_p1, report, size, folder)


def _generated(args: argparse.Namespace, report) -> None:  # type: ignore[no-untyped-def]
    """P2, P3 and STATES on the generated election of each size (built once per size)."""
    from bench.generated import build_case
    from bench.p2_incremental import run_p2
    from bench.p3_duckdb import run_p3
    from bench.state_arrays import run_states

    selected = args.selected
    for size in args.sizes if selected & {"P2", "P3", "STATES"} else []:
        recomputes = None if "P2" in selected else 1 + (size <= 20_000)
        case = _section(f"P2/P3 generated election, {size:,} stations", build_case, report, size, recomputes)
        if "P2" in selected:
            _section(f"P2 incremental tally, {size:,} stations", run_p2, report, case)
        if "P3" in selected:
            _section(f"P3 recompute vs DuckDB, {size:,} stations", run_p3, report, case)
        if "STATES" in selected:
            title = f"STATES recompute with states as integer[], {size:,} stations"
            _section(title, run_states, report, case)


def _section(title: str, function, *args):  # type: ignore[no-untyped-def]
    print(f"\n== {title}", flush=True)
    start = time.perf_counter()
    result = function(*args)
    print(f"  .. done in {time.perf_counter() - start:.1f} s", flush=True)
    return result


def resource_use(started: float) -> str:
    """Wall, user and system CPU of this process and its children, its peak memory (getrusage)."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        f"wall {time.perf_counter() - started:.0f} s; bench process user {mine.ru_utime:.0f} s, system "
        f"{mine.ru_stime:.0f} s, max RSS {mine.ru_maxrss // 1024} MiB; servers and load generator user "
        f"{children.ru_utime:.0f} s, system {children.ru_stime:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'", file=sys.stderr)
        return 2
    started = time.perf_counter()
    setup_django(url)
    from django.conf import settings

    from bench.report import Report

    facts = machine()
    print("\n".join(facts), flush=True)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        run(args, report, Path(folder))
    summary = _summary(facts, report, resource_use(started))
    print("\n" + summary)
    out = Path(settings.BASE_DIR) / "var" / "bench" / "last-run.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(summary, encoding="utf-8")
    return 0


def _summary(facts: list[str], report, usage: str) -> str:  # type: ignore[no-untyped-def]
    missed = report.missed()
    lines = ["## Results", "", *[f"- {fact}" for fact in facts], f"- load average at end: {_load()}", ""]
    lines += [report.markdown(), "## Growth with the number of stations", "", report.growth_markdown()]
    lines += [f"Missed: {len(missed)} of {len(report.rows)} rows.", "", f"Resources: {usage}", ""]
    return "\n".join(lines)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
