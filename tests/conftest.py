"""Test-wide settings: a private compiled-rules cache, quiet transformers, no real Hub token."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Set before anything imports resolver or huggingface_hub; subprocesses inherit them.
os.environ.setdefault("TASK_RESOLVER_CACHE", tempfile.mkdtemp(prefix="task-resolver-cache-"))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# huggingface_hub 2.x otherwise fetches {HF_ENDPOINT at import}/api/agent-harnesses (huggingface.co) for its user agent
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.pop("HF_TOKEN", None)
os.environ.pop("TASK_RESOLVER_RULES", None)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))  # helper modules: hubserver, transformers_catalog
