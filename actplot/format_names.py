"""The names of the number formats actplot analyses in (no imports: the CLI's start-up reads them
for ``--dtype`` choices; :mod:`actplot.rounding` does the arithmetic)."""

from __future__ import annotations

#: As numpy and ml_dtypes spell them, widest first.
FORMATS = ("float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2")
