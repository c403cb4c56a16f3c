"""Download a remote corpus once, verify its SHA-256 and keep it in a local cache."""

from __future__ import annotations

import hashlib
import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Protocol

from ml_playground.core.atomic_files import atomic_write_bytes
from ml_playground.core.errors import DataError, DownloadError, UsageError

_CHUNK_BYTES = 1 << 16
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class Response(Protocol):
    def read(self, amt: int, /) -> bytes: ...

    def close(self) -> None: ...


class Opener(Protocol):
    """``urllib.request.urlopen`` or ``OpenerDirector.open``."""

    def __call__(self, url: str, /, *, timeout: float) -> Response: ...


def _silent(_message: str) -> None:
    pass


def cache_path(url: str, sha256: str, cache_dir: Path) -> Path:
    """Where the verified content of ``url`` is cached; the digest makes stale entries harmless."""
    name = Path(urllib.parse.urlsplit(url).path).name or "download"
    return cache_dir / f"{sha256.lower()}-{name}"


def _validated_sha256(sha256: str) -> str:
    digest = sha256.strip().lower()
    if not digest:
        raise UsageError(
            "prepare.download.sha256 is required: set it to the SHA-256 (64 hex digits)"
            " of the file to download"
        )
    if not _SHA256_HEX.fullmatch(digest):
        raise UsageError(f"prepare.download.sha256: expected 64 hex digits, got {sha256!r}")
    return digest


def _validated_url(url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:  # an unclosed [IPv6] host, for one
        raise UsageError(
            f"prepare.download.url: expected an http(s) URL, got {url!r} ({exc})"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"prepare.download.url: expected an http(s) URL, got {url!r}")


def _cached(path: Path, sha256: str, max_bytes: int) -> bytes | None:
    """The cached content if present, within the size limit and intact."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        content = path.read_bytes()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha256 else None


def _describe(exc: OSError | http.client.HTTPException, timeout_s: float) -> str:
    cause: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(cause, TimeoutError):
        return f"no response within prepare.download.timeout_s = {timeout_s} s"
    name = type(cause).__name__ if isinstance(cause, BaseException) else "error"
    detail = " ".join(str(cause).split())
    return f"{name}: {detail}" if detail else name


def _download(url: str, max_bytes: int, timeout_s: float, opener: Opener) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        with closing(opener(url, timeout=timeout_s)) as response:
            while chunk := response.read(min(_CHUNK_BYTES, max_bytes + 1 - total)):
                total += len(chunk)
                if total > max_bytes:
                    raise DownloadError(
                        f"cannot download {url}: larger than prepare.download.max_bytes"
                        f" = {max_bytes}"
                    )
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DownloadError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"cannot download {url}: {_describe(exc, timeout_s)}") from None
    return b"".join(chunks)


def fetch_cached(
    url: str,
    sha256: str,
    max_bytes: int,
    timeout_s: float,
    cache_dir: Path,
    *,
    opener: Opener = urllib.request.urlopen,
    log: Callable[[str], None] = _silent,
) -> bytes:
    """The content of ``url``, from the cache when a verified copy is there, else downloaded.

    A download is streamed with a hard size limit and only cached after its SHA-256 matches; a
    cached copy that fails verification is downloaded again.
    """
    digest = _validated_sha256(sha256)
    _validated_url(url)
    target = cache_path(url, digest, cache_dir)
    cached = _cached(target, digest, max_bytes)
    if cached is not None:
        log(f"using cached {url} ({target})")
        return cached
    log(f"downloading {url}")
    content = _download(url, max_bytes, timeout_s, opener)
    actual = hashlib.sha256(content).hexdigest()
    if actual != digest:
        raise DownloadError(
            f"cannot use {url}: SHA-256 mismatch: expected {digest} (prepare.download.sha256),"
            f" got {actual}"
        )
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, content)
    except OSError as exc:
        raise DataError(f"cannot write the download cache {target}: {exc}") from None
    return content
