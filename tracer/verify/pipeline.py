"""verify_text and verify_file: read the document, find its tables, run every check in turn (the one list a new check joins)."""

from __future__ import annotations

from pathlib import Path

from tracer.config import files
from tracer.verify.chains import check_chains
from tracer.verify.document import parse_document
from tracer.verify.names import Named, read_names
from tracer.verify.printed import Precision
from tracer.verify.quantities import Traces, check_config
from tracer.verify.results import Report
from tracer.verify.tables.descent import check_gd_table
from tracer.verify.tables.find import find_tables
from tracer.verify.tables.nodes import check_node_tables
from tracer.verify.tables.normalisation import check_minmax_lines, check_normalisation

__all__ = ["verify_text", "verify_file", "which_variant_text"]


def verify_text(path: str, text: str, config: str | None = None, traces: Traces | None = None,
                names: dict[str, Named] | None = None) -> Report:
    """Check one document's text; with a config (or its traces), its named values too, ``names`` mapping the document's symbols."""
    doc = parse_document(path, text)
    tables = find_tables(doc)
    # how the document prints numbers: its math and its tables (never a layout option's 0.55)
    doc.precision = Precision(
        "\n".join([t.text for c in doc.chains for t in c.terms] + [c for t in tables for c, _ in t.cells]))
    results = check_chains(doc.chains, doc.precision)
    for t in tables:
        results.extend(check_gd_table(doc, t))
    results.extend(check_normalisation(doc, tables))
    results.extend(check_minmax_lines(doc))
    results.extend(check_node_tables(doc, tables))
    if config is not None or traces is not None:
        results.extend(check_config(doc, traces or Traces(config), tables, names))
    results.sort(key=lambda r: r.line)
    return Report(path, results, config is not None or traces is not None)


def verify_file(path: str | Path, config: str | None = None, names: str | Path | None = None) -> Report:
    """Check one document (and, with ``config``, its named numbers against that config; ``names``: a names map file)."""
    return verify_text(str(path), files.read_text(path, "document"), config,
                       names=None if names is None else read_names(str(names)))



def which_variant_text(path: str, text: str, cfg, names: dict[str, Named] | None = None):
    """Every training variant the config's network allows, and whether each reproduces the document's named values."""
    from tracer.verify.variants import which_variant

    doc = parse_document(path, text)
    return which_variant(doc, find_tables(doc), cfg, names)
