"""``mlptrace report``: the document's worked example for any config, as Markdown, LaTeX, PDF or HTML.

One recording, one :class:`tracer.explain.pieces.Explanation`, one renderer per
format: Jinja templates from ``templates/<format>/`` (one partial per
section, ``report.<ext>.j2`` the entry), ``StrictUndefined`` so a missing
value is an error and never a blank.  LaTeX templates use nbconvert's
delimiters -- ``((( var )))``, ``((* block *))``, ``((= comment =))`` --
so that TeX's braces never clash with Jinja's.  ``--template DIR`` renders
templates of your own (falling back to the built-in partials) in Jinja's
sandbox.

Figures (``tracer.render.figures``): a Markdown report written to a file gets
``<stem>-network.svg``, ``<stem>-loss.svg`` and ``<stem>-gd.svg`` beside it
and links them; a LaTeX file gets the PDF twins (``<stem>-network.pdf`` ...)
and ``\\includegraphics`` them; ``--format pdf`` draws them in pdflatex's
temporary folder only, so the PDF stands alone.  A report on standard output
(or to something that is not a regular file, like /dev/null) has no figure
files and no links.  HTML is one self-contained file: math as MathML
(``tracer.render.mathml``), figures inline as SVG, no scripts, fonts or styles
fetched.  ``--no-figures`` leaves the pictures out of every format.

Python API::

    from tracer.render import report, render
    expl = report()                       # the embedded example (a notebook shows it)
    text = render(expl, "md")             # or "tex", or "html" (figures inline)
    pdf = to_pdf(render(expl, "tex"))     # bytes, via pdflatex
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import types
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
from jinja2.sandbox import SandboxedEnvironment
import numpy as np
from markupsafe import Markup, escape

from tracer.errors import InputError, MlptraceError, visible
from tracer.config.resources import resource_dir
from tracer.render.mathml import MathMLError, to_mathml
from tracer.explain.pieces import Equation, Explanation, Line, Math, Section, Table

__all__ = ["render", "to_pdf", "draw_figures", "escape_md", "escape_tex", "FORMATS", "FIGURES"]

# format -> (templates folder, file extension)
FORMATS = {"md": ("markdown", "md"), "tex": ("latex", "tex"), "html": ("html", "html")}
EXTENSION_FORMATS = {".md": "md", ".markdown": "md", ".tex": "tex", ".pdf": "pdf", ".html": "html", ".htm": "html"}


# --------------------------------------------------------------------------
# escaping user text (labels, file names) per format


# Every escaper below first spells out what must never reach a document raw,
# with the filter the terminal uses (tracer.errors.visible): control
# characters (a newline would end a table row or a code span, a blank line
# the paragraph), line separators, bidi overrides, lone surrogates.


_MD_SPECIAL = set("\\`*_[]<>&|~$#")


def escape_md(text: Any) -> str:
    """Backslash the characters Markdown (or its $ math) could read as syntax inside a line."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in visible(str(text)))


def escape_html(text: Any) -> Markup:
    """HTML entities for ``& < > " '``, control characters spelled out (see :func:`tracer.errors.visible`)."""
    return escape(visible(str(text)))


def code_md(text: Any) -> str:
    """``text`` as a Markdown code span (a file name).

    Backslashes are literal inside a code span, so escaping cannot work
    there; the fence is one backtick longer than any run inside instead, and
    padded with a space (which Markdown strips) when the text starts or ends
    with a backtick.
    """
    s = visible(str(text))  # a newline, above all a blank line, would end the span
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
    return "".join(_TEX.get(c, c) for c in visible(str(text)))


# --------------------------------------------------------------------------
# what templates see: plain, frozen data
#
# A template gets copies, never the live objects: numpy arrays have methods
# that write files (tofile, dump), lists and dicts methods that change what
# later sections print.  ``template_context`` converts an Explanation once,
# for the built-in templates and a user's alike, into tuples, numbers,
# strings, read-only mappings and the small frozen records below, whose only
# methods compute strings from their own fields.


class FrozenDict(Mapping):
    """A read-only mapping: ``facts`` and every dict inside it, as templates see them."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[Any, Any]):
        object.__setattr__(self, "_items", dict(items))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a FrozenDict cannot be changed")

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)


@dataclass(frozen=True)
class EquationData:
    """An :class:`~tracer.explain.symbolic.Equation`, frozen; ``latex()`` and ``text()`` as the original's."""

    name: str
    lhs: Math | None
    lines: tuple[Line, ...]
    value: float | None

    _first = Equation._first
    symbolic = Equation.symbolic
    substituted = Equation.substituted
    result = Equation.result
    latex = Equation.latex
    text = Equation.text


@dataclass(frozen=True)
class TableData:
    """A :class:`~tracer.explain.symbolic.Table`, frozen: header and rows are tuples."""

    key: str
    caption: str
    header: tuple[Any, ...]
    rows: tuple[tuple[Any, ...], ...]

    aligns = Table.aligns


@dataclass(frozen=True)
class SectionData:
    """A :class:`~tracer.explain.symbolic.Section`, frozen."""

    key: str
    id: str
    number: str
    title: str
    layer: int | None
    general: tuple[EquationData, ...]
    derivation: tuple[EquationData, ...]
    equations: tuple[EquationData, ...]
    matrix: tuple[EquationData, ...]
    tables: tuple[TableData, ...]
    facts: FrozenDict

    appendix = Section.appendix

    def all_equations(self) -> tuple[EquationData, ...]:
        return (*self.general, *self.derivation, *self.equations, *self.matrix)


@dataclass(frozen=True)
class TraceData:
    """What a template may know of the trace: the network and the run, no arrays of steps."""

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    learning_rate: float
    loss_name: str
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    minmax: FrozenDict
    method: str
    n_rows: int
    epochs: int
    n_steps: int
    seed: int | None
    final_loss: float
    stopped: str | None


@dataclass(frozen=True)
class ReportData:
    """An :class:`~tracer.explain.symbolic.Explanation` as templates see it (``r``)."""

    sections: tuple[SectionData, ...]
    trace: TraceData
    step: int
    digits: int
    facts: FrozenDict

    def section(self, key: str, layer: int | None = None) -> SectionData:
        for sec in self.sections:
            if sec.key == key and (layer is None or sec.layer == layer):
                return sec
        raise KeyError(key)


RECORDS = (EquationData, TableData, SectionData, TraceData, ReportData)


def plain(value: Any) -> Any:
    """``value`` as plain, frozen data a template may see; TypeError for anything else."""
    if value is None or type(value) in (bool, int, float, str, Markup):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, Markup):
        return Markup(str(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, Mapping):
        return FrozenDict({plain(k): plain(v) for k, v in value.items()})
    if isinstance(value, Math):
        return Math(str(value.latex), str(value.text))
    if isinstance(value, Line):
        return Line(str(value.kind), str(value.latex), str(value.text), tuple(str(r) for r in value.rows))
    if isinstance(value, Equation):
        return EquationData(str(value.name), plain(value.lhs), plain(value.lines), plain(value.value))
    if isinstance(value, Table):
        return TableData(str(value.key), str(value.caption), plain(value.header), plain(value.rows))
    if isinstance(value, Section):
        return SectionData(str(value.key), str(value.id), str(value.number), str(value.title), plain(value.layer),
                           plain(value.general), plain(value.derivation), plain(value.equations),
                           plain(value.matrix), plain(value.tables), plain(value.facts))
    if isinstance(value, Explanation):
        t = value.trace
        trace = TraceData(plain(t.layers), plain(t.activations), plain(t.learning_rate), plain(t.loss_name),
                          plain(t.input_labels), plain(t.output_labels), plain(t.minmax), plain(t.method),
                          plain(t.n_rows), plain(t.epochs), plain(t.n_steps), plain(t.seed), plain(t.final_loss),
                          plain(t.stopped))
        return ReportData(plain(value.sections), trace, plain(value.step), plain(value.digits), plain(value.facts))
    raise TypeError(f"a {type(value).__name__} is not plain data; templates see only plain data")


def template_context(expl: Explanation, standalone: bool = True, figures: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The names every report template sees, converted once to plain frozen data (see :func:`plain`)."""
    r = plain(expl)
    return {"r": r, "sections": r.sections, "facts": r.facts, "digits": r.digits, "standalone": standalone,
            "figs": plain(dict(figures or {}))}


# --------------------------------------------------------------------------
# the sandbox for a user's templates
#
# The second wall behind the plain context: an attribute or a call is allowed
# only on plain data (and on Jinja's own loop, macro and namespace objects),
# and a template's work is bounded.  None of these numbers is near what a
# real report needs.

MAX_ITEMS = 10_000_000  # characters of one string, items of one list made by one operation
MAX_DIGITS = 10_000  # digits of an integer made by ** or *
MAX_OUTPUT = 64 * 2**20  # characters a template may write (the largest built-in report is far below)
CPU_SECONDS = 60  # CPU time rendering may take
MEMORY = 2 * 2**30  # bytes of address space rendering may add (Linux: RLIMIT_AS)
MAX_LIPSUM = 100  # paragraphs of lipsum(), and 1,000 words at most in each

_PLAIN_TYPES = (type(None), bool, int, float, str, tuple, list, dict, range, FrozenDict, Math, Line, *RECORDS,
                type({}.items()), type({}.keys()), type({}.values()), KeysView, ItemsView, ValuesView)


def _jinja_types() -> tuple[type, ...]:
    from jinja2 import runtime, utils
    from jinja2.environment import TemplateModule

    return (runtime.Macro, runtime.LoopContext, runtime.BlockReference, runtime.TemplateReference,
            runtime.Undefined, utils.Namespace, utils.Cycler, utils.Joiner, TemplateModule)


class BudgetExceeded(Exception):
    """A template asked for more work than rendering allows."""


def _too_big(n: int, what: str) -> None:
    if n > MAX_ITEMS:
        raise BudgetExceeded(f"{what} of {n:,} characters or items; a template may make at most {MAX_ITEMS:,}")


def _int_digits(v: int) -> int:
    return int(v.bit_length() * 0.30103) + 1


_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d*))?")


def _check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse an operator whose result would be huge, before Python builds it."""
    seq = (str, list, tuple)
    if op == "*":
        for a, b in ((left, right), (right, left)):
            if isinstance(a, seq) and isinstance(b, int) and not isinstance(b, bool):
                _too_big(len(a) * max(b, 0), f"'*' would make a {'string' if isinstance(a, str) else 'list'}")
        if type(left) is int and type(right) is int and _int_digits(left) + _int_digits(right) > MAX_DIGITS:
            raise BudgetExceeded(f"'*' would make a number of more than {MAX_DIGITS:,} digits")
    elif op == "+":
        if isinstance(left, seq) and isinstance(right, seq):
            _too_big(len(left) + len(right), "'+' would make a sequence")
    elif op == "**":
        if type(left) is int and type(right) is int and right > 0 and abs(left) > 1:
            digits = right * math.log10(abs(left))
            if digits > MAX_DIGITS:
                raise BudgetExceeded(f"the power {left} ** {right} has about {digits:,.0f} digits; "
                                     f"a template may compute numbers of at most {MAX_DIGITS:,} digits")
    elif op == "%" and isinstance(left, str):
        for m in _PERCENT_WIDTH.finditer(left):
            for n in m.groups():
                if n and len(n) > 7 and int(n) > MAX_ITEMS:
                    _too_big(int(n), "a width in '%' formatting")


def _replaced_size(s: str, old: str, new: str) -> int:
    """The length of ``s.replace(old, new)``, without making it (an empty ``old`` matches between every character)."""
    count = len(s) + 1 if not old else s.count(old)
    return len(s) + count * (len(new) - len(old))


_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}


def _check_call(obj: Any, args: tuple, kwargs: dict) -> None:
    """Refuse a str method whose result would be huge (a width, a replacement repeated everywhere)."""
    owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
    if getattr(obj, "_mlptrace_str_format", False):  # '{:>999999999}'.format(1): a width in the field or an argument
        spec = getattr(getattr(obj, "__wrapped__", None), "__self__", "")
        for field in re.findall(r"\{[^{}]*:([^{}]*)\}", spec if isinstance(spec, str) else ""):
            for n in re.findall(r"\d{8,}", field):
                _too_big(int(n), "a width in str.format")
        if isinstance(spec, str) and re.search(r"\{[^{}]*:[^{}]*\{", spec):  # a width from an argument
            for n in (*args, *kwargs.values()):
                if isinstance(n, int):
                    _too_big(n, "a width in str.format")
        return
    if not isinstance(owner, str):
        return
    if name in _WIDTH_METHODS:
        for n in (*args, *kwargs.values()):
            if isinstance(n, int):
                _too_big(n * (len(owner) if name == "expandtabs" else 1), f"str.{name} would make a string")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _too_big(_replaced_size(owner, args[0], args[1]), "str.replace would make a string")
    elif name == "join" and args and isinstance(args[0], (list, tuple)):
        _too_big(len(owner) * len(args[0]) + sum(len(x) for x in args[0] if isinstance(x, str)), "str.join would make a string")


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, narrowed to plain data and bounded work (see the numbers above)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._jinja = _jinja_types()
        lipsum = self.globals["lipsum"]

        def bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
            if n > MAX_LIPSUM or max > 1000 or min > 1000:
                raise BudgetExceeded(f"lipsum({n}) asks for too much text; at most {MAX_LIPSUM} paragraphs of 1,000 words")
            return lipsum(n, html, min, max)

        self.globals["lipsum"] = bounded_lipsum
        for name in ("center", "indent", "format", "replace", "batch", "join"):
            self.filters[name] = _bounded_filter(name, self.filters[name])

    def _allowed(self, value: Any) -> bool:
        if isinstance(value, _PLAIN_TYPES) or isinstance(value, self._jinja):
            return True
        owner = getattr(value, "__self__", None)  # a bound method: allowed on plain data only
        if owner is not None and (isinstance(value, (types.MethodType, types.BuiltinMethodType))
                                  or type(value).__name__ in ("method-wrapper", "builtin_function_or_method")):
            return isinstance(owner, _PLAIN_TYPES) or isinstance(owner, self._jinja)
        return any(value is g for g in self.globals.values()) or getattr(value, "_mlptrace_str_format", False)

    def wrap_str_format(self, value: Any) -> Any:
        # Jinja's own safe str.format (its formatter checks every field): a call _allowed lets through
        fmt = super().wrap_str_format(value)
        if fmt is not None:
            fmt._mlptrace_str_format = True
        return fmt

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return super().is_safe_attribute(obj, attr, value) and self._allowed(value)

    def is_safe_callable(self, obj: Any) -> bool:
        return super().is_safe_callable(obj) and self._allowed(obj)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_call(__obj, args, kwargs)
        _Budget.check()
        return super().call(__context, __obj, *args, **kwargs)


def _bounded_filter(name: str, f: Any) -> Any:
    """A built-in filter that first refuses an argument that would make a huge string."""

    skip = 1 if hasattr(f, "jinja_pass_arg") else 0  # replace and join get the eval context first

    @functools.wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = list(args[skip:]) + list(kwargs.values())
        value = values[0] if values else ""
        if name == "center":
            for n in values[1:]:
                if isinstance(n, int):
                    _too_big(n, "center would make a string")
        elif name == "indent":
            lines = str(value).count("\n") + 1
            for w in values[1:2]:
                _too_big(lines * (w if isinstance(w, int) else len(str(w))), "indent would make a string")
        elif name == "format":
            _check_binop("%", str(value), None)
        elif name == "replace" and len(values) >= 3:
            _too_big(_replaced_size(str(value), str(values[1]), str(values[2])), "replace would make a string")
        elif name == "batch" and len(values) >= 2 and isinstance(values[1], int):
            _too_big(values[1], "batch would make a list")
        elif name == "join" and len(values) >= 2 and isinstance(value, (list, tuple)):
            _too_big(len(str(values[1])) * len(value), "join would make a string")
        return f(*args, **kwargs)

    return bounded


class _Budget:
    """CPU time, output and memory for one rendering of a user's templates.

    The CPU time is enforced by a profiling timer (SIGPROF) when rendering
    runs in the main thread, else checked between calls and pieces of
    output; memory by RLIMIT_AS where the platform has it.
    """

    deadline: float | None = None

    def __init__(self) -> None:
        self.previous_handler: Any = None
        self.previous_limit: tuple[int, int] | None = None

    @classmethod
    def check(cls) -> None:
        if cls.deadline is not None and time.process_time() > cls.deadline:
            raise BudgetExceeded(f"rendering took more than {CPU_SECONDS} CPU seconds")

    def __enter__(self) -> "_Budget":
        _Budget.deadline = time.process_time() + CPU_SECONDS
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, None):
            def expired(signum: int, frame: Any) -> None:
                raise BudgetExceeded(f"rendering took more than {CPU_SECONDS} CPU seconds")

            self.previous_handler = signal.signal(signal.SIGPROF, expired)
            signal.setitimer(signal.ITIMER_PROF, CPU_SECONDS)
        size = _address_space()
        if size is not None:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            want = size + MEMORY
            if soft == resource.RLIM_INFINITY or soft > want:
                try:
                    resource.setrlimit(resource.RLIMIT_AS, (want, hard))
                    self.previous_limit = (soft, hard)
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.previous_handler is not None:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.previous_handler)
        if self.previous_limit is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, self.previous_limit)
        _Budget.deadline = None


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# --------------------------------------------------------------------------
# environments


def _basename(path: Any) -> str:
    # a file name may hold any character but "/" and NUL: shown visibly, whatever the format
    return visible(Path(str(path)).name) if path else ""


class _InlineMath(jinja2.ext.Extension):
    """HTML templates write inline math as Markdown does, ``$...$``: it becomes ``{% filter math %}``."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return re.sub(r"(?<!\\)\$([^$\n]+)\$", r"{% filter math %}\1{% endfilter %}", source)


def _mathml(tex: Any, display: bool = False) -> Markup:
    return Markup(to_mathml(str(tex), display))


def _setup(env: jinja2.Environment, fmt: str) -> jinja2.Environment:
    env.filters["esc"] = {"md": escape_md, "tex": escape_tex, "html": escape_html}[fmt]
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


class OutsideFolder(jinja2.TemplateError):
    """A user's template that, through a symbolic link, is a file outside the template folder."""


class _FolderLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses a template whose real path (links followed) leaves its folder."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        _inside(filename, self.searchpath, template)
        return source, filename, uptodate


def _inside(filename: str, folders: Any, name: str) -> None:
    real = os.path.realpath(filename)
    for folder in folders:
        root = os.path.realpath(folder)
        if real.startswith(root.rstrip(os.sep) + os.sep):
            return
    raise OutsideFolder(f"template {name!r} is a link to a file outside the template folder; refused")


def user_env(fmt: str, directory: str) -> jinja2.Environment:
    d = Path(directory)
    if not d.is_dir():
        raise InputError(directory, "", "--template must be a directory of templates")
    sub = d / FORMATS[fmt][0]
    mine = sub if sub.is_dir() else d
    entry = f"report.{FORMATS[fmt][1]}.j2"
    if not (mine / entry).is_file():
        raise InputError(str(mine), "", f"no {entry} (the entry template for --format {fmt})")
    try:
        _inside(str(mine / entry), [str(mine)], entry)
    except OutsideFolder as exc:
        raise InputError(directory, entry, str(exc)) from None
    builtin = resource_dir("templates") / FORMATS[fmt][0]
    loader = jinja2.ChoiceLoader([_FolderLoader(str(mine)), jinja2.FileSystemLoader(str(builtin))])
    return _setup(_Sandbox(loader=loader, **_options(fmt)), fmt)


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
                               _inline_figures(expl) if figures is None and fmt == "html" else (figures or {}))
    try:
        if template_dir:
            with _Budget():
                text = _generate(env.get_template(name), context)
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
        raise InputError(template_dir, _template_line(exc) or name, _template_error(exc)) from None
    _check_encodable(text, template_dir or "the built-in templates", name)
    return text


def _generate(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render piece by piece, stopping at the output and CPU budgets."""
    pieces, size = [], 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise BudgetExceeded(f"the output would be longer than {MAX_OUTPUT:,} characters")
        _Budget.check()
        pieces.append(piece)
    return "".join(pieces)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_encodable(text: str, source: str, name: str) -> None:
    """A report is UTF-8: a lone surrogate (which a template can print) is one line of bad input."""
    m = _SURROGATE.search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        raise InputError(source, name, f"renders U+{ord(m.group()):04X} (a lone surrogate) on line {line} of the "
                         "report, which UTF-8 cannot encode")


def _template_error(exc: Exception) -> str:
    """What went wrong in a user's template, on one line."""
    if isinstance(exc, MemoryError):
        what = f"rendering needed more than {MEMORY // 2**30} GiB of memory"
    elif isinstance(exc, BudgetExceeded):
        what = str(exc)
    elif isinstance(exc, jinja2.TemplateNotFound):
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


# --------------------------------------------------------------------------
# the command




