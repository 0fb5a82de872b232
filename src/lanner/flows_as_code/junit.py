"""Test results as JUnit XML, the report format CI systems read (one ``testsuite`` per test file)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # writing only: nothing untrusted is parsed
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from lanner.flows_as_code.flow_tests import CaseResult

__all__ = ["junit_xml", "write_junit"]


def junit_xml(results: Sequence[CaseResult]) -> str:
    root = ET.Element("testsuites", name="lanner test")
    _counts(root, results)
    for file, group in groupby(results, key=lambda r: r.test.file):
        cases = list(group)
        suite = ET.SubElement(root, "testsuite", name=file)
        _counts(suite, cases)
        for result in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                name=result.case.id,
                classname=result.test.flow_uid,
                file=file,
                time=f"{result.seconds:.3f}",
            )
            if result.case.line is not None:
                case.set("line", str(result.case.line))
            details = "\n".join([*result.failures, *(["", "logs:", *result.logs] if result.logs else [])])
            if result.status in ("failed", "error"):
                tag = "failure" if result.status == "failed" else "error"
                element = ET.SubElement(case, tag, message=result.failures[0] if result.failures else result.status)
                element.text = details
            elif result.status == "skipped":
                ET.SubElement(case, "skipped", message="disabled")
            if result.execution_id:
                ET.SubElement(case, "system-out").text = f"execution {result.execution_id}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(element: ET.Element, results: Sequence[CaseResult]) -> None:
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(r.status == "failed" for r in results)))
    element.set("errors", str(sum(r.status == "error" for r in results)))
    element.set("skipped", str(sum(r.status == "skipped" for r in results)))
    element.set("time", f"{sum(r.seconds for r in results):.3f}")


def write_junit(path: Path, results: Sequence[CaseResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(results), encoding="utf-8")
