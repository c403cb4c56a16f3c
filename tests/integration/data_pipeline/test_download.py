"""Downloading a corpus from a real HTTP server on 127.0.0.1: verified, size-limited, cached."""

from __future__ import annotations

import hashlib
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

import pytest

from ml_playground.configuration.models import DownloadConfig, PrepareConfig
from ml_playground.core.errors import DataError, DownloadError, UsageError
from ml_playground.data_pipeline.dataset_files import load_tokens, read_meta
from ml_playground.data_pipeline.download import Opener, Response, cache_path, fetch_cached
from ml_playground.data_pipeline.prepare import prepare_dataset

pytestmark = pytest.mark.integration

TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\n"
    "All:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\n"
) * 8
BODY = TEXT.encode()
SHA = hashlib.sha256(BODY).hexdigest()

Route = Callable[["_Handler"], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.release = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server = cast("_Server", self.server)
        server.requests.append(self.path)
        route = server.routes.get(self.path)
        if route is None:
            self.send_error(404)
        else:
            route(self)

    def log_message(self, format: str, *_args: object) -> None:
        pass


def _file_route(body: bytes, *, announced: int | None) -> Route:
    def route(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        if announced is not None:
            handler.send_header("Content-Length", str(announced))
        handler.end_headers()
        handler.wfile.write(body)

    return route


class LocalServer:
    """A real HTTP/1.0 server on 127.0.0.1 in a thread; ``stop`` makes later requests fail."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        self._stopped = False

    @property
    def requests(self) -> list[str]:
        return self._server.requests

    def url(self, path: str) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{path}"

    def serve(self, path: str, body: bytes, *, announce_length: bool = True) -> str:
        announced = len(body) if announce_length else None
        self._server.routes[path] = _file_route(body, announced=announced)
        return self.url(path)

    def serve_truncated(self, path: str, body: bytes, announced: int) -> str:
        self._server.routes[path] = _file_route(body, announced=announced)
        return self.url(path)

    def serve_raw(self, path: str, response: bytes) -> str:
        """Answer with ``response`` as is, status line and headers included."""

        def route(handler: _Handler) -> None:
            handler.wfile.write(response)

        self._server.routes[path] = route
        return self.url(path)

    def serve_silence(self, path: str) -> str:
        """A route that sends nothing until the server stops (bounded, in case that never comes)."""
        release = self._server.release

        def route(_handler: _Handler) -> None:
            release.wait(timeout=60)

        self._server.routes[path] = route
        return self.url(path)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._server.release.set()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def opener() -> Opener:
    """Reaches 127.0.0.1 directly, whatever proxy the environment configures."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def test_download_is_verified_cached_and_returned(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve("/input.txt", BODY)
    messages: list[str] = []

    content = fetch_cached(
        url, SHA, 10_000, 5.0, tmp_path / "cache", opener=opener, log=messages.append
    )

    assert content == BODY
    cached = cache_path(url, SHA, tmp_path / "cache")
    assert cached == tmp_path / "cache" / f"{SHA}-input.txt"
    assert cached.read_bytes() == BODY
    assert sorted(p.name for p in cached.parent.iterdir()) == [cached.name]
    assert server.requests == ["/input.txt"]
    assert messages == [f"downloading {url}"]


def test_cache_hit_needs_no_network(server: LocalServer, opener: Opener, tmp_path: Path) -> None:
    url = server.serve("/input.txt", BODY)
    fetch_cached(url, SHA, 10_000, 5.0, tmp_path, opener=opener)
    server.stop()
    messages: list[str] = []

    content = fetch_cached(
        url, SHA.upper(), 10_000, 5.0, tmp_path, opener=opener, log=messages.append
    )

    assert content == BODY
    assert server.requests == ["/input.txt"]
    assert messages == [f"using cached {url} ({cache_path(url, SHA, tmp_path)})"]


@pytest.mark.parametrize("damage", ["corrupt", "oversized"])
def test_a_damaged_cache_entry_is_downloaded_again(
    server: LocalServer, opener: Opener, tmp_path: Path, damage: str
) -> None:
    url = server.serve("/input.txt", BODY)
    cached = cache_path(url, SHA, tmp_path)
    cached.write_bytes(b"x" * len(BODY) if damage == "corrupt" else BODY + b"extra")

    content = fetch_cached(url, SHA, len(BODY), 5.0, tmp_path, opener=opener)

    assert content == BODY
    assert cached.read_bytes() == BODY
    assert server.requests == ["/input.txt"]


def test_a_checksum_mismatch_names_both_digests_and_caches_nothing(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve("/input.txt", BODY)
    expected = "0" * 64

    with pytest.raises(DownloadError) as excinfo:
        fetch_cached(url, expected, 10_000, 5.0, tmp_path / "cache", opener=opener)

    message = str(excinfo.value)
    assert "SHA-256 mismatch" in message
    assert f"expected {expected}" in message
    assert f"got {SHA}" in message
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("announce_length", [True, False])
def test_a_download_over_the_size_limit_is_aborted(
    server: LocalServer, opener: Opener, tmp_path: Path, announce_length: bool
) -> None:
    url = server.serve("/input.txt", BODY, announce_length=announce_length)

    with pytest.raises(DownloadError, match=r"larger than prepare\.download\.max_bytes = 100"):
        fetch_cached(url, SHA, 100, 5.0, tmp_path, opener=opener)

    assert list(tmp_path.iterdir()) == []


def test_a_body_of_exactly_the_size_limit_is_accepted(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve("/input.txt", BODY, announce_length=False)

    assert fetch_cached(url, SHA, len(BODY), 5.0, tmp_path, opener=opener) == BODY


def test_a_cache_entry_of_exactly_the_size_limit_is_used(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve("/input.txt", BODY)
    fetch_cached(url, SHA, len(BODY), 5.0, tmp_path, opener=opener)
    server.stop()
    messages: list[str] = []

    content = fetch_cached(
        url=url,
        sha256=SHA,
        max_bytes=len(BODY),
        timeout_s=5.0,
        cache_dir=tmp_path,
        opener=opener,
        log=messages.append,
    )

    assert content == BODY
    assert messages == [f"using cached {url} ({cache_path(url, SHA, tmp_path)})"]


class _RecordedResponse:
    def __init__(self, response: Response, recorder: RecordingOpener) -> None:
        self._response = response
        self._recorder = recorder

    def read(self, amt: int, /) -> bytes:
        chunk = self._response.read(amt)
        self._recorder.requested.append(amt)
        self._recorder.received += len(chunk)
        return chunk

    def close(self) -> None:
        self._response.close()


class RecordingOpener:
    """A real opener that records how many bytes each read asks for and how many it got."""

    def __init__(self, opener: Opener) -> None:
        self._opener = opener
        self.requested: list[int] = []
        self.received = 0

    def __call__(self, url: str, /, *, timeout: float) -> Response:
        return _RecordedResponse(self._opener(url, timeout=timeout), self)


def test_a_download_is_read_in_chunks_of_64_kib(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    body = bytes(range(256)) * 800
    url = server.serve("/big.bin", body)
    recording = RecordingOpener(opener)

    content = fetch_cached(
        url, hashlib.sha256(body).hexdigest(), 1_000_000, 5.0, tmp_path, opener=recording
    )

    assert content == body
    assert recording.received == len(body)
    assert recording.requested[:3] == [65536, 65536, 65536]
    assert max(recording.requested) == 65536


@pytest.mark.parametrize("announce_length", [True, False])
def test_an_oversized_download_stops_one_byte_past_the_limit(
    server: LocalServer, opener: Opener, tmp_path: Path, announce_length: bool
) -> None:
    url = server.serve("/input.txt", BODY, announce_length=announce_length)
    recording = RecordingOpener(opener)

    with pytest.raises(DownloadError, match=r"larger than prepare\.download\.max_bytes = 100"):
        fetch_cached(url, SHA, 100, 5.0, tmp_path, opener=recording)

    assert recording.received == 101
    assert recording.requested[0] == 101


def test_a_silent_server_times_out(server: LocalServer, opener: Opener, tmp_path: Path) -> None:
    url = server.serve_silence("/slow.txt")

    with pytest.raises(
        DownloadError, match=r"no response within prepare\.download\.timeout_s = 0\.2 s"
    ):
        fetch_cached(url, SHA, 10_000, 0.2, tmp_path, opener=opener)

    assert list(tmp_path.iterdir()) == []


def test_http_errors_are_reported_with_their_status(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.url("/missing.txt")

    with pytest.raises(DownloadError, match=r"cannot download .*/missing\.txt: HTTP 404 Not Found"):
        fetch_cached(url, SHA, 10_000, 5.0, tmp_path, opener=opener)


def test_a_refused_connection_is_a_download_error(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve("/input.txt", BODY)
    server.stop()

    with pytest.raises(
        DownloadError, match=r"cannot download .*/input\.txt: ConnectionRefusedError: .*refused"
    ):
        fetch_cached(url, SHA, 10_000, 5.0, tmp_path, opener=opener)


def test_a_truncated_body_fails_verification(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve_truncated("/input.txt", BODY[:10], announced=len(BODY))

    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        fetch_cached(url, SHA, 10_000, 5.0, tmp_path, opener=opener)

    assert list(tmp_path.iterdir()) == []


def test_a_malformed_response_is_a_download_error(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve_raw("/input.txt", b"NONSENSE\r\n\r\n")

    with pytest.raises(DownloadError, match=r"/input\.txt: BadStatusLine: NONSENSE$"):
        fetch_cached(url, SHA, 10_000, 5.0, tmp_path, opener=opener)


@pytest.mark.parametrize(
    ("sha256", "message"),
    [
        ("", r"prepare\.download\.sha256 is required"),
        ("   ", r"prepare\.download\.sha256 is required"),
        ("abc", r"prepare\.download\.sha256: expected 64 hex digits, got 'abc'"),
        ("g" * 64, r"prepare\.download\.sha256: expected 64 hex digits"),
    ],
)
def test_a_missing_or_malformed_sha256_is_a_usage_error(
    tmp_path: Path, sha256: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        fetch_cached("http://127.0.0.1:9/x.txt", sha256, 100, 1.0, tmp_path)


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://example.org/x.txt", "http://"])
def test_only_http_urls_are_accepted(tmp_path: Path, url: str) -> None:
    with pytest.raises(UsageError, match=r"prepare\.download\.url: expected an http\(s\) URL"):
        fetch_cached(url, SHA, 100, 1.0, tmp_path)


def test_an_unwritable_cache_is_a_data_error(
    server: LocalServer, opener: Opener, tmp_path: Path
) -> None:
    url = server.serve("/input.txt", BODY)
    blocker = tmp_path / "cache"
    blocker.write_bytes(b"a file where the cache directory should be")

    with pytest.raises(DataError, match="cannot write the download cache"):
        fetch_cached(url, SHA, 10_000, 5.0, blocker, opener=opener)


def test_cache_file_name_falls_back_when_the_url_has_no_file_name(tmp_path: Path) -> None:
    assert cache_path("https://example.org/", SHA, tmp_path) == tmp_path / f"{SHA}-download"


def shakespeare_config(
    make_config: Callable[..., PrepareConfig], url: str, sha256: str = SHA
) -> PrepareConfig:
    download = DownloadConfig(url=url, sha256=sha256, max_bytes=10_000, timeout_s=5.0)
    return make_config("shakespeare_char", download=download)


def test_prepare_shakespeare_downloads_once_then_skips_offline(
    server: LocalServer, opener: Opener, make_config: Callable[..., PrepareConfig]
) -> None:
    config = shakespeare_config(make_config, server.serve("/input.txt", BODY))

    first = prepare_dataset(config, opener=opener)
    server.stop()
    second = prepare_dataset(config, opener=opener)

    assert not first.skipped
    assert second.skipped
    assert first.vocab_size == len(set(TEXT))
    assert first.train_tokens + first.val_tokens == len(TEXT)
    meta = read_meta(config.data_dir)
    assert meta.dataset == "shakespeare_char"
    text = meta.tokenizer.decode(load_tokens(config.data_dir, "train").tolist())
    text += meta.tokenizer.decode(load_tokens(config.data_dir, "val").tolist())
    assert text == TEXT
    assert server.requests == ["/input.txt"]


def test_prepare_shakespeare_rejects_text_that_is_not_utf8(
    server: LocalServer, opener: Opener, make_config: Callable[..., PrepareConfig]
) -> None:
    body = b"caf\xe9\n" * 10
    url = server.serve("/latin1.txt", body)
    config = shakespeare_config(make_config, url, hashlib.sha256(body).hexdigest())

    with pytest.raises(DataError, match=r"latin1\.txt is not UTF-8 text .*offset 3"):
        prepare_dataset(config, opener=opener)

    assert not config.data_dir.exists()
