"""Zip archives and folders: the files inside, with limits an upload cannot get round.

A zip member whose name is absolute or climbs out with ``..`` is refused (never extracted
anywhere: members are read into memory), as are archives with too many members, too much data
once expanded, or a member that expands far more than text logs do (a "zip bomb"). Sizes are
checked both as declared and while reading, since a declared size can lie.
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import zipfile
import zlib
from collections.abc import Sequence

from scaling_core.runs.limits import LimitExceeded, ReadBudget
from scaling_core.runs.report import RunLogError, _show

#: Members larger than this must not expand more than `Limits.member_ratio` times.
RATIO_CHECKED_ABOVE = 256 * 1024
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


def is_gzip(data: bytes) -> bool:
    """A gzip stream (``curves.csv.gz``, as DeepMind's routing sweep is released), by its magic."""
    return data[:2] == b"\x1f\x8b"


def read_gzip(data: bytes, name: str, budget: ReadBudget) -> tuple[str, bytes]:
    """(name without ``.gz``, the decompressed bytes) of one gzip file.

    Read in memory and never past what is left of the read's expanded bytes, the per-file limit
    and, for an output over 256 KiB, `Limits.member_ratio` times the compressed size (a "gzip
    bomb" stops there instead of filling memory); each crossing raises `LimitExceeded`."""
    lim = budget.limits
    cap = min(
        lim.file_bytes,
        lim.expanded_bytes - budget.expanded,
        max(RATIO_CHECKED_ABOVE, len(data) * lim.member_ratio),
    )
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(cap + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise RunLogError(f"{name}: not a readable gzip file ({exc})") from exc
    inner = name[:-3] if name.lower().endswith(".gz") else name + ".unpacked"
    if len(content) > cap:
        if cap >= lim.file_bytes:
            budget.add_expanded(inner, len(content))  # raises, naming the file limit
        if cap == lim.expanded_bytes - budget.expanded:
            budget.check_expanded(name, len(content))  # raises: the read's expanded bytes
        raise LimitExceeded(
            f"{name} expands more than {lim.member_ratio}x ({len(data):,} bytes to over "
            f"{cap:,}); refused as a likely gzip bomb (limit {lim.member_ratio}x for files over "
            f"{RATIO_CHECKED_ABOVE // 1024} KiB)",
            "member_ratio",
        )
    budget.add_expanded(inner, len(content))
    return inner, content


def safe_member_name(name: str, archive: str) -> str:
    """The member's normalised relative name; absolute or ``..`` names are refused."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        raise RunLogError(f"{archive}: member {_show(name, 80)!r} has an absolute path; refused")
    parts = clean.split("/")
    if ".." in parts:
        raise RunLogError(f"{archive}: member {_show(name, 80)!r} climbs out with '..'; refused")
    return posixpath.normpath(clean)


def declared_size(data: bytes) -> int | None:
    """What a zip says its members expand to (its central directory, nothing decompressed), or
    None when it cannot be read as a zip.  Reading enforces it: a member that yields more than
    its declared size is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as handle:
            return sum(m.file_size for m in handle.infolist() if not m.is_dir())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None


def expanded_size(items: Sequence[tuple[str, bytes]]) -> int:
    """Bytes the files of one upload expand to: declared sizes of zip members (at least the
    zip's own size), the size of every other file."""
    total = 0
    for name, data in items:
        declared = declared_size(data) if is_zip(name, data) else None
        total += max(len(data), declared or 0)
    return total


def read_zip(data: bytes, archive: str, budget: ReadBudget) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file member, names prefixed with the archive's own name.

    Every member is charged to ``budget`` as it is read (its expanded bytes, the file count),
    after the declared sizes of all members were checked against what is left of it."""
    try:
        handle = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise RunLogError(f"{archive}: not a readable zip archive ({exc})") from exc
    members = [m for m in handle.infolist() if not m.is_dir()]
    limit = budget.limits.files
    if budget.files + len(members) > limit:
        raise LimitExceeded(
            f"{archive}: {len(members):,} members; the limit is {limit:,} files per upload",
            "files",
        )
    for member in members:
        safe_member_name(member.filename, archive)
    budget.check_expanded(archive, sum(m.file_size for m in members), declared=True)
    prefix = os.path.basename(archive)
    out: list[tuple[str, bytes]] = []
    ratio_limit = budget.limits.member_ratio
    for member in members:
        name = safe_member_name(member.filename, archive)
        if member.file_size > budget.limits.file_bytes:
            budget.add_expanded(f"{archive}: {name}", member.file_size)  # raises, naming it
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_ABOVE and ratio > ratio_limit:
            raise LimitExceeded(
                f"{archive}: {name} expands {ratio:,.0f}x ({member.compress_size:,} to "
                f"{member.file_size:,} bytes); refused as a likely zip bomb (limit "
                f"{ratio_limit}x for members over {RATIO_CHECKED_ABOVE // 1024} KiB)",
                "member_ratio",
            )
        try:
            with handle.open(member) as stream:
                content = stream.read(member.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise RunLogError(f"{archive}: cannot read member {name} ({exc})") from exc
        if len(content) > member.file_size:
            raise RunLogError(f"{archive}: {name} is larger than its declared size; refused")
        budget.add_expanded(f"{archive}: {name}", len(content))
        out.append((f"{prefix}/{name}", content))
    return out


def read_folder(path: str, budget: ReadBudget) -> list[tuple[str, bytes]]:
    """Every file under a folder (sorted; hidden folders skipped), names relative to its parent."""
    base = os.path.basename(os.path.normpath(path))
    out: list[tuple[str, bytes]] = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            full = os.path.join(root, file)
            rel = os.path.relpath(full, path).replace(os.sep, "/")
            if len(out) >= budget.limits.files:
                raise LimitExceeded(
                    f"{path}: more than {budget.limits.files:,} files; the limit is "
                    f"{budget.limits.files:,} per read",
                    "files",
                )
            out.append((f"{base}/{rel}", read_file(full, budget)))
    return out


def read_file(path: str, budget: ReadBudget) -> bytes:
    """A file's bytes, charged to ``budget`` as given (its size on disk)."""
    try:
        size = os.path.getsize(path)
        budget.add_given(path, size)
        with open(path, "rb") as handle:
            return handle.read(size + 1)
    except OSError as exc:
        raise RunLogError(f"cannot open {_show(path, 80)!r}: {exc.strerror or exc}") from exc
