"""Attachment files on disk, under ATTACHMENTS_DIR: never the public upload folder, never a name the sender
chose. A file is written to a temporary name and renamed, so a crash never leaves half a file under a name
the database knows."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def new_path() -> str:
    """A fresh relative path, spread over 256 folders."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def write(root: Path, relative: str, data: bytes) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)


def full_path(root: Path, relative: str) -> Path:
    """The file behind a stored relative path; a path that would leave the folder is refused."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ValueError(f"not an attachment path: {relative!r}")
    return target


def delete(root: Path, *relatives: str | None) -> None:
    for relative in relatives:
        if relative:
            full_path(root, relative).unlink(missing_ok=True)
