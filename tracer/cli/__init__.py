"""The command line: parsing, and the one place errors become messages and exit codes.

Exit status: 0 success; 1 a check found a mismatch; 2 bad input (one line
on stderr, ``mlptrace: error: <file>: <where>: <what>``); 3 training hit a
NaN or an infinity; 130 interrupted.

Only argparse is imported up front: ``mlptrace --help`` loads neither numpy
nor sympy, and each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["main", "entrypoint", "build_parser"]

# command -> "module:function"; each function takes the parsed arguments and
# returns the exit status.
COMMANDS = {name: f"tracer.cli.{name}:run" for name in ("walk", "report", "train", "test", "predict", "verify", "check", "gd",
                                                          "completion", "schema")}


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        from tracer.errors import InputError

        raise InputError("command line", self.prog.replace("mlptrace ", "", 1), message)


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", nargs="?", type=_name, metavar="CONFIG",
                   help="a TOML or JSON config (default: the document's worked example)")


def _activation_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activation", metavar="A",
                   help="use activation A (sigmoid, tanh, relu, linear) for every layer")


def _int_at_least(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def parse(text: str) -> int:
        from tracer.config.files import parse_integer

        shown = repr(text if len(text) <= 40 else text[:37] + "...")
        value = parse_integer(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"{shown} is not a whole number (plain ASCII digits, e.g. 10)")
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{shown} must be at least 1" if minimum == 1 else f"{shown} must not be negative")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{shown} must be at most {maximum}")
        return value

    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a positive finite number, written as a plain ASCII decimal (0.1, 1e-3)."""
    from tracer.config.files import parse_number

    shown = repr(text if len(text) <= 40 else text[:37] + "...")
    value = parse_number(text)
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(
            f"must be a positive finite number (a plain ASCII decimal such as 0.1), found {shown}")
    return value


def _name(text: str) -> str:
    """An argparse type: a file name, folder name or policy, which must not be empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name")
    return text


_positive_int = _int_at_least(1)
_natural_int = _int_at_least(0)
# Decimals shown: float64 carries about 17 significant digits, so past 30
# decimals every digit is noise (and --digits 10**8 made a 100 MB cell).
_digits = _int_at_least(1, 30)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlptrace",
        description="Train small multi-layer perceptrons and explain every number they compute.",
        epilog="With no CONFIG every command uses the document's worked example. "
        "Exit status: 0 ok, 1 a check failed, 2 bad input, 3 training diverged, 130 interrupted.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("walk", help="step through the math in the terminal, one equation at a time")
    _config_arg(p)
    _activation_arg(p)
    p.add_argument("--step", type=_natural_int, default=0, metavar="K", help="which recorded step of the epoch to explain (default 0)")
    p.add_argument("--epoch", type=_natural_int, default=0, metavar="E", help="which epoch to explain (default 0)")
    p.add_argument("--no-pause", action="store_true", help="print the whole walkthrough at once")

    p = sub.add_parser("report", help="write the worked example for a config (Markdown, LaTeX, PDF, HTML)")
    _config_arg(p)
    _activation_arg(p)
    p.add_argument("--format", choices=["md", "tex", "pdf", "html"], default=None,
                   help="output format (default: from the -o file's extension, else md)")
    p.add_argument("-o", "--output", type=_name, metavar="FILE", help="write to FILE (default: standard output; pdf needs a file)")
    p.add_argument("--digits", type=_digits, default=4, metavar="N", help="decimals shown (default 4, at most 30)")
    p.add_argument("--full", action="store_true", help="show every node in full, however large the network")
    p.add_argument("--template", type=_name, metavar="DIR", help="render with your own templates from DIR (sandboxed)")
    p.add_argument("--no-figures", action="store_true", help="leave the pictures out")

    p = sub.add_parser("train", help="train, print the loss table, save weights, min-max and a trace")
    _config_arg(p)
    _activation_arg(p)
    p.add_argument("--epochs", type=_positive_int, metavar="N", help="override training.epochs")
    p.add_argument("--out", type=_name, metavar="DIR", help="save trained-weights-biases.json and minmax.json into DIR")
    p.add_argument("--trace", type=_name, metavar="FILE", help="write the kept steps to FILE: .json (in memory, the documented format) "
                   "or .npz (streamed to disk in compressed chunks, for long runs)")
    p.add_argument("--record", type=_name, metavar="POLICY", default=None,
                   help="steps to keep: all, epochs, first:K, every:N, last:K, or a comma-separated union "
                   "(default: all with --trace, else epochs)")

    p = sub.add_parser("test", help="loss and denormalised predictions of a testing dataset")
    _config_arg(p)
    p.add_argument("--weights", type=_name, metavar="FILE", help="weights file (Go format; default: the config's init)")
    p.add_argument("--minmax", type=_name, metavar="FILE", help="min-max file (Go format; default: the config's normalisation)")
    p.add_argument("--data", type=_name, metavar="CSV", help="testing dataset (default: the config's dataset)")

    p = sub.add_parser("predict", help="denormalised outputs for given inputs")
    _config_arg(p)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--input", metavar="VALUES", help='comma-separated raw inputs, e.g. "65,67"')
    group.add_argument("--data", type=_name, metavar="CSV", help="a CSV with a header and input columns (target columns are ignored)")
    p.add_argument("--weights", type=_name, metavar="FILE", help="weights file (Go format; default: the config's init)")
    p.add_argument("--minmax", type=_name, metavar="FILE", help="min-max file (Go format; default: the config's normalisation)")

    p = sub.add_parser("verify", help="re-check the arithmetic of a Markdown or LaTeX document")
    p.add_argument("docs", nargs="+", metavar="DOC")
    p.add_argument("--config", type=_name, metavar="CONFIG", help="also match named quantities to the trace of CONFIG")
    p.add_argument("--names", type=_name, metavar="MAP", help="a TOML map of the document's symbols to mlptrace's quantities (with --config)")
    p.add_argument("--format", dest="output_format", choices=("text", "json", "github"), default="text",
                   help="text (default), json (as --json -) or github (::error lines for GitHub Actions)")
    p.add_argument("--which-variant", action="store_true",
                   help="run every training variant the config allows and say which reproduce the named values")
    p.add_argument("--json", type=_name, metavar="FILE", help="write the results as JSON to FILE (- for standard output)")
    p.add_argument("--all", action="store_true", help="list every check, not only the numbers that disagree")

    p = sub.add_parser("check", help="compare the engine's gradients with finite differences and sympy")
    _config_arg(p)
    _activation_arg(p)
    p.add_argument("--steps", type=_positive_int, default=1, metavar="K",
                   help="check the first K training steps (default 1)")

    p = sub.add_parser("gd", help="gradient descent on any function, as the document's table")
    p.add_argument("expr", metavar="EXPR", help='a function, e.g. "x**2 + y**2"')
    p.add_argument("--at", required=True, metavar="POINT", help="start point, e.g. x=3,y=4")
    p.add_argument("--lr", type=_positive_float, default=0.1, metavar="ETA", help="learning rate (default 0.1)")
    p.add_argument("--steps", type=_positive_int, default=10, metavar="N", help="number of steps (default 10)")
    p.add_argument("--digits", type=_digits, default=4, metavar="N", help="decimals shown (default 4, at most 30)")
    p.add_argument("--svg", "--plot", dest="svg", type=_name, metavar="FILE",
                   help="also draw the path on the contour lines of f as an SVG picture (two variables)")

    p = sub.add_parser("completion", help="print a bash or zsh script that completes these commands and options",
                       description="Print a completion script generated from these commands and options. "
                       "bash: source <(mlptrace completion bash) in ~/.bashrc; "
                       "zsh: mlptrace completion zsh > DIR/_mlptrace, DIR a folder on $fpath.")
    p.add_argument("shell", choices=("bash", "zsh"), metavar="SHELL", help="bash or zsh")

    p = sub.add_parser("schema", help="print the config's JSON Schema (for editors that complete and check keys)")
    p.add_argument("-o", "--output", type=_name, metavar="FILE", help="write it to FILE (.json) instead of standard output")
    return parser


class _Version(argparse.Action):
    """--version, looking the version up only when asked (importlib.metadata costs every run otherwise)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        print(f"mlptrace {_version()}")
        parser.exit()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("mlptrace")
    except Exception:  # not installed (running from a checkout)
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run mlptrace with ``argv``; return the exit status."""
    from tracer.errors import Interrupted, MlptraceError, visible

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        module, func = COMMANDS[args.command].split(":")
        return int(getattr(importlib.import_module(module), func)(args) or 0)
    except MlptraceError as exc:
        kind = "" if isinstance(exc, Interrupted) else "error: "
        # The whole line through the one filter: whatever module raised it, a
        # file name, label or template message with an escape sequence or a
        # newline is shown visibly, and the error stays one line.
        print(visible(f"mlptrace: {kind}{exc}"), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("mlptrace: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (mlptrace ... | head); that is not an error.
        try:
            sys.stdout = None  # type: ignore[assignment]
        finally:
            return 0


def entrypoint() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entrypoint()
