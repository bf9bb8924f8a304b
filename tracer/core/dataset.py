"""Min-max values and normalisation, per column, as the document does them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["METHODS", "MinMax", "normalise", "denormalise", "column_minmax", "overflowing_column"]

METHODS = ("zero-to-one", "minus-one-to-one", "none")


def column_minmax(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of each column of a 2-D array."""
    return values.min(axis=0), values.max(axis=0)


def overflowing_column(lo: np.ndarray, hi: np.ndarray) -> int | None:
    """The first column whose range max - min is beyond float64 (it would normalise to NaN), if any."""
    with np.errstate(over="ignore"):
        bad = np.flatnonzero(~np.isfinite(np.subtract(hi, lo)))
    return int(bad[0]) if bad.size else None


def normalise(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, method: str) -> np.ndarray:
    """Scale ``values`` column by column into [0, 1] or [-1, 1].

    A column whose min equals its max (a one-row dataset, say) becomes 0.5
    for zero-to-one and 0 for minus-one-to-one, the middle of the range.
    A value so far outside a narrow range that it leaves float64 becomes
    infinite (callers check; see :func:`overflowing_column` for ranges).
    """
    values = np.asarray(values, dtype=np.float64)
    if method == "none":
        return values.copy()
    span = hi - lo
    flat = span == 0
    with np.errstate(over="ignore", invalid="ignore"):
        unit = (values - lo) / np.where(flat, 1.0, span)
    unit = np.where(flat, 0.5, unit)
    if method == "zero-to-one":
        return unit
    if method == "minus-one-to-one":
        return unit * 2.0 - 1.0
    raise ValueError(f"unknown normalisation method {method!r}; expected one of {', '.join(METHODS)}")


def denormalise(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, method: str) -> np.ndarray:
    """The inverse of :func:`normalise` (a flat column maps back to its one value)."""
    values = np.asarray(values, dtype=np.float64)
    if method == "none":
        return values.copy()
    if method == "zero-to-one":
        unit = values
    elif method == "minus-one-to-one":
        unit = (values + 1.0) / 2.0
    else:
        raise ValueError(f"unknown normalisation method {method!r}; expected one of {', '.join(METHODS)}")
    return unit * (hi - lo) + lo


@dataclass
class MinMax:
    """The min-max values of inputs and outputs, as the Go package's min-max file holds them.

    ``None`` on a side means that side is not normalised (set to "off").
    """

    method: str
    min_input: np.ndarray | None
    max_input: np.ndarray | None
    min_output: np.ndarray | None
    max_output: np.ndarray | None

    def inputs(self, raw: np.ndarray) -> np.ndarray:
        if self.min_input is None or self.method == "none":
            return np.asarray(raw, dtype=np.float64).copy()
        return normalise(raw, self.min_input, self.max_input, self.method)

    def outputs(self, raw: np.ndarray) -> np.ndarray:
        if self.min_output is None or self.method == "none":
            return np.asarray(raw, dtype=np.float64).copy()
        return normalise(raw, self.min_output, self.max_output, self.method)

    def denormalise_outputs(self, y: np.ndarray) -> np.ndarray:
        if self.min_output is None or self.method == "none":
            return np.asarray(y, dtype=np.float64).copy()
        return denormalise(y, self.min_output, self.max_output, self.method)

    def to_mapping(self, n_in: int, n_out: int) -> dict[str, list[float]]:
        """The Go min-max file's content.

        A side that is off is written as the range of the method itself
        (0..1, or -1..1), which normalises every value to itself, so the Go
        package reading the file treats that side as mlptrace did.
        """
        lo_id, hi_id = (-1.0, 1.0) if self.method == "minus-one-to-one" else (0.0, 1.0)

        def side(lo, hi, n):
            if lo is None or self.method == "none":
                return [lo_id] * n, [hi_id] * n
            return lo.tolist(), hi.tolist()

        mi, xi = side(self.min_input, self.max_input, n_in)
        mo, xo = side(self.min_output, self.max_output, n_out)
        return {"minInput": mi, "maxInput": xi, "minOutput": mo, "maxOutput": xo}
