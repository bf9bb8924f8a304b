"""mlptrace completion bash|zsh: a shell completion script generated from the real parser.

shtab writes the script from argparse's own description of the commands, so
a command or option added to the parser completes without anyone editing a
script.  What argparse cannot know -- that CONFIG is a file, that --activation
takes one of the engine's names -- is read from each argument's metavar here,
on a parser built for this command alone; parsing never sees it, and
``mlptrace --help`` never imports shtab.
"""

from __future__ import annotations

import argparse

import shtab

# The shells shtab writes scripts for that the README documents and the tests source.
SHELLS = ("bash", "zsh")

# What each metavar's value is, as a shtab completion: files (the config and
# data kinds filtered by extension, folders offered to descend into), folders.
FILES_BY_METAVAR = {
    "CONFIG": shtab.glob("*.toml", "*.json"),
    "CSV": shtab.glob("*.csv"),
    "MAP": shtab.glob("*.toml"),
    "FILE": shtab.FILE,
    "DOC": shtab.FILE,  # verify reads Markdown, LaTeX and HTML under any name (the seed is a .txt)
    "DIR": shtab.DIRECTORY,
}

# Values that are free text (numbers, expressions, points): nothing to offer.
FREE_TEXT_METAVARS = frozenset({"K", "E", "N", "ETA", "VALUES", "EXPR", "POINT"})


def words_by_metavar() -> dict[str, list[str]]:
    """Metavars whose values are names the engine knows, though argparse leaves them unchecked."""
    from tracer.core.activations import ACTIVATIONS

    # --activation sets every layer, so the output-only softmax is not offered;
    # of --record's policies only the whole words (first:K and the rest need a number).
    return {"A": list(ACTIVATIONS), "POLICY": ["all", "epochs"]}


def subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every parser under it, depth first."""
    out = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share one parser
                out.extend(subcommand_parsers(sub))
    return out


def annotated_parser() -> argparse.ArgumentParser:
    """The real parser, each file argument told what it completes as and each named value its names."""
    from tracer.cli import build_parser

    parser = build_parser()
    words = words_by_metavar()
    for sub in subcommand_parsers(parser):
        for action in sub._actions:
            metavar = action.metavar if isinstance(action.metavar, str) else None
            if action.choices is not None or metavar is None:
                continue
            if metavar in FILES_BY_METAVAR:
                action.complete = FILES_BY_METAVAR[metavar]  # type: ignore[attr-defined]
            elif metavar in words:
                # Choices only for the script: this parser is never asked to parse.
                action.choices = words[metavar]
    return parser


def script(shell: str) -> str:
    """The completion script for ``shell`` (one of SHELLS)."""
    return shtab.complete(annotated_parser(), shell=shell)


def run(args: argparse.Namespace) -> int:
    print(script(args.shell), end="")
    return 0
