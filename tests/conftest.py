"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def require_tool(name: str) -> str:
    """Path of an external tool; skip without it, but fail in CI (CI is set there)."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI but was not found on PATH")
    pytest.skip(f"{name} is not installed")
