"""A tiny SMTP server on 127.0.0.1 for fault tests: it can refuse every message with a
temporary error (451), drop the connection after accepting a message, or be stopped (the
port then refuses connections). Messages it accepted are kept in `received`."""

from __future__ import annotations

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        server: MailServer = self.server.owner
        self._say("220 test-smtp ready")
        data_lines: list[str] | None = None
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_lines is not None:
                if line == ".":
                    if server.mode == "tempfail":
                        data_lines = None
                        self._say("451 4.3.0 try again later")
                        continue
                    with server.lock:
                        server.received.append("\n".join(data_lines))
                    data_lines = None
                    self._say("250 2.0.0 queued")
                    if server.mode == "drop_after_accept":
                        return  # the client's QUIT meets a closed connection
                    continue
                data_lines.append(line[1:] if line.startswith("..") else line)
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 test-smtp")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._say("250 2.1.0 ok")
            elif verb == "DATA":
                data_lines = []
                self._say("354 end with .")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class MailServer:
    def __init__(self):
        self.mode = "ok"  # ok | tempfail | drop_after_accept
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.port = None
        self._server = None

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", self.port or 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
