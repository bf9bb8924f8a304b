"""mlptrace verify: re-check the arithmetic of Markdown and LaTeX documents."""

from __future__ import annotations

import json
import sys

from tracer.config import files
from tracer.errors import CheckFailed, InputError
from tracer.verify import Traces, format_report, verify_text
from tracer.verify.results import format_summary
from tracer.verify.names import read_names


def run(args) -> int:
    docs = list(args.docs)
    output_format = getattr(args, "output_format", "text")
    json_path = "-" if output_format == "json" else getattr(args, "json", None)
    if json_path and json_path != "-":
        files.check_not_input([json_path], docs + ([args.config] if args.config else []))
    texts = [(d, files.read_text(d, "document")) for d in docs]  # every input read before anything is written
    names_path = getattr(args, "names", None)
    if names_path and not args.config:
        raise InputError("--names", "", "a names map says which of the config's quantities a symbol is: give --config too")
    names = read_names(names_path) if names_path else None
    traces = Traces(args.config) if args.config else None
    if getattr(args, "which_variant", False):
        return _which_variant(texts, traces, names)
    reports = [verify_text(d, t, traces=traces, names=names) for d, t in texts]
    if json_path:
        payload = json.dumps([r.to_json(rep.file) for rep in reports for r in rep.results], indent=1,
                             allow_nan=False) + "\n"
        if json_path == "-":
            sys.stdout.write(payload)
        else:
            files.atomic_write(json_path, payload)
    from tracer.errors import visible

    if output_format == "github":
        print(visible("\n".join(github_annotation(rep.file, r) for rep in reports for r in rep.failures)
                      + "".join(f"\n{rep.file}: {format_summary(rep).strip()}" for rep in reports), newlines=True).lstrip("\n"))
    elif json_path != "-":
        print(visible("\n\n".join(format_report(rep, getattr(args, "all", False)) for rep in reports), newlines=True))
        if len(reports) > 1:
            print(visible("; ".join(f"{rep.file}: {rep.checked} checked" for rep in reports)))
    bad = sum(len(rep.failures) for rep in reports)
    if bad:
        where = ", ".join(f"{rep.file} ({len(rep.failures)})" for rep in reports if rep.failures)
        from tracer.config.files import count_of

        raise CheckFailed(f"{count_of(bad, 'number')} {'disagrees' if bad == 1 else 'disagree'}: {where}")
    if not any(rep.checked for rep in reports):
        # a green run means every number it lists was checked; a run that checked none is not green
        print(visible(f"mlptrace: verify: nothing to check in {', '.join(rep.file for rep in reports)}"), file=sys.stderr)
        return NOTHING_TO_CHECK
    return 0


NOTHING_TO_CHECK = 5  # as pytest's "no tests collected"


def _which_variant(texts, traces, names) -> int:
    """verify --which-variant: which training rules reproduce each document's named values (0 when one does for each)."""
    from tracer.errors import visible
    from tracer.verify.pipeline import which_variant_text
    from tracer.verify.variants import format_variants

    if traces is None:
        raise InputError("--which-variant", "", "it compares the document's named values with runs of a config: give --config")
    found = [(d, which_variant_text(d, t, traces.cfg, names)) for d, t in texts]
    print(visible("\n\n".join(format_variants(d, *verdicts) for d, verdicts in found), newlines=True))
    found = [(d, verdicts) for d, (verdicts, _) in found]
    if not any(v.compared for _, verdicts in found for v in verdicts):
        print(visible(f"mlptrace: verify: no named value to compare in {', '.join(d for d, _ in found)}"), file=sys.stderr)
        return NOTHING_TO_CHECK
    unexplained = [d for d, verdicts in found if not any(v.reproduces for v in verdicts)]
    if unexplained:
        raise CheckFailed(f"no training variant reproduces the named values of {', '.join(unexplained)}")
    return 0




def _escape(text: str, property_value: bool = False) -> str:
    """GitHub's workflow-command escapes: % and line breaks always, : and , in a property's value."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def github_annotation(file: str, r) -> str:
    """One failing check as GitHub Actions' ::error line, shown on the document's line in a pull request."""
    from tracer.verify import format_value

    said = f"printed {r.printed}" + (f", recomputed {format_value(r.recomputed, r.printed)}" if r.recomputed is not None else "")
    message = f"{r.verdict}: {r.expression}: {said}" + (f" ({r.note})" if r.note else "")
    return f"::error file={_escape(file, True)},line={r.line},title=mlptrace verify::{_escape(message)}"
