"""``mlptrace report``: the document's worked example for any config, as Markdown, LaTeX, PDF or HTML.

One recording, one :class:`tracer.explain.pieces.Explanation`, one renderer per
format: Jinja templates, one set for every format: the section partials in
``templates/sections/`` (``<key>.j2``) are shared, and each format brings
only its macros (``templates/<format>/macros.<ext>.j2``: how a heading, a
paragraph, an equation, a table, a figure, a file name ... are written)
and its page (``report.<ext>.j2``, the entry).  ``StrictUndefined`` so a
missing value is an error and never a blank; Jinja's default delimiters
everywhere (the LaTeX macros keep TeX's braces off them).  ``--template DIR``
renders templates of your own (falling back to the built-in ones) in
Jinja's sandbox (:mod:`tracer.render.sandbox`), on plain frozen data
(:mod:`tracer.render.context`); user text is escaped by the format's one
escaper (:mod:`tracer.render.escape`).

Figures (``tracer.render.figures``): a Markdown report written to a file gets
``<stem>-network.svg``, ``<stem>-loss.svg`` and ``<stem>-gd.svg`` beside it
and links them; a LaTeX file gets the PDF twins (``<stem>-network.pdf`` ...)
and ``\\includegraphics`` them; ``--format pdf`` draws them in pdflatex's
temporary folder only, so the PDF stands alone.  A report on standard output
(or to something that is not a regular file, like /dev/null) has no figure
files and no links.  HTML is one self-contained file: math as MathML (the
explanation's from the MathML printer, ``tracer.render.printers.mathml``; the
templates' own ``$...$`` read by ``tracer.render.mathml``), figures inline as
SVG, no scripts, fonts or styles fetched.  ``--no-figures`` leaves the pictures out of every format.

Python API::

    from tracer.render import report, render
    expl = report()                       # the embedded example (a notebook shows it)
    text = render(expl, "md")             # or "tex", or "html" (figures inline)
    pdf = to_pdf(render(expl, "tex"))     # bytes, via pdflatex
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
from markupsafe import Markup

from tracer.errors import InputError, MlptraceError
from tracer.config.resources import resource_dir
from tracer.explain.pieces import Explanation
from tracer.render.context import RECORDS, EquationData, FrozenDict, MathData, template_context
from tracer.render.escape import ESCAPERS, basename, code_md, escape_html, escape_md, escape_tex
from tracer.render.mathml import to_mathml
from tracer.render.printers.mathml import math_element
from tracer.render.sandbox import (MEMORY, Budget, BudgetExceeded, FolderLoader, OutsideFolder, Sandbox, generate,
                                   inside, template_error, template_line)

__all__ = ["render", "to_pdf", "draw_figures", "escape_md", "escape_tex", "escape_html", "code_md", "FORMATS",
           "FIGURES", "template_context", "FrozenDict", "RECORDS", "user_env", "figure_paths", "BudgetExceeded",
           "MEMORY", "OutsideFolder", "environment_options", "bytecode_cache", "InlineMath", "SECTIONS"]

# format -> (its templates folder, file extension)
FORMATS = {"md": ("markdown", "md"), "tex": ("latex", "tex"), "html": ("html", "html")}
EXTENSION_FORMATS = {".md": "md", ".markdown": "md", ".tex": "tex", ".pdf": "pdf", ".html": "html", ".htm": "html"}
SECTIONS = "sections"  # the folder of the partials every format shares


# --------------------------------------------------------------------------
# environments
#
# A format's templates are found by bare name along a search path: its own
# folder (macros.<ext>.j2, report.<ext>.j2), then sections/ (<key>.j2).
# The names never collide, so a user's folder can hold either layout -- the
# same subfolders, or every file side by side -- and override any one file.


INLINE_MATH = 2  # the version of InlineMath's rewriting (see bytecode_cache)


class InlineMath(jinja2.ext.Extension):
    """HTML templates write inline math as Markdown does, ``$...$``: it becomes ``{% filter math %}``."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        # a value alone, ${{ x }}$, is filtered as the value (the explanation's math: the MathML printer's)
        source = re.sub(r"(?<!\\)\$\{\{([^{}$\n]+)\}\}\$", r"{{ (\1)|math }}", source)
        return re.sub(r"(?<!\\)\$([^$\n]+)\$", r"{% filter math %}\1{% endfilter %}", source)


def _mathml(value: Any, display: bool = False) -> Markup:
    """The ``math`` and ``display`` filters: the MathML printer's elements for the explanation's math,
    LaTeX read by :mod:`tracer.render.mathml` for what a template writes (``$...$``, a string)."""
    if isinstance(value, EquationData) and value.mathml:
        return Markup(value.mathml)
    if isinstance(value, MathData) and value.mathml:
        return Markup(math_element(value.mathml, value.latex, display))
    return Markup(to_mathml(str(value), display))


def _setup(env: jinja2.Environment, fmt: str) -> jinja2.Environment:
    env.filters["esc"] = ESCAPERS[fmt]
    if fmt == "md":
        env.filters["code"] = code_md
    if fmt == "html":
        env.filters["math"] = _mathml
        env.filters["display"] = lambda tex: _mathml(tex, display=True)
    env.filters["basename"] = basename
    env.tests["math"] = lambda v: isinstance(v, MathData)
    return env


def environment_options(fmt: str) -> dict[str, Any]:
    """The Jinja settings of ``fmt``'s templates (the walk's prose renders the same partials with Markdown's)."""
    opts: dict[str, Any] = dict(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
                                lstrip_blocks=True, keep_trailing_newline=True)
    if fmt == "html":
        opts.update(autoescape=True, extensions=[InlineMath])
    return opts


def bytecode_cache(fmt: str) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's cache folder between runs.

    Compiling the report's templates costs more than rendering them; Jinja
    checks each cached one against its source, so an edited template is
    compiled again.  One folder per format: the shared sections compile
    differently in each (HTML escapes and turns $...$ into MathML), and
    Jinja's cache key is the file, not the environment.  Jinja checks the
    source before InlineMath rewrites it, so each format's folder has one
    per INLINE_MATH: a template compiled by an older rewrite is not reused.
    No cache when the folder cannot be made.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "mlptrace" / "jinja" / fmt / f"inline-math-{INLINE_MATH}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def builtin_folders(fmt: str) -> list[str]:
    """The search path of the shipped templates for ``fmt``: its own folder, then the shared sections."""
    root = resource_dir("templates")
    return [str(root / FORMATS[fmt][0]), str(root / SECTIONS)]


@functools.lru_cache(maxsize=None)
def _builtin_env(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(builtin_folders(fmt)), bytecode_cache=bytecode_cache(fmt),
                             **environment_options(fmt))
    return _setup(env, fmt)


# A section partial of the layout before the shared sections: <key>.md.j2, <key>.tex.j2, <key>.html.j2
# (only the names of built-in sections: a user's own helper partials may be called anything).
_OLD_PARTIAL = re.compile(r"(?!(?:report|macros)\.)(_?[a-z_]+)\.(md|tex|html)\.j2")


_OLD_LATEX = re.compile(r"\(\(\*.*?\*\)\)|\(\(\(.*?\)\)\)")  # nbconvert's delimiters, which LaTeX templates used


def old_layout_hint(name: str) -> str:
    """What to rename an old-layout partial to, or "" when ``name`` is not one."""
    m = _OLD_PARTIAL.fullmatch(name)
    if m is None or not (resource_dir("templates") / SECTIONS / f"{m.group(1)}.j2").is_file():
        return ""
    return (f"section partials are shared by every format now: {name} is {SECTIONS}/{m.group(1)}.j2, "
            "written once with the format's macros (see templates/README.md)")


def user_env(fmt: str, directory: str) -> jinja2.Environment:
    """The sandboxed environment for a user's folder: its files first, then the built-in ones."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError(directory, "", "--template must be a directory of templates")
    sub = d / FORMATS[fmt][0]
    mine = sub if sub.is_dir() else d
    entry = f"report.{FORMATS[fmt][1]}.j2"
    if not (mine / entry).is_file():
        raise InputError(str(mine), "", f"no {entry} (the entry template for --format {fmt})")
    try:
        inside(str(mine / entry), [str(mine)], entry)
    except OutsideFolder as exc:
        raise InputError(directory, entry, str(exc)) from None
    for old in sorted(p.name for p in mine.glob("*.j2")):
        hint = old_layout_hint(old)
        if hint:  # it would be silently ignored: the built-in sections would render instead
            raise InputError(directory, old, hint)
    if fmt == "tex":
        with open(mine / entry, encoding="utf-8", errors="replace") as fh:
            head = fh.read(1 << 16)  # an old page says so in its first lines (its import)
        if _OLD_LATEX.search(head):  # else its ((( ))) would print as text
            raise InputError(directory, entry, "LaTeX templates use Jinja's {{ }}, {% %} and {# #} now, not "
                             "((( ))), ((* *)) and ((= =)) (see templates/README.md)")
    folders = [str(mine)] + ([str(d / SECTIONS)] if (d / SECTIONS).is_dir() else [])
    loader = jinja2.ChoiceLoader([FolderLoader(folders), jinja2.FileSystemLoader(builtin_folders(fmt))])
    return _setup(Sandbox(loader=loader, **environment_options(fmt)), fmt)


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
    env = user_env(fmt, template_dir) if template_dir else _builtin_env(fmt)
    name = f"report.{FORMATS[fmt][1]}.j2"
    context = template_context(expl, standalone,
                               _inline_figures(expl) if figures is None and fmt == "html" else (figures or {}),
                               mathml=fmt == "html")
    try:
        if template_dir:
            with Budget():
                text = generate(env.get_template(name), context)
        else:
            text = env.get_template(name).render(context)
        text = re.sub(r"\n{3,}", "\n\n", text)  # the partials' blank lines, collapsed
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(exc.filename or exc.name or name, f"line {exc.lineno}", exc.message or "syntax error") from None
    except MlptraceError:
        raise
    except Exception as exc:
        # A user's template can fail any way Python can (the sandbox refusing,
        # a missing include, 1/0, a budget exceeded): bad input, on one line.
        if not template_dir:
            raise  # a bug in the shipped templates must not pass as bad input
        raise InputError(template_dir, template_line(exc) or name, _user_error(exc)) from None
    _check_encodable(text, template_dir or "the built-in templates", name)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_encodable(text: str, source: str, name: str) -> None:
    """A report is UTF-8: a lone surrogate (which a template can print) is one line of bad input."""
    m = _SURROGATE.search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        raise InputError(source, name, f"renders U+{ord(m.group()):04X} (a lone surrogate) on line {line} of the "
                         "report, which UTF-8 cannot encode")


def _user_error(exc: Exception) -> str:
    """A user's template error on one line; a missing old-layout partial says what it is called now."""
    hint = old_layout_hint(exc.name) if isinstance(exc, jinja2.TemplateNotFound) and isinstance(exc.name, str) else ""
    return template_error(exc) + (f"; {hint}" if hint else "")


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
    from tracer.render import drawings, figures
    from tracer.explain.descent import descend

    t, k, digits = expl.trace, expl.step, expl.digits
    f = expl.section("gradient_descent").facts
    net = drawings.network(t, step=k, digits=digits, which="both", stack=bool(stack))
    if stack is None and net.width > WIDE_FIGURE:
        net = drawings.network(t, step=k, digits=digits, which="both", stack=True)
    canvases = {
        "network": net,
        "loss": figures.loss(t),
        # the very descent the section tabulates (descend is deterministic)
        "gd": drawings.descent(descend(f["expr"], f["start"], f["lr"], f["steps"]), digits=digits),
    }
    return {name: c.svg() if kind == "svg" else c.pdf() for name, c in canvases.items()}


def _inline_figures(expl: Explanation) -> dict[str, Markup]:
    """HTML's figures: inline SVG, the network side by side for wide screens, stacked for phones.

    Each picture sits in a box that knows its natural width (``--w``): a phone
    shrinks it to at most about half size and scrolls what is left sideways,
    so its small text stays readable.
    """
    from tracer.render import drawings

    figs = draw_figures(expl)
    figs["network_stacked"] = drawings.network_svg(expl.trace, expl.step, expl.digits, "both", stack=True)
    return {k: Markup(f'<div class="fig" style="--w:{_svg_width(v):.0f}px">{v}</div>') for k, v in figs.items()}


def _svg_width(svg: str) -> float:
    return float(re.search(r'<svg [^>]*?width="([\d.]+)"', svg).group(1))


def figure_paths(target: Path, fmt: str) -> dict[str, Path]:
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
