"""How a request body is framed, settled at the WSGI boundary before Django reads it.

Django reads exactly CONTENT_LENGTH bytes of a body. A body sent with
`Transfer-Encoding: chunked` has no length, so Django read nothing: a chunked CSV upload
was answered "created 0" and silently lost. gunicorn decodes chunked bodies and says so
with `wsgi.input_terminated`; such a body is spooled here (to disk past 1 MB, refused past
MEASUREMENT_UPLOAD_MAX_BYTES) and handed on with its length. runserver does not decode
them (and hands Django a stream limited to 0 bytes): the chunks are decoded here from the
connection's own stream, so a chunked body (an empty PATCH from some clients, say) is read
as under gunicorn. A server that decodes nothing and exposes no stream gets 411, so nothing
is ever lost in silence; malformed chunk framing is a 400. A Content-Length that is not a
number of bytes is a 400 here, not a server error further in."""

import io
import json
import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream

SPOOL_IN_MEMORY = 1024 * 1024
CHUNK = 64 * 1024


def _refuse(environ, start_response, status: str, message: str):
    if environ.get("PATH_INFO", "").startswith("/api/"):
        body, content_type = json.dumps({"detail": message}).encode(), "application/json"
    else:
        body, content_type = message.encode(), "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class RequestBodyFraming:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = environ.get("CONTENT_LENGTH", "").strip()
        if chunked:
            if not environ.get("wsgi.input_terminated"):
                raw = _undecoded_stream(environ.get("wsgi.input"))
                if raw is not None:  # runserver: decode the chunks here
                    environ["wsgi.input"], environ["wsgi.input_terminated"] = ChunkedReader(raw), True
            if not environ.get("wsgi.input_terminated"):
                return _refuse(
                    environ,
                    start_response,
                    "411 Length Required",
                    "Chunked request bodies are not supported here: send a Content-Length.",
                )
            try:
                spooled = self._spool(environ["wsgi.input"])
            except ValueError:
                return _refuse(environ, start_response, "400 Bad Request", "The chunked body is malformed.")
            if spooled is None:
                limit = settings.MEASUREMENT_UPLOAD_MAX_BYTES
                return _refuse(
                    environ,
                    start_response,
                    "413 Request Entity Too Large",
                    f"The body is larger than {limit} bytes; split it.",
                )
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = spooled
        elif length and not length.isdigit():
            return _refuse(
                environ,
                start_response,
                "400 Bad Request",
                "The Content-Length header is not a number of bytes.",
            )
        return self.app(environ, start_response)

    @staticmethod
    def _spool(stream):
        """(file, length as text), or None when the body is over the limit."""
        limit = settings.MEASUREMENT_UPLOAD_MAX_BYTES
        # Not a context manager: the file outlives this call as the request's wsgi.input.
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        size = 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                spool.close()
                return None
            spool.write(chunk)
        spool.seek(0)
        return spool, str(size)


def _undecoded_stream(stream):
    """The connection's stream under Django's runserver: its handler wraps the socket file in
    a LimitedStream of CONTENT_LENGTH bytes (0 for a chunked body); None for any other server."""
    if isinstance(stream, LimitedStream) and stream.limit == 0:
        reader = getattr(stream._read, "__self__", None)
        if reader is not None and hasattr(reader, "readline"):
            return reader
    return None


class ChunkedReader(io.RawIOBase):
    """Decodes HTTP/1.1 chunked framing (RFC 9112 §7.1) from a raw stream: `read()` gives the
    body's bytes; bad framing raises ValueError. The trailer section is read and dropped."""

    MAX_LINE = 4096

    def __init__(self, raw):
        self._raw = raw
        self._left = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _line(self) -> bytes:
        line = self._raw.readline(self.MAX_LINE + 1)
        if not line.endswith(b"\n") or len(line) > self.MAX_LINE:
            raise ValueError("bad chunk line")
        return line.rstrip(b"\r\n")

    def _next_chunk(self) -> None:
        size_text = self._line().split(b";", 1)[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise ValueError("bad chunk size")
        self._left = int(size_text, 16)
        if self._left == 0:
            while self._line():  # trailer fields, up to the empty line
                pass
            self._done = True

    def readinto(self, buffer) -> int:
        if self._done:
            return 0
        if self._left == 0:
            self._next_chunk()
            if self._done:
                return 0
        data = self._raw.read(min(len(buffer), self._left))
        if not data:
            raise ValueError("chunked body cut short")
        buffer[: len(data)] = data
        self._left -= len(data)
        if self._left == 0 and self._raw.read(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
        return len(data)
