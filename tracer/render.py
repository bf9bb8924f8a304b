"""``mlptrace report``: the document's worked example for any config, as Markdown, LaTeX or PDF.

One recording, one :class:`tracer.symbolic.Explanation`, one renderer per
format: Jinja templates from ``templates/<format>/`` (one partial per
section, ``report.<ext>.j2`` the entry), ``StrictUndefined`` so a missing
value is an error and never a blank.  LaTeX templates use nbconvert's
delimiters -- ``((( var )))``, ``((* block *))``, ``((= comment =))`` --
so that TeX's braces never clash with Jinja's.  ``--template DIR`` renders
templates of your own (falling back to the built-in partials) in Jinja's
sandbox.

Python API::

    from tracer.render import report, render
    expl = report()                       # the embedded example (a notebook shows it)
    text = render(expl, "md")             # or "tex"
    pdf = to_pdf(render(expl, "tex"))     # bytes, via pdflatex
"""

from __future__ import annotations

import argparse
import functools
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .errors import InputError
from .resources import resource_dir
from .symbolic import Explanation, Math

__all__ = ["main", "report", "render", "to_pdf", "escape_md", "escape_tex", "FORMATS"]

# format -> (templates folder, file extension)
FORMATS = {"md": ("markdown", "md"), "tex": ("latex", "tex")}
_EXT_FORMAT = {".md": "md", ".markdown": "md", ".tex": "tex", ".pdf": "pdf", ".html": "html", ".htm": "html"}


# --------------------------------------------------------------------------
# escaping user text (labels, file names) per format


_MD_SPECIAL = set("\\`*_[]<>&|~$#")


def escape_md(text: Any) -> str:
    """Backslash the characters Markdown (or its $ math) could read as syntax inside a line."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))


_TEX = {
    "&": r"\&", "%": r"\%", "$": r"\ensuremath{\$}", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    # accents and math-font glyphs: the text-companion symbols (even \$'s
    # \textdollar) would need bitmap fonts built on the fly
    "~": r"\~{}", "^": r"\^{}", "\\": r"\textbackslash{}",
    # not special, but the default OT1 font prints them as other glyphs
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def escape_tex(text: Any) -> str:
    """Text safe in LaTeX: the ten special characters (and < > |) spelled out."""
    return "".join(_TEX.get(c, c) for c in str(text))


# --------------------------------------------------------------------------
# environments


def _basename(path: Any) -> str:
    return Path(str(path)).name if path else ""


def _setup(env: jinja2.Environment, fmt: str) -> jinja2.Environment:
    env.filters["esc"] = escape_md if fmt == "md" else escape_tex
    env.filters["basename"] = _basename
    env.tests["math"] = lambda v: isinstance(v, Math)
    return env


def _options(fmt: str) -> dict[str, Any]:
    opts: dict[str, Any] = dict(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
                                lstrip_blocks=True, keep_trailing_newline=True)
    if fmt == "tex":
        opts.update(block_start_string="((*", block_end_string="*))", variable_start_string="(((",
                    variable_end_string=")))", comment_start_string="((=", comment_end_string="=))")
    return opts


@functools.lru_cache(maxsize=None)
def _builtin_env(fmt: str) -> jinja2.Environment:
    folder = resource_dir("templates") / FORMATS[fmt][0]
    return _setup(jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), **_options(fmt)), fmt)


def _user_env(fmt: str, directory: str) -> jinja2.Environment:
    d = Path(directory)
    if not d.is_dir():
        raise InputError(directory, "", "--template must be a directory of templates")
    sub = d / FORMATS[fmt][0]
    mine = sub if sub.is_dir() else d
    if not (mine / f"report.{FORMATS[fmt][1]}.j2").is_file():
        raise InputError(str(mine), "", f"no report.{FORMATS[fmt][1]}.j2 (the entry template for --format {fmt})")
    builtin = resource_dir("templates") / FORMATS[fmt][0]
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(mine)), jinja2.FileSystemLoader(str(builtin))])
    return _setup(SandboxedEnvironment(loader=loader, **_options(fmt)), fmt)


# --------------------------------------------------------------------------
# rendering


def render(expl: Explanation, fmt: str = "md", template_dir: str | None = None, standalone: bool = True) -> str:
    """The report of ``expl`` as Markdown (``md``) or LaTeX (``tex``).

    ``standalone=False`` leaves out the LaTeX preamble (a body to ``\\input``).
    Template errors in ``template_dir`` become InputError naming the file and line.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    env = _user_env(fmt, template_dir) if template_dir else _builtin_env(fmt)
    name = f"report.{FORMATS[fmt][1]}.j2"
    context = {
        "r": expl, "sections": expl.sections, "facts": expl.facts, "digits": expl.digits,
        "standalone": standalone,
    }
    try:
        text = env.get_template(name).render(context)
        return re.sub(r"\n{3,}", "\n\n", text)  # the partials' blank lines, collapsed
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(exc.filename or exc.name or name, f"line {exc.lineno}", exc.message or "syntax error") from None
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        if not template_dir:
            raise  # a bug in the shipped templates must not pass as bad input
        raise InputError(template_dir, _template_line(exc), str(exc)) from None


def _template_line(exc: BaseException) -> str:
    """``file line N`` of the innermost template frame of a rendering error.

    Jinja rewrites tracebacks so that template code appears as frames of
    the template file at its own line numbers.
    """
    tb, where = exc.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            where = f"{_basename(name)} line {tb.tb_lineno}"
        tb = tb.tb_next
    return where


def report(config: Any = None, activation: str | None = None, step: int = 0, digits: int = 4,
           full: bool = False) -> Explanation:
    """Train ``config`` (a path, a Config, or None for the document's example) and explain one step.

    In a notebook the returned object displays itself as the Markdown report.
    """
    from . import config as config_mod
    from .run import record
    from .symbolic import explain

    cfg = config if isinstance(config, config_mod.Config) else config_mod.load(config)
    cfg = cfg.with_activation(activation)
    # Every step of the first epoch (what --step can pick), then the epochs' losses.
    trace, _ = record(cfg, f"first:{max(len(cfg.raw), step + 1)}")
    if step >= trace.n_steps:
        raise InputError("command line", "--step", f"there are only {trace.n_steps} steps in the first epoch")
    return explain(trace, step=step, digits=digits, full=full, config=cfg)


# --------------------------------------------------------------------------
# PDF


PDFLATEX_ARGS = ["-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"]


def to_pdf(tex: str, timeout: float = 120.0) -> bytes:
    """Compile ``tex`` with pdflatex in a temporary directory and return the PDF's bytes."""
    exe = shutil.which("pdflatex")
    if not exe:
        raise InputError("--format pdf", "", "pdflatex was not found; install TeX Live "
                         "(Debian: texlive-latex-base texlive-latex-recommended) or use --format tex")
    with tempfile.TemporaryDirectory(prefix="mlptrace-") as tmp:
        src = Path(tmp) / "report.tex"
        src.write_text(tex, encoding="utf-8")
        try:
            run = subprocess.run([exe, *PDFLATEX_ARGS, src.name], cwd=tmp, capture_output=True,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise InputError("pdflatex", "", f"did not finish within {timeout:g} seconds") from None
        pdf = Path(tmp) / "report.pdf"
        if run.returncode != 0 or not pdf.is_file():
            raise InputError("pdflatex", "report.tex", _latex_error(run.stdout.decode("utf-8", "replace")))
        return pdf.read_bytes()


def _latex_error(log: str) -> str:
    """The first ``! ...`` error of a pdflatex log, with its line number."""
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("!"):
            at = next((ln.split(" ", 1)[0] for ln in lines[n + 1:n + 8] if ln.startswith("l.")), "")
            return f"{line[1:].strip()} ({at})" if at else line[1:].strip()
    return "failed without an error message (see pdflatex's log)"


# --------------------------------------------------------------------------
# the command


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output:
        ext = Path(args.output).suffix.lower()
        if ext in _EXT_FORMAT:
            return _EXT_FORMAT[ext]
    return "md"


def main(args: argparse.Namespace) -> int:
    from . import config as config_mod
    from .commands import _output_file

    fmt = _format(args)
    if fmt == "html":
        raise InputError("command line", "--format", "html reports are not available yet; use md, tex or pdf")
    if fmt == "pdf" and not args.output:
        raise InputError("command line", "--format pdf", "a PDF needs a file: add -o FILE.pdf")
    if fmt == "pdf" and not shutil.which("pdflatex"):
        to_pdf("")  # raises the missing-pdflatex error before any work
    cfg = config_mod.load(args.config)
    target = _output_file(args.output, cfg.files_read) if args.output else None
    if args.template:
        _user_env("tex" if fmt == "pdf" else fmt, args.template)  # check the folder before training
    expl = report(cfg, activation=args.activation, digits=args.digits, full=args.full)
    text = render(expl, "tex" if fmt == "pdf" else fmt, template_dir=args.template)
    from .files import atomic_write

    if fmt == "pdf":
        atomic_write(target, to_pdf(text))
    elif target is not None:
        atomic_write(target, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0
