"""What a check found: verdicts, Result and Report, their JSON, and the report printed for a person."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["OK", "SLIP", "MISMATCH", "UNPARSED", "FAILING", "Result", "Report", "format_value", "format_report"]


OK, SLIP, MISMATCH, UNPARSED = "ok", "slip", "mismatch", "unparsed"
FAILING = (SLIP, MISMATCH)


@dataclass
class Result:
    """One checked step, table cell or named value."""

    line: int
    expression: str
    printed: str | None
    recomputed: float | list[list[float]] | None  # a matrix step recomputes a matrix
    verdict: str  # ok | slip | mismatch | unparsed
    note: str = ""
    lines: tuple[int, ...] = field(default=(), repr=False)  # every line the check read

    def to_json(self, file: str) -> dict[str, Any]:
        d = asdict(self)
        del d["lines"]
        d["recomputed"] = _finite_or_none(d["recomputed"])
        return {"file": file, **d}


def _finite_or_none(x):
    """A value for strict JSON: a config's diverged run can hold NaN or an infinity, which JSON cannot."""
    if isinstance(x, list):
        return [_finite_or_none(v) for v in x]
    return x if x is None or math.isfinite(x) else None


@dataclass
class Report:
    file: str
    results: list[Result]
    with_config: bool = False

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.verdict in FAILING]

    @property
    def checked(self) -> int:
        """How many steps, cells and named values were checked (not parsed ones are counted, never checked)."""
        return sum(r.verdict != UNPARSED for r in self.results)

    @property
    def evaluated_lines(self) -> set[int]:
        return {n for r in self.results if r.verdict != UNPARSED for n in r.lines}


def format_value(x, printed: str | None) -> str:
    """A recomputed value with two digits more than the printed one."""
    if x is None:
        return ""
    if isinstance(x, list):
        return "[" + "; ".join(", ".join(f"{v:.6g}" for v in row) for row in x) + "]"
    x = x + 0.0  # no "-0.000"
    if x == 0:
        x = 0.0
    if printed and re.fullmatch(r"-?\d+(\.\d+)?", printed):
        return f"{x:.{len(printed.partition('.')[2]) + 2}f}"
    return f"{x:.6g}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_report(report: Report, everything: bool = False) -> str:
    shown = [r for r in report.results if everything or r.verdict in FAILING]
    unparsed = [r for r in report.results if r.verdict == UNPARSED]
    out = [report.file]
    if shown:
        rows = [("line", "expression", "printed", "recomputed", "verdict")]
        for r in shown:
            if r.verdict == UNPARSED:
                continue
            rows.append((str(r.line), _clip(r.expression, 56), r.printed or "", format_value(r.recomputed, r.printed), r.verdict))
        widths = [max(len(row[c]) for row in rows) for c in range(5)]
        for row in rows:
            out.append("  " + "  ".join(
                cell.rjust(w) if c in (0, 2, 3) else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths))
            ).rstrip())
        notes = [r for r in shown if r.verdict in FAILING and r.note]
        if notes:
            out.append("  notes:")
            out.extend(f"    line {r.line}: {r.note}" for r in notes)
    if unparsed:
        out.append(f"  not parsed ({len(unparsed)}, counted, not checked):")
        out.extend(f"    line {r.line}: {_clip(r.expression, 56)}  ({r.note})" for r in unparsed)
    out.append(format_summary(report))
    return "\n".join(out)


def format_summary(report: Report) -> str:
    """The report's last line: how many checks on how many lines, and their verdicts."""
    from tracer.config.files import count_of  # the one plural helper (the pipeline loads files anyway)

    unparsed = report.count(UNPARSED)
    slips, mism = report.count(SLIP), report.count(MISMATCH)
    summary = (f"  {count_of(report.checked, 'check')} on {count_of(len(report.evaluated_lines), 'line')}: "
               f"{report.count(OK)} ok, {count_of(slips, 'slip')}")
    if report.with_config:
        summary += f", {count_of(mism, 'mismatch', 'mismatches')} with the config"
    return summary + f"; {unparsed} not parsed"
