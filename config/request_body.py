"""How a request body is framed, settled at the WSGI boundary before Django reads it.

Django reads exactly CONTENT_LENGTH bytes of a body. A body sent with
`Transfer-Encoding: chunked` has no length, so Django read nothing: a chunked CSV upload
was answered "created 0" and silently lost. gunicorn decodes chunked bodies and says so
with `wsgi.input_terminated`; such a body is spooled here (to disk past 1 MB, refused past
MEASUREMENT_UPLOAD_MAX_BYTES) and handed on with its length. A server that does not
decode them (runserver) gets 411, so nothing is ever lost in silence. A Content-Length
that is not a number of bytes is a 400 here, not a server error further in."""

import json
import tempfile

from django.conf import settings

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
                return _refuse(
                    environ,
                    start_response,
                    "411 Length Required",
                    "Chunked request bodies are not supported here: send a Content-Length.",
                )
            spooled = self._spool(environ["wsgi.input"])
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
