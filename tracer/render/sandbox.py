"""The sandbox a user's report templates (``--template DIR``) render in.

The second wall behind the plain context (:mod:`tracer.render.context`): an
attribute or a call is allowed only on plain data (and on Jinja's own loop,
macro and namespace objects), a template file may not be a link out of its
folder, and a template's work is bounded.  None of the numbers below is near
what a real report needs.
"""

from __future__ import annotations

import functools
import math
import os
import re
import signal
import threading
import time
import types
from collections.abc import ItemsView, KeysView, ValuesView
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from tracer.render.context import RECORDS, FrozenDict
from tracer.render.escape import basename
from tracer.render.mathml import MathMLError

__all__ = ["MAX_ITEMS", "MAX_DIGITS", "MAX_OUTPUT", "CPU_SECONDS", "MEMORY", "MAX_LIPSUM", "BudgetExceeded",
           "Sandbox", "Budget", "OutsideFolder", "FolderLoader", "inside", "generate", "template_error",
           "template_line"]

MAX_ITEMS = 10_000_000  # characters of one string, items of one list made by one operation
MAX_DIGITS = 10_000  # digits of an integer made by ** or *
MAX_OUTPUT = 64 * 2**20  # characters a template may write (the largest built-in report is far below)
CPU_SECONDS = 60  # CPU time rendering may take
MEMORY = 2 * 2**30  # bytes of address space rendering may add (Linux: RLIMIT_AS)
MAX_LIPSUM = 100  # paragraphs of lipsum(), and 1,000 words at most in each

_PLAIN_TYPES = (type(None), bool, int, float, str, tuple, list, dict, range, FrozenDict, *RECORDS,
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


class Sandbox(SandboxedEnvironment):
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
        Budget.check()
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


class Budget:
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

    def __enter__(self) -> "Budget":
        Budget.deadline = time.process_time() + CPU_SECONDS
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
        Budget.deadline = None


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# --------------------------------------------------------------------------
# templates stay in their folder


class OutsideFolder(jinja2.TemplateError):
    """A user's template that, through a symbolic link, is a file outside the template folder."""


class FolderLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses a template whose real path (links followed) leaves its folder."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        inside(filename, self.searchpath, template)
        return source, filename, uptodate


def inside(filename: str, folders: Any, name: str) -> None:
    real = os.path.realpath(filename)
    for folder in folders:
        root = os.path.realpath(folder)
        if real.startswith(root.rstrip(os.sep) + os.sep):
            return
    raise OutsideFolder(f"template {name!r} is a link to a file outside the template folder; refused")


# --------------------------------------------------------------------------
# rendering within the budget, and its errors on one line


def generate(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render piece by piece, stopping at the output and CPU budgets."""
    pieces, size = [], 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise BudgetExceeded(f"the output would be longer than {MAX_OUTPUT:,} characters")
        Budget.check()
        pieces.append(piece)
    return "".join(pieces)


def template_error(exc: Exception) -> str:
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


def template_line(exc: BaseException) -> str:
    """``file line N`` of the innermost template frame of a rendering error.

    Jinja rewrites tracebacks so that template code appears as frames of
    the template file at its own line numbers.
    """
    tb, where = exc.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            where = f"{basename(name)} line {tb.tb_lineno}"
        tb = tb.tb_next
    return where
