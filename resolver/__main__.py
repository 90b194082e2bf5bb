"""`python -m resolver` runs the task-resolver command line."""

from resolver.cli.main import entry_point

entry_point()
