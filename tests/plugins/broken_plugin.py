"""A plugin whose import fails."""

import numpy_does_not_exist  # noqa: F401
