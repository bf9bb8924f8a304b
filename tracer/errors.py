"""The exceptions mlptrace raises; ``cli`` turns each into a message and an exit status."""

from __future__ import annotations

__all__ = ["MlptraceError", "InputError", "CheckFailed", "NumericalError", "Interrupted"]


class MlptraceError(Exception):
    """Base of every error mlptrace reports to the user."""

    exit_status = 2


class InputError(MlptraceError):
    """Bad input: a file, a key, a value or an argument the user gave."""

    exit_status = 2

    def __init__(self, source: str, where: str, what: str):
        self.source, self.where, self.what = str(source), str(where), str(what)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [p for p in (self.source, self.where, self.what) if p]
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.message


class CheckFailed(MlptraceError):
    """A check (verify, gradient check) found a mismatch."""

    exit_status = 1


class NumericalError(MlptraceError):
    """Training produced a NaN or an infinity."""

    exit_status = 3


class Interrupted(MlptraceError):
    """The user pressed Ctrl-C; training stopped between two steps."""

    exit_status = 130
