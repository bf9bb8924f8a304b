"""mlptrace report: the worked example for a config, as Markdown, LaTeX, PDF or HTML."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from tracer.errors import InputError, visible
from tracer.render.report import EXTENSION_FORMATS, FIGURES, draw_figures, figure_paths, render, to_pdf, user_env


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output:
        ext = Path(args.output).suffix.lower()
        if ext in EXTENSION_FORMATS:
            return EXTENSION_FORMATS[ext]
    return "md"


def run(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from tracer.cli.common import format_of, output_file, say_saved
    from tracer.config import schema as config_mod
    from tracer.config.files import Outputs, check_not_input, write_target
    from tracer.render.notebook import report

    fmt = _format(args)
    if fmt == "pdf" and not args.output:
        raise InputError("command line", "--format pdf", "a PDF needs a file: add -o FILE.pdf")
    if fmt == "pdf" and not shutil.which("pdflatex"):
        to_pdf("")  # raises the missing-pdflatex error before any work
    cfg = config_mod.load(args.config)
    config_mod.check_explainable(cfg, "report")  # before training: a network too large to explain is refused now
    target = output_file(args.output, cfg.files_read) if args.output else None
    if target is not None:
        format_of(args.output, EXTENSION_FORMATS, "-o", args.format)  # r.docx, or -o r.md --format tex
    if args.template:
        user_env("tex" if fmt == "pdf" else fmt, args.template)  # check the folder before training
    want = not getattr(args, "no_figures", False)
    # Figure files go beside a report file (never beside /dev/null or a pipe).
    paths: dict[str, Path] = {}
    if want and fmt in ("md", "tex") and target is not None and (target.is_file() or not target.exists()):
        paths = figure_paths(target, fmt)
        check_not_input(list(paths.values()), cfg.files_read)
        for path in paths.values():
            write_target(path)  # a folder in a figure's place fails now, not after the first figure is saved
    expl = report(cfg, activation=args.activation, digits=args.digits, full=args.full)
    figs: dict[str, Any] | None = {}
    drawn: dict[str, str | bytes] = {}
    if not want:
        pass
    elif fmt == "html":
        figs = None  # render draws them inline
    elif fmt == "pdf":
        drawn = {f"{k}.pdf": v for k, v in draw_figures(expl, "pdf", stack=True).items()}
        figs = {k: f"{k}.pdf" for k in FIGURES}
    elif paths:
        for k, v in draw_figures(expl, "svg" if fmt == "md" else "pdf", stack=True if fmt == "tex" else None).items():
            drawn[str(paths[k])] = v
        # links relative to the report, which sits beside its figures
        figs = {k: quote(p.name) if fmt == "md" else p.name for k, p in paths.items()}
    text = render(expl, "tex" if fmt == "pdf" else fmt, template_dir=args.template, figures=figs)

    if target is not None:
        # the report and its figures are committed together, or none of them is
        with Outputs() as out:
            if fmt == "pdf":
                out.write(target, to_pdf(text, files=drawn))
            else:
                for path, data in drawn.items():
                    out.write(path, data)
                out.write(target, text)
            out.commit()
        say_saved([target, *(Path(p) for p in drawn if fmt != "pdf")])
    else:
        # A terminal gets what a template wrote with its control characters
        # shown (a --template can hold raw escape codes); a pipe gets the bytes.
        sys.stdout.write(visible(text, newlines=True) if sys.stdout.isatty() else text)
        sys.stdout.flush()
    return 0


