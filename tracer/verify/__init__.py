"""Reading documents back: finding their math and tables, an arithmetic parser of its own, the checks, the pytest plugin.

It depends on core and config only, never on explain or render: the verifier
must not share code with what it checks.

Pipeline (``pipeline.verify_text``): blank code and comments, find the math
(``$$ ... $$``, ``\\[ ... \\]``, display environments, ``aligned`` rows split at
``\\\\``, inline ``$ ... $``), cut it into chains of equalities and check every
step whose two sides are numbers; check the tables whose columns say what they
hold; with a config, compare named quantities (s_{h[0]}, \\delta_{h[1]},
w_{o[1]}, the loss table, ...) with the trace of that config.  The rule: a step
``A = B`` is consistent when B, as printed, can equal A -- a printed number
stands for half a unit of its last digit around it, and A's rounded inputs are
carried through A as intervals.

Where things go (a new document layout is a new check in one of these, added to
the list in ``pipeline.verify_text``):

* ``pipeline``     -- verify_text and verify_file: parse, find tables, run every check in turn
* ``document``     -- Document and parse_document: code/comment blanking, math spans, line numbers, which activation the prose names
* ``chains``       -- chains of equalities: cutting a math span into them, checking each step (numbers, matrices, identities)
* ``printed``      -- a printed number's band and the comparison every check uses (compare, slip_note)
* ``tables/find``  -- Table and Cell: pipe tables, LaTeX tabulars, one-cell-per-line tables, captions, a cell's number
* ``tables/descent``       -- gradient-descent tables (x, \\nabla f(x), x_{new}, f(x, y))
* ``tables/normalisation`` -- normalisation tables (arrows, column pairs, value/min/max rows) and min-max lines
* ``tables/nodes``         -- node tables: a = f(s) in every row
* ``names``        -- the document's notation for named quantities (s_{h[0]}, w_{o[1]}^{new}) read into parts
* ``quantities``   -- named quantities, node tables and the loss table against a config's trace (Traces)
* ``results``      -- verdicts, Result, Report, their JSON, format_report and format_value
* ``arith/``       -- the LaTeX arithmetic: tree, numbers, parse, evaluate (intervals), derivative
* ``pytest_plugin`` -- ``pytest --verify-docs`` and assert_document

The names below are loaded when first used: importing ``tracer.verify.X``
(the pytest plugin at every pytest start) does not load the verifier and
the config package (numpy) behind it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracer.verify.document import Document, parse_document
    from tracer.verify.pipeline import verify_file, verify_text
    from tracer.verify.pytest_plugin import assert_document
    from tracer.verify.quantities import Traces
    from tracer.verify.results import (FAILING, MISMATCH, OK, SLIP, UNPARSED, Report, Result, format_report,
                                       format_value)

_HOMES = {
    "verify_text": "pipeline", "verify_file": "pipeline",
    "parse_document": "document", "Document": "document",
    "Traces": "quantities",
    "Result": "results", "Report": "results", "format_report": "results", "format_value": "results",
    "OK": "results", "SLIP": "results", "MISMATCH": "results", "UNPARSED": "results", "FAILING": "results",
    "assert_document": "pytest_plugin",
}

# a literal list, so that linters see the names the TYPE_CHECKING imports export
__all__ = [
    "verify_text", "verify_file", "parse_document", "Document", "Traces",
    "Result", "Report", "format_report", "format_value", "OK", "SLIP", "MISMATCH", "UNPARSED", "FAILING",
    "assert_document",
]
assert set(__all__) == set(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
