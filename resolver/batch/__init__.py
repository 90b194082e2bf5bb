"""Batch resolution: many references, resolved by the same pure engine in processes (local folders),
threads (Hub repo ids) or Dask workers (resolver.dask), streamed back in input order.

`resolve_many` (also `resolver.resolve_many`) is the Python entry point; `task-resolver batch` the
command line one (resolver/cli/commands/batch.py). docs/batch.md describes both.
"""

from __future__ import annotations

from resolver.batch.many import resolve_many
from resolver.batch.requests import BatchInputError, Request

__all__ = ["BatchInputError", "Request", "resolve_many"]
