"""``lanner test DIR``: run the flow tests (``*.test.yml``) of a folder on a temporary SQLite.

Every flow and test file is checked first (any error: exit 1, nothing runs). Then each case
runs in-process with the full engine; fixtures stand in for the tasks they name. One line per
case as it ends, the reasons of each failure, a summary; ``--junit FILE`` writes JUnit XML.
Exit 0 when every case passed (or was disabled), 1 otherwise.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from lanner.cli.output import print_issues
from lanner.errors import FlowValidationError, LannerError
from lanner.flows_as_code.flow_tests import CaseResult, FlowTest, read_flow_tests
from lanner.flows_as_code.folder import read_folder
from lanner.flows_as_code.junit import write_junit
from lanner.settings import load_settings

__all__ = ["run_tests"]

_STATUS = {"passed": ("✓", "green"), "failed": ("✗", "red"), "error": ("!", "red"), "skipped": ("-", "dim")}


def run_tests(
    directory: Path = typer.Argument(..., help="Folder of flows and their *.test.yml files.", exists=True, file_okay=False),
    junit: Path | None = typer.Option(None, "--junit", help="Write the results as JUnit XML to this file."),
    case_filter: str | None = typer.Option(None, "--case", "-k", help="Only the cases whose file::id contains this text."),
    timeout: float = typer.Option(60.0, "--timeout", help="Kill a case's execution after this many seconds."),
) -> None:
    """Run the flow tests of a folder in-process on a temporary SQLite; exit 0 when all pass, 1 otherwise."""
    console = Console()
    errors = Console(stderr=True)
    folder = read_folder(directory)
    tests, issues = read_flow_tests(folder.tests, folder.flows) if not folder.issues else ([], [])
    issues = [*folder.issues, *issues]
    if issues:
        count = print_issues(errors, issues)
        errors.print(f"[red]{count} error{'s' if count != 1 else ''}[/red]: no test was run", highlight=False)
        raise typer.Exit(1)
    tests = _select(tests, case_filter)
    total = sum(len(test.cases) for test in tests)
    if not total:
        console.print(
            f"[yellow]no test cases found[/yellow] in {escape(str(directory))} (files named *.test.yml)", highlight=False
        )
        raise typer.Exit(0)
    console.print(f"running {total} test case{'s' if total != 1 else ''} from {len(tests)} file(s)", highlight=False)
    done = 0

    def on_result(result: CaseResult) -> None:
        nonlocal done
        done += 1
        _print_result(console, result, done, total)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lanner-test-") as tmp:
        # always a fresh SQLite: a LANNER_DATABASE_URL of the environment must not receive test runs
        settings = load_settings(
            data_dir=Path(tmp), database_url=f"sqlite:///{Path(tmp) / 'lanner.db'}", storage_dir=Path(tmp) / "storage"
        )
        try:
            from lanner.cli.flow_test_runner import run_cases  # the engine: ~0.4 s of imports

            results = asyncio.run(run_cases(settings, folder, tests, timeout=timeout, on_result=on_result))
        except FlowValidationError as exc:
            print_issues(errors, exc.issues)
            raise typer.Exit(1) from None
        except LannerError as exc:
            errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None
    if junit is not None:
        write_junit(junit, results)
    _print_summary(console, results, time.monotonic() - started)
    raise typer.Exit(1 if any(r.status in ("failed", "error") for r in results) else 0)


def _select(tests: list[FlowTest], text: str | None) -> list[FlowTest]:
    if not text:
        return tests
    picked = []
    for test in tests:
        cases = [case for case in test.cases if text in f"{test.file}::{case.id}"]
        if cases:
            picked.append(FlowTest(test.file, test.namespace, test.flow_id, cases))
    return picked


def _print_result(console: Console, result: CaseResult, done: int, total: int) -> None:
    mark, style = _STATUS[result.status]
    width = len(str(total))
    console.print(
        f"[dim][{done:>{width}}/{total}][/dim] [{style}]{mark} {result.status.upper():<7}[/{style}] "
        f"{escape(result.name)} [dim]({escape(result.test.flow_uid)}, {result.seconds:.2f}s)[/dim]",
        highlight=False,
        soft_wrap=True,
    )
    for failure in result.failures:
        console.print(f"      [red]{escape(failure)}[/red]", highlight=False, soft_wrap=True)
    if result.logs:
        console.print("      [dim]logs:[/dim]", highlight=False)
        for line in result.logs:
            console.print(f"        [dim]{escape(line)}[/dim]", highlight=False, soft_wrap=True)


def _print_summary(console: Console, results: list[CaseResult], seconds: float) -> None:
    counts = {status: sum(r.status == status for r in results) for status in _STATUS}
    parts = [f"[{_STATUS[s][1]}]{counts[s]} {s}[/{_STATUS[s][1]}]" for s in _STATUS if counts[s]]
    console.print(f"\n{', '.join(parts)} in {seconds:.2f}s", highlight=False)
