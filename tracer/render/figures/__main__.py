"""Write a config's pictures as files: ``python -m tracer.render.figures OUTDIR [CONFIG]``.

Writes network.svg (before and after the first step), loss.svg and gd.svg
(the document's paraboloid); the ``*_pdf`` functions give the same
pictures as PDF.  With no CONFIG: the
embedded example; the README's pictures in examples/seed/figures come from
``python -m tracer.render.figures examples/seed/figures``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tracer.config import schema as config
from tracer.config import files
from tracer.config import run
from tracer.errors import InputError, visible
from tracer.render.drawings import descent, network
from tracer.render.figures import loss


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    out = Path(argv[0])
    try:
        cfg = config.load(argv[1] if len(argv) > 1 else None)
        trace, _ = run.record(cfg, policy="first:1")
        with files.Outputs() as outputs:  # the three pictures together, or none
            for name, canvas in [("network", network(trace)), ("loss", loss(trace)), ("gd", descent())]:
                outputs.write(out / f"{name}.svg", canvas.svg())
            outputs.commit()
    except InputError as exc:
        print(visible(f"python -m tracer.render.figures: error: {exc}"), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
