"""Pin the numbers of a document in tests.

::

    from tracer.verify.pytest_plugin import assert_document

    def test_tutorial_numbers():
        assert_document("docs/tutorial.md")                      # its arithmetic
        assert_document("docs/tutorial.md", config="net.toml")   # and the config's numbers

``assert_document`` raises AssertionError listing every wrong number with
its line, what the document prints and what it should be.

The same check as a pytest plugin (registered as ``mlptrace`` through the
``pytest11`` entry point, or loaded with ``-p tracer.verify.pytest_plugin``): it collects
Markdown and LaTeX files only when asked, so a project's own documents are
never collected by surprise::

    pytest --verify-docs docs/
    pytest --verify-docs --verify-config net.toml docs/
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracer.verify.results import Report

# The verifier is imported when a document is checked, not when pytest
# loads the plugin: a plain pytest run stays as fast as without mlptrace.

__all__ = ["assert_document", "describe"]

DOC_SUFFIXES = (".md", ".markdown", ".tex")


def describe(report: "Report", wrong) -> str:
    """A readable diff of the wrong numbers of one document."""
    from tracer.verify.results import UNPARSED, format_value

    n = len(wrong)
    out = [f"{report.file}: {n} number{'s' if n != 1 else ''} wrong"]
    for r in wrong:
        out.append(f"  line {r.line}: {r.expression}")
        if r.verdict == UNPARSED:
            out.append(f"    cannot be parsed: {r.note}")
            continue
        out.append(f"    - printed     {r.printed}")
        if r.recomputed is not None:
            out.append(f"    + recomputed  {format_value(r.recomputed, r.printed)}")
        if r.note:
            out.append(f"      ({r.verdict}: {r.note})")
    return "\n".join(out)


def assert_document(path: str | os.PathLike, config: str | os.PathLike | None = None, *, allow_unparsed: bool = True) -> "Report":
    """Check a document's numbers (and, with ``config``, its named values); return the report.

    Raises AssertionError when a step disagrees, or, with
    ``allow_unparsed=False``, when a step cannot be parsed.
    """
    from tracer.verify.pipeline import verify_file
    from tracer.verify.results import FAILING, UNPARSED

    report = verify_file(path, None if config is None else str(config))
    wrong = [r for r in report.results if r.verdict in FAILING or (not allow_unparsed and r.verdict == UNPARSED)]
    if wrong:
        raise AssertionError(describe(report, wrong))
    return report


# --------------------------------------------------------------------------
# the pytest plugin

try:
    import pytest
except ImportError:  # assert_document works without pytest; the plugin needs it
    pytest = None  # type: ignore[assignment]


if pytest is not None:

    def pytest_addoption(parser):
        group = parser.getgroup("mlptrace", "checking the numbers of documents")
        group.addoption("--verify-docs", action="store_true", default=False,
                        help="collect Markdown and LaTeX files and check their numbers with mlptrace verify")
        group.addoption("--verify-config", metavar="CONFIG", default=None,
                        help="also compare the documents' named numbers with the trace of CONFIG")

    def pytest_collect_file(file_path: Path, parent):
        if parent.config.getoption("verify_docs") and file_path.suffix.lower() in DOC_SUFFIXES:
            return DocumentFile.from_parent(parent, path=file_path)
        return None

    class DocumentFile(pytest.File):
        def collect(self):
            yield DocumentItem.from_parent(self, name="numbers")

    class DocumentItem(pytest.Item):
        def runtest(self) -> None:
            report = assert_document(self.path, self.config.getoption("verify_config"))
            if report.checked == 0:
                # a document with nothing checked has not passed: it says so, as "no tests collected" does
                pytest.skip(f"nothing to check: no step, table or named value of {self.path.name} could be checked")

        def repr_failure(self, excinfo, style=None):
            if isinstance(excinfo.value, AssertionError):
                return str(excinfo.value)
            return super().repr_failure(excinfo)

        def reportinfo(self):
            return self.path, None, f"numbers of {self.path.name}"
