"""Where the shipped folders are: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["resource_dir", "default_config_path"]

_HERE = Path(__file__).resolve().parent.parent  # tracer/


def resource_dir(name: str) -> Path:
    """``templates`` or ``examples``: ``tracer/<name>`` in an installed wheel,
    ``<checkout>/<name>`` in a source tree or an editable install."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mlptrace is installed without its {name}/ folder")


def default_config_path() -> Path:
    """The embedded default: the document's worked example (sigmoid)."""
    return resource_dir("examples") / "seed" / "sigmoid.toml"
