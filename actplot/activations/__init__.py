"""The built-in activations, one module per family.

They are loaded by :func:`actplot.registry.load_registry` through the same path as plugins:
each module below is collected exactly as a plugin module named by an entry point would be.
"""

BUILTIN_MODULES = (
    "actplot.activations.classic",
    "actplot.activations.rectifiers",
    "actplot.activations.exponential",
    "actplot.activations.sigmoids",
    "actplot.activations.gated",
    "actplot.activations.softmax",
    "actplot.activations.modern",
)
