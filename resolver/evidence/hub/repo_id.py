"""Tell a Hub repo id (`org/name`) apart from a local path, without importing huggingface_hub."""

from __future__ import annotations

import re

# The Hub's rule: letters, digits, '-', '_', '.'; at most one '/'; no '--' or '..'; <= 96 chars.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


def looks_like_repo_id(ref: str) -> bool:
    """True for `org/name` or `name` spelled as the Hub allows; False for paths such as ./x or /a/b/c."""
    return (
        len(ref) <= 96
        and bool(_REPO_ID.match(ref))
        and "--" not in ref
        and ".." not in ref
        and not ref.endswith((".", "-"))
    )
