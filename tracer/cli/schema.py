"""mlptrace schema: the config's JSON Schema, for editors that complete and check keys as they are typed."""

from __future__ import annotations

import argparse

from tracer.config.jsonschema import schema_text


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if not args.output:
        print(text, end="")
        return 0
    from tracer.cli.common import format_of, output_file, say_saved
    from tracer.config.files import atomic_write

    target = output_file(args.output, [])
    format_of(args.output, {".json": "json"}, "-o")  # a schema is JSON: r.toml or r.yaml would say otherwise
    atomic_write(target, text)
    say_saved([target])
    return 0
