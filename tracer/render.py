"""``mlptrace report``: the document's worked example for any config, as Markdown, LaTeX, PDF or HTML.

One recording, one :class:`tracer.symbolic.Explanation`, one renderer per
format: Jinja templates from ``templates/<format>/`` (one partial per
section, ``report.<ext>.j2`` the entry), ``StrictUndefined`` so a missing
value is an error and never a blank.  LaTeX templates use nbconvert's
delimiters -- ``((( var )))``, ``((* block *))``, ``((= comment =))`` --
so that TeX's braces never clash with Jinja's.  ``--template DIR`` renders
templates of your own (falling back to the built-in partials) in Jinja's
sandbox.

Figures (``tracer.figures``): a Markdown report written to a file gets
``<stem>-network.svg``, ``<stem>-loss.svg`` and ``<stem>-gd.svg`` beside it
and links them; a LaTeX file gets the PDF twins (``<stem>-network.pdf`` ...)
and ``\\includegraphics`` them; ``--format pdf`` draws them in pdflatex's
temporary folder only, so the PDF stands alone.  A report on standard output
(or to something that is not a regular file, like /dev/null) has no figure
files and no links.  HTML is one self-contained file: math as MathML
(``tracer.mathml``), figures inline as SVG, no scripts, fonts or styles
fetched.  ``--no-figures`` leaves the pictures out of every format.

Python API::

    from tracer.render import report, render
    expl = report()                       # the embedded example (a notebook shows it)
    text = render(expl, "md")             # or "tex", or "html" (figures inline)
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
import jinja2.ext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from .errors import InputError, MlptraceError
from .resources import resource_dir
from .mathml import MathMLError, to_mathml
from .symbolic import Explanation, Math, Section, Table

__all__ = ["main", "report", "render", "to_pdf", "draw_figures", "escape_md", "escape_tex", "FORMATS", "FIGURES"]

# format -> (templates folder, file extension)
FORMATS = {"md": ("markdown", "md"), "tex": ("latex", "tex"), "html": ("html", "html")}
_EXT_FORMAT = {".md": "md", ".markdown": "md", ".tex": "tex", ".pdf": "pdf", ".html": "html", ".htm": "html"}


# --------------------------------------------------------------------------
# escaping user text (labels, file names) per format


_MD_SPECIAL = set("\\`*_[]<>&|~$#")


def escape_md(text: Any) -> str:
    """Backslash the characters Markdown (or its $ math) could read as syntax inside a line."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))


def code_md(text: Any) -> str:
    """``text`` as a Markdown code span (a file name).

    Backslashes are literal inside a code span, so escaping cannot work
    there; the fence is one backtick longer than any run inside instead, and
    padded with a space (which Markdown strips) when the text starts or ends
    with a backtick.
    """
    s = str(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


_TEX = {
    "&": r"\&", "%": r"\%", "$": r"\ensuremath{\$}", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    # accents and math-font glyphs: the text-companion symbols (even \$'s
    # \textdollar) would need bitmap fonts built on the fly
    "~": r"\~{}", "^": r"\^{}", "\\": r"\textbackslash{}",
    # not special, but the default OT1 font prints them as other glyphs
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    # a backtick is a left quote (and `` a double one); the grave accent is its glyph
    "`": r"\`{}",
}


def escape_tex(text: Any) -> str:
    """Text safe in LaTeX: the ten special characters (and < > |) spelled out."""
    return "".join(_TEX.get(c, c) for c in str(text))


# --------------------------------------------------------------------------
# environments


def _basename(path: Any) -> str:
    return Path(str(path)).name if path else ""


class _InlineMath(jinja2.ext.Extension):
    """HTML templates write inline math as Markdown does, ``$...$``: it becomes ``{% filter math %}``."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return re.sub(r"(?<!\\)\$([^$\n]+)\$", r"{% filter math %}\1{% endfilter %}", source)


def _mathml(tex: Any, display: bool = False) -> Markup:
    return Markup(to_mathml(str(tex), display))


def _setup(env: jinja2.Environment, fmt: str) -> jinja2.Environment:
    env.filters["esc"] = {"md": escape_md, "tex": escape_tex, "html": escape}[fmt]
    if fmt == "md":
        env.filters["code"] = code_md
    if fmt == "html":
        env.filters["math"] = _mathml
        env.filters["display"] = lambda tex: _mathml(tex, display=True)
    env.filters["basename"] = _basename
    env.tests["math"] = lambda v: isinstance(v, Math)
    return env


def _options(fmt: str) -> dict[str, Any]:
    opts: dict[str, Any] = dict(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
                                lstrip_blocks=True, keep_trailing_newline=True)
    if fmt == "html":
        opts.update(autoescape=True, extensions=[_InlineMath])
    if fmt == "tex":
        opts.update(block_start_string="((*", block_end_string="*))", variable_start_string="(((",
                    variable_end_string=")))", comment_start_string="((=", comment_end_string="=))")
    return opts


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's cache folder between runs.

    Compiling the report's templates costs more than rendering them; Jinja
    checks each cached one against its source, so an edited template is
    compiled again.  No cache when the folder cannot be made.
    """
    import os

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "mlptrace" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


@functools.lru_cache(maxsize=None)
def _builtin_env(fmt: str) -> jinja2.Environment:
    folder = resource_dir("templates") / FORMATS[fmt][0]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=_bytecode_cache(),
                             **_options(fmt))
    return _setup(env, fmt)


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


def render(expl: Explanation, fmt: str = "md", template_dir: str | None = None, standalone: bool = True,
           figures: dict[str, Any] | None = None) -> str:
    """The report of ``expl`` as Markdown (``md``), LaTeX (``tex``) or HTML (``html``).

    ``standalone=False`` leaves out the LaTeX preamble (a body to ``\\input``)
    or the HTML page around the report.  ``figures`` maps ``network``,
    ``loss`` and ``gd`` to what the templates put in: a relative link for
    Markdown and LaTeX (the caller writes the files, see ``draw_figures``),
    the SVG itself for HTML.  By default HTML draws its figures inline and
    Markdown and LaTeX have none.
    Template errors in ``template_dir`` become InputError naming the file and line.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    env = _user_env(fmt, template_dir) if template_dir else _builtin_env(fmt)
    name = f"report.{FORMATS[fmt][1]}.j2"
    context = {
        "r": expl, "sections": expl.sections, "facts": expl.facts, "digits": expl.digits,
        "standalone": standalone,
        "figs": _inline_figures(expl) if figures is None and fmt == "html" else (figures or {}),
    }
    try:
        text = env.get_template(name).render(context)
        return re.sub(r"\n{3,}", "\n\n", text)  # the partials' blank lines, collapsed
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(exc.filename or exc.name or name, f"line {exc.lineno}", exc.message or "syntax error") from None
    except MlptraceError:
        raise
    except Exception as exc:
        # A user's template can fail any way Python can (the sandbox refusing,
        # a missing include, 1/0): bad input, on one line.
        if not template_dir:
            raise  # a bug in the shipped templates must not pass as bad input
        raise InputError(template_dir, _template_line(exc), _template_error(exc)) from None


def _template_error(exc: Exception) -> str:
    """What went wrong in a user's template, on one line."""
    if isinstance(exc, jinja2.TemplateNotFound):
        what = f"template {exc.name!r} not found (looked for in the folder, then the built-in templates)"
    elif isinstance(exc, (jinja2.TemplateError, MathMLError)):
        what = str(exc)
    else:
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(what.split())


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
    expl = explain(trace, step=step, digits=digits, full=full, config=cfg)
    expl.sections.append(check_section(trace, step))
    return expl


CHECK_ROWS = 24  # more parameters than this: one row per layer, naming its worst
CHECK_DIGITS = 6  # significant digits of the appendix's gradients: enough to see them agree


def _sci(v: float, digits: int, fixed: bool = False) -> Math:
    """``v`` to ``digits`` significant digits, a power of ten written as such (1.2 \\times 10^{-15}).

    ``fixed``: always in scientific notation, trailing zeros kept (1.0 \\times 10^{-12}).
    """
    if v != v:
        return Math("", "")  # NaN: not compared (see the notes)
    if v == 0:
        return Math("0", "0")
    text = f"{v:.{digits - 1}e}" if fixed else f"{v:.{digits}g}"
    mant, _, exp = text.partition("e")
    if not exp:
        return Math(text, text)
    power = f"10^{{{int(exp)}}}"
    return Math(power if mant == "1" else f"{mant} \\times {power}", text)


def check_section(trace: Any, step: int = 0) -> Section:
    """The appendix: every gradient of the explained step checked two more ways (``mlptrace check``)."""
    from .check import gradient_check

    # sympy's derivatives of the loss and of each activation, chained layer by
    # layer: differentiating the whole loss (what mlptrace check does) would
    # double the time of every report.
    result = gradient_check(trace, steps=step + 1, symbolic="layered")
    rows = [r for r in result.rows if r.step == step]
    ok = all(r.ok for r in rows)

    def num(v: float) -> Math:
        return _sci(v, CHECK_DIGITS)

    def err(v: float) -> Math:
        return _sci(v, 2, fixed=True)

    if len(rows) <= CHECK_ROWS:
        # a verdict per row only when some differ (the prose says when all agree): one column less to fit a page
        table = Table("check", "Every gradient of this step, three ways",
                      ["parameter", "backpropagation", "finite difference", "sympy", "relative error",
                       *([] if ok else ["verdict"])],
                      [[Math(r.latex, r.name), num(r.engine), num(r.fd), num(r.sympy), err(r.error),
                        *([] if ok else ["ok" if r.ok else "DIFFERS"])] for r in rows])
    else:
        # the parameter's name says its layer (w_{h_{2}[2][10]}): no column for the layer
        layers = [x for x in result.per_layer() if x.step == step]
        table = Table("check", "The gradient with the largest relative error in each layer",
                      ["parameter", "backpropagation", "finite difference", "sympy", "relative error"],
                      [[Math(x.worst.latex, x.worst.name), num(x.worst.engine),
                        num(x.worst.fd), num(x.worst.sympy), err(x.worst.error)] for x in layers])
    facts = {"ok": ok, "count": len(rows), "per_layer": len(rows) > CHECK_ROWS, "rtol": _sci(result.rtol, 2).latex, "symbolic": result.symbolic,
             "floor": _sci(rows[0].floor, 2).latex if rows else "", "notes": list(result.notes),
             "worst": max(rows, key=lambda r: r.error).name if rows else ""}
    return Section("gradient_check", "gradient-check", "A", "Checking every gradient", tables=[table], facts=facts)


# --------------------------------------------------------------------------
# figures


FIGURES = ("network", "loss", "gd")


WIDE_FIGURE = 1100  # px: a side-by-side network wider than this is stacked, or it would be too small to read


def draw_figures(expl: Explanation, kind: str = "svg", stack: bool | None = None) -> dict[str, str | bytes]:
    """The report's pictures as SVG text (``kind="svg"``) or PDF bytes (``"pdf"``).

    ``network``: the explained step's weights before and after its update,
    side by side or (``stack``) one above the other -- by default whichever
    keeps it at most WIDE_FIGURE wide; ``loss``: the loss per epoch, the
    iterations of the loss table marked; ``gd``: the gradient-descent section's descent.
    """
    from . import figures
    from .gd import descend

    t, k, digits = expl.trace, expl.step, expl.digits
    f = expl.section("gradient_descent").facts
    net = figures.network(t, step=k, digits=digits, which="both", stack=bool(stack))
    if stack is None and net.width > WIDE_FIGURE:
        net = figures.network(t, step=k, digits=digits, which="both", stack=True)
    canvases = {
        "network": net,
        "loss": figures.loss(t),
        # the very descent the section tabulates (descend is deterministic)
        "gd": figures.descent(descend(f["expr"], f["start"], f["lr"], f["steps"]), digits=digits),
    }
    return {name: c.svg() if kind == "svg" else c.pdf() for name, c in canvases.items()}


def _inline_figures(expl: Explanation) -> dict[str, Markup]:
    """HTML's figures: inline SVG, the network side by side for wide screens, stacked for phones.

    Each picture sits in a box that knows its natural width (``--w``): a phone
    shrinks it to at most about half size and scrolls what is left sideways,
    so its small text stays readable.
    """
    from . import figures

    figs = draw_figures(expl)
    figs["network_stacked"] = figures.network_svg(expl.trace, expl.step, expl.digits, "both", stack=True)
    return {k: Markup(f'<div class="fig" style="--w:{_svg_width(v):.0f}px">{v}</div>') for k, v in figs.items()}


def _svg_width(svg: str) -> float:
    return float(re.search(r'<svg [^>]*?width="([\d.]+)"', svg).group(1))


def _figure_paths(target: Path, fmt: str) -> dict[str, Path]:
    """Where a report written to ``target`` puts its pictures: beside it, named after it.

    LaTeX's \\includegraphics gets a name of letters, digits and dashes only
    (a ``%``, ``#`` or space in a file name would need TeX quoting).
    """
    ext = "svg" if fmt == "md" else "pdf"
    stem = target.stem if fmt == "md" else re.sub(r"[^A-Za-z0-9-]+", "-", target.stem) or "report"
    return {name: target.with_name(f"{stem}-{name}.{ext}") for name in FIGURES}


# --------------------------------------------------------------------------
# PDF


PDFLATEX_ARGS = ["-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"]


def to_pdf(tex: str, timeout: float = 120.0, files: dict[str, bytes] | None = None) -> bytes:
    """Compile ``tex`` with pdflatex in a temporary directory and return the PDF's bytes.

    ``files`` (name -> bytes) are written beside it first: the figures it includes.
    """
    exe = shutil.which("pdflatex")
    if not exe:
        raise InputError("--format pdf", "", "pdflatex was not found; install TeX Live "
                         "(Debian: texlive-latex-base texlive-latex-recommended) or use --format tex")
    with tempfile.TemporaryDirectory(prefix="mlptrace-") as tmp:
        src = Path(tmp) / "report.tex"
        src.write_text(tex, encoding="utf-8")
        for name, data in (files or {}).items():
            (Path(tmp) / name).write_bytes(data)
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
    from urllib.parse import quote

    from . import config as config_mod
    from .commands import _output_file
    from .files import atomic_write, check_not_input, write_target

    fmt = _format(args)
    if fmt == "pdf" and not args.output:
        raise InputError("command line", "--format pdf", "a PDF needs a file: add -o FILE.pdf")
    if fmt == "pdf" and not shutil.which("pdflatex"):
        to_pdf("")  # raises the missing-pdflatex error before any work
    cfg = config_mod.load(args.config)
    target = _output_file(args.output, cfg.files_read) if args.output else None
    if args.template:
        _user_env("tex" if fmt == "pdf" else fmt, args.template)  # check the folder before training
    want = not getattr(args, "no_figures", False)
    # Figure files go beside a report file (never beside /dev/null or a pipe).
    paths: dict[str, Path] = {}
    if want and fmt in ("md", "tex") and target is not None and (target.is_file() or not target.exists()):
        paths = _figure_paths(target, fmt)
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

    if fmt == "pdf":
        atomic_write(target, to_pdf(text, files=drawn))
    elif target is not None:
        for path, data in drawn.items():  # the figures first: the report never links to a missing file
            atomic_write(path, data)
        atomic_write(target, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0
