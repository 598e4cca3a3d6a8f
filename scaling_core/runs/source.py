"""Getting text out of what the user gave: a path, bytes, text or a file object, within a size limit;
decoding UTF-8 (with or without BOM), UTF-16 and Latin-1, with the choice noted in the report.
"""

from __future__ import annotations

import os
from typing import IO

from scaling_core.runs.report import RunLogError, _show


def _read_source(source: str | os.PathLike | bytes | IO, max_bytes: int | None) -> bytes | str:
    """Raw content of ``source``: a path, CSV text containing a newline, bytes or a file."""
    limit = None if max_bytes is None else max_bytes + 1
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | str = bytes(source)
    elif isinstance(source, str) and ("\n" in source or "\r" in source):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
            if max_bytes is not None and size > max_bytes:
                raise RunLogError(f"file is {size:,} bytes; the limit is {max_bytes:,}")
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise RunLogError(
                f"cannot open {_show(os.fspath(source), 80)!r}: {exc.strerror or exc}"
            ) from exc
    elif hasattr(source, "read"):
        try:
            data = source.read() if limit is None else source.read(limit)
        except (OSError, ValueError) as exc:
            raise RunLogError(f"cannot read the uploaded file: {exc}") from exc
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, (bytes, str)):
            raise RunLogError("the file object returned neither bytes nor text")
    else:
        raise RunLogError(f"expected a path, bytes or a file object, got {type(source).__name__}")
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if max_bytes is not None and size > max_bytes:
        shown = f"more than {max_bytes:,}" if size == limit else f"{size:,}"
        raise RunLogError(f"file is {shown} bytes; the limit is {max_bytes:,}")
    return data


def _decode(data: bytes | str, notes: list[str]) -> str:
    """Text of the file: UTF-8 (BOM stripped), UTF-16 with BOM, else Latin-1."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise RunLogError(
                f"file starts like UTF-16 text but byte {exc.start} is invalid"
            ) from exc
        notes.append("file is UTF-16 encoded; decoded it")
    else:
        if data.startswith(b"PK\x03\x04"):
            raise RunLogError("this looks like an Excel workbook or zip archive; export it as CSV")
        if data.startswith(b"\x1f\x8b"):
            raise RunLogError("this looks like a gzip archive; decompress it to a CSV first")
        nul = data.find(b"\x00")
        if nul >= 0:
            raise RunLogError(
                f"file contains a NUL byte at offset {nul:,}; it looks binary, not a CSV/TSV table"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = data.decode("latin-1")
            notes.append(f"file is not valid UTF-8 (byte {exc.start:,}); read it as Latin-1")
    if "\x00" in text:
        raise RunLogError("file contains NUL characters; it looks binary, not a CSV/TSV table")
    head = text[:65536]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r")
    if controls > max(3, len(head) // 100):
        raise RunLogError(
            f"file has {controls} control characters in its first {len(head):,} characters; "
            "it does not look like a text table"
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
