"""mlptrace verify: re-check the arithmetic of Markdown and LaTeX documents."""

from __future__ import annotations

import json
import sys

from tracer.config import files
from tracer.errors import CheckFailed
from tracer.verify import Traces, format_report, verify_text


def run(args) -> int:
    docs = list(args.docs)
    json_path = getattr(args, "json", None)
    if json_path and json_path != "-":
        files.check_not_input([json_path], docs + ([args.config] if args.config else []))
    texts = [(d, files.read_text(d, "document")) for d in docs]  # every input read before anything is written
    traces = Traces(args.config) if args.config else None
    reports = [verify_text(d, t, traces=traces) for d, t in texts]
    if json_path:
        payload = json.dumps([r.to_json(rep.file) for rep in reports for r in rep.results], indent=1,
                             allow_nan=False) + "\n"
        if json_path == "-":
            sys.stdout.write(payload)
        else:
            files.atomic_write(json_path, payload)
    if json_path != "-":
        from tracer.errors import visible

        print(visible("\n\n".join(format_report(rep, getattr(args, "all", False)) for rep in reports), newlines=True))
    bad = sum(len(rep.failures) for rep in reports)
    if bad:
        where = ", ".join(f"{rep.file} ({len(rep.failures)})" for rep in reports if rep.failures)
        from tracer.config.files import count_of

        raise CheckFailed(f"{count_of(bad, 'number')} {'disagrees' if bad == 1 else 'disagree'}: {where}")
    return 0


