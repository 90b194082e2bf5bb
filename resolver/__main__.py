"""`python -m resolver` runs the task-resolver command line."""

from .cli import entry_point

entry_point()
