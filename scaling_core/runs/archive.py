"""Zip archives and folders: the files inside, with limits an upload cannot get round.

A zip member whose name is absolute or climbs out with ``..`` is refused (never extracted
anywhere: members are read into memory), as are archives with too many members, too much data
once expanded, or a member that expands far more than text logs do (a "zip bomb"). Sizes are
checked both as declared and while reading, since a declared size can lie.
"""

from __future__ import annotations

import io
import os
import posixpath
import zipfile

from scaling_core.runs.raw import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES
from scaling_core.runs.report import RunLogError, _show

#: Largest expansion ratio accepted for a member of more than 1 MiB (text logs compress 5-30×).
MAX_RATIO = 200
#: Names that are never run logs (licences, provenance, OS litter): listed as skipped.
SKIP_NAMES = (
    "license",
    "license.txt",
    "license.md",
    "source.txt",
    "readme.md",
    "readme.txt",
    "readme",
    ".ds_store",
    "notice",
    "notice.txt",
    "meta.yaml",
)


def is_zip(name: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or name.lower().endswith(".zip")


def safe_member_name(name: str, archive: str) -> str:
    """The member's normalised relative name; absolute or ``..`` names are refused."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        raise RunLogError(f"{archive}: member {_show(name, 80)!r} has an absolute path; refused")
    parts = clean.split("/")
    if ".." in parts:
        raise RunLogError(f"{archive}: member {_show(name, 80)!r} climbs out with '..'; refused")
    return posixpath.normpath(clean)


def read_zip(data: bytes, archive: str, budget: list[int]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file member, names prefixed with the archive's own name."""
    try:
        handle = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise RunLogError(f"{archive}: not a readable zip archive ({exc})") from exc
    members = [m for m in handle.infolist() if not m.is_dir()]
    if len(members) > MAX_FILES:
        raise RunLogError(f"{archive}: {len(members):,} members; the limit is {MAX_FILES:,}")
    for member in members:
        safe_member_name(member.filename, archive)
    declared = sum(m.file_size for m in members)
    if declared > min(budget[0], MAX_TOTAL_BYTES):
        raise RunLogError(
            f"{archive}: expands to {declared:,} bytes; the limit is {min(budget[0], MAX_TOTAL_BYTES):,}"
        )
    prefix = os.path.basename(archive)
    out: list[tuple[str, bytes]] = []
    for member in members:
        name = safe_member_name(member.filename, archive)
        if member.file_size > MAX_FILE_BYTES:
            raise RunLogError(
                f"{archive}: {name} is {member.file_size:,} bytes once expanded; "
                f"the limit is {MAX_FILE_BYTES:,}"
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1 << 20 and ratio > MAX_RATIO:
            raise RunLogError(
                f"{archive}: {name} expands {ratio:,.0f}× ({member.compress_size:,} to "
                f"{member.file_size:,} bytes); refused as a likely zip bomb (limit {MAX_RATIO}×)"
            )
        try:
            with handle.open(member) as stream:
                content = stream.read(member.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise RunLogError(f"{archive}: cannot read member {name} ({exc})") from exc
        if len(content) > member.file_size:
            raise RunLogError(f"{archive}: {name} is larger than its declared size; refused")
        budget[0] -= len(content)
        if budget[0] < 0:
            raise RunLogError(f"{archive}: the files expand past {MAX_TOTAL_BYTES:,} bytes in all")
        out.append((f"{prefix}/{name}", content))
    return out


def read_folder(path: str, budget: list[int]) -> list[tuple[str, bytes]]:
    """Every file under a folder (sorted; hidden folders skipped), names relative to its parent."""
    base = os.path.basename(os.path.normpath(path))
    out: list[tuple[str, bytes]] = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            full = os.path.join(root, file)
            rel = os.path.relpath(full, path).replace(os.sep, "/")
            out.append((f"{base}/{rel}", read_file(full, budget)))
            if len(out) > MAX_FILES:
                raise RunLogError(f"{path}: more than {MAX_FILES:,} files")
    return out


def read_file(path: str, budget: list[int]) -> bytes:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise RunLogError(f"{path}: {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        budget[0] -= size
        if budget[0] < 0:
            raise RunLogError(f"{path}: the files add up to more than {MAX_TOTAL_BYTES:,} bytes")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise RunLogError(f"cannot open {_show(path, 80)!r}: {exc.strerror or exc}") from exc
