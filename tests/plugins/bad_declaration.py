"""A plugin with a bad declaration beside a good one."""

from actplot import activation


@activation("Bad Name")
def bad(x):
    """Not snake_case."""
    return x


@activation("fine_one")
def fine_one(x):
    """Fine."""
    return x * 0.5
