"""`ssup serve`: the recruiter web page and the JSON API (needs the ``web`` extra)."""

from __future__ import annotations

import argparse
import errno
import importlib.util
import socket
import sys
from typing import Any

from .errors import SSUPError

WEB_MODULES = ("fastapi", "uvicorn", "python_multipart")


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `ssup` parser."""
    s = sub.add_parser("serve", help="recruiter web page and JSON API (pip install 'ssup-classifier[web]')")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--model", "-m", help="model directory (default: the bundled model)")
    s.set_defaults(func=_cmd_serve)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or an error that says what to do when the address is taken."""
    if not 0 < port < 65536:
        raise SSUPError(f"--port must be between 1 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise SSUPError(f"cannot resolve --host {host!r}; use an address such as 127.0.0.1") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise SSUPError(f"port {port} on {host} is already in use; stop the other server "
                            f"or pass another port, e.g. --port {port + 1 if port < 65535 else 8000}") from None
        raise SSUPError(f"cannot listen on {host}:{port} ({e.strerror}); try another --host or --port") from None
    sock.set_inheritable(True)
    return sock


def _cmd_serve(args: argparse.Namespace) -> int:
    missing = [m for m in WEB_MODULES if importlib.util.find_spec(m) is None
               and not (m == "python_multipart" and importlib.util.find_spec("multipart"))]
    if missing:
        raise SSUPError(f"the web page needs the web extra (missing: {', '.join(missing)}); install it with: "
                        "pip install \".[web]\" in a checkout, or pip install \"ssup-classifier[web]\"")
    import uvicorn

    from .web import create_app

    sock = bind(args.host, args.port)
    try:
        app = create_app(args.model)
        shown = f"[{args.host}]" if ":" in args.host else args.host
        print(f"ssup serve: open http://{shown}:{args.port}/ (API docs: /docs); Ctrl+C to stop", file=sys.stderr)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print("ssup serve: warning: listening beyond this machine, and the page has no login", file=sys.stderr)
        uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])
    finally:
        sock.close()
    return 0
