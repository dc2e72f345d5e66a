"""The page's server: the standard library's ``ThreadingHTTPServer`` on 127.0.0.1, guarded by a token.

Why this stack: the page is one local user's tool. ``http.server`` adds no dependency
and nothing to install or build; the page is plain HTML, CSS and JavaScript shipped as
package data (``chromagrid/ui/static``), every file served from here (no CDN). An ASGI
stack (starlette + uvicorn) would add two dependencies for what a dozen JSON routes
need; Panel/Bokeh would add a large one and its own JavaScript bundle.

Rules, as Jupyter's server has them:

- bound to 127.0.0.1 only, on a free port;
- a random token on every request (``?token=`` or the ``X-Chromagrid-Token`` header), else 403;
  the ``Host`` header must name the loopback address (no DNS rebinding);
- it serves only the figures it was started with and downloads only the files it wrote;
  writes go only inside the working folder or to what the command line named
  (:class:`chromagrid.ui.paths.PathPolicy`);
- request bodies above :data:`MAX_BODY` bytes are refused (413);
- errors go back as the pipeline's one-line message (JSON ``error``, and ``field``: where on the page).
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import secrets
import sys
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from chromagrid.errors import ChromagridError
from chromagrid.ui import session as ui

#: Largest request body accepted (a config, a GCP table, a .points file), in bytes.
MAX_BODY = 2 * 1024 * 1024
#: The files of the page (package data), by the name the page asks for.
STATIC_FILES = ("index.html", "app.js", "app.css")


def static_file(name: str) -> bytes:
    """One of :data:`STATIC_FILES` from the package."""
    return resources.files("chromagrid.ui").joinpath("static", name).read_bytes()


class Refused(Exception):
    """A request the server turns down with an HTTP status and a one-line reason."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


def _int(query: dict, key: str) -> int:
    try:
        return int(query[key][0])
    except (KeyError, IndexError, ValueError):
        raise Refused(HTTPStatus.BAD_REQUEST, f"{key}: give a whole number") from None


class Handler(BaseHTTPRequestHandler):
    """Routes of the page (see the module docstring); ``server.session`` and ``server.token`` hold the state."""

    server_version = "chromagrid-ui"
    protocol_version = "HTTP/1.1"
    server: Server

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data, status: int = 200) -> None:
        self._send(status, json.dumps(data, allow_nan=False).encode("utf-8"), "application/json")

    def _error(self, status: int, message: str, field: str = "general") -> None:
        self._json({"error": message, "field": field}, status)

    def _check(self) -> tuple[str, dict]:
        """The route and query of an allowed request; refuses a wrong host or a missing token."""
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost"):
            raise Refused(HTTPStatus.FORBIDDEN, f"host {host or '(none)'}: open the page at 127.0.0.1")
        given = (query.get("token") or [""])[0] or self.headers.get("X-Chromagrid-Token", "")
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            raise Refused(HTTPStatus.FORBIDDEN, "the token is missing or wrong: open the address chromagrid ui printed")
        return url.path, query

    def _body(self) -> dict:
        length = self.headers.get("Content-Length")
        if length is None:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a request body needs its Content-Length")
        try:
            n = int(length)
        except ValueError:
            raise Refused(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from None
        if n > MAX_BODY:
            self._discard(min(n, 4 * MAX_BODY))  # so the client reads the answer, not a reset; beyond that, cut off
            self.close_connection = True
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body of {n} bytes: at most {MAX_BODY}")
        try:
            data = json.loads(self.rfile.read(n) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Refused(HTTPStatus.BAD_REQUEST, "the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Refused(HTTPStatus.BAD_REQUEST, "the request body must be a JSON object")
        return data

    def _discard(self, n: int) -> None:
        """Read and drop ``n`` bytes of the request body."""
        while n > 0:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                return
            n -= len(chunk)

    def _handle(self, routes: dict) -> None:
        try:
            path, query = self._check()
            route = routes.get(path)
            if route is None:
                raise Refused(HTTPStatus.NOT_FOUND, f"{path}: no such page")
            route(query)
        except Refused as e:
            if self.command == "POST" and e.status == HTTPStatus.FORBIDDEN:
                self.close_connection = True  # the body was not read
            self._error(e.status, str(e))
        except ChromagridError as e:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(e), ui.error_field(str(e)))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # a bug: the page gets one line, the terminal the traceback
            traceback.print_exc(file=sys.stderr)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(e).__name__}: {e}); see the terminal")

    def do_GET(self):  # noqa: N802  (the base class's name)
        self._handle(
            {
                "/": self.page,
                "/index.html": self.page,
                "/static/app.js": lambda q: self.static("app.js"),
                "/static/app.css": lambda q: self.static("app.css"),
                "/api/state": self.state,
                "/api/image": self.image,
                "/api/colormaps": self.colormaps,
                "/api/strip": self.strip,
                "/api/layer": self.layer,
                "/api/probe": self.probe,
                "/api/download": self.download,
            }
        )

    do_HEAD = do_GET

    def do_POST(self):  # noqa: N802
        self._handle(
            {
                "/api/decode": self.decode,
                "/api/rank": self.rank,
                "/api/gcps": self.gcps,
                "/api/points/import": self.points_import,
                "/api/points/export": self.points_export,
                "/api/save": self.save,
            }
        )

    # ------------------------------------------------------------------ routes
    def page(self, query):
        html = static_file("index.html").decode("utf-8").replace("{{TOKEN}}", self.server.token)
        self._send(200, html.encode("utf-8"), "text/html; charset=utf-8")

    def static(self, name: str):
        types = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
        self._send(200, static_file(name), types[name.rsplit(".", 1)[1]])

    def state(self, query):
        self._json(self.server.session.state(_int(query, "i")))

    def image(self, query):
        """The figure itself: its own bytes when a browser shows them (PNG, JPEG), else converted to PNG."""
        i = _int(query, "i")
        path = self.server.session.figure(i).path
        kind = mimetypes.guess_type(path.name)[0]
        if kind in ("image/png", "image/jpeg", "image/gif", "image/webp"):
            self._send(200, path.read_bytes(), kind)
        else:
            self._send(200, ui.png_bytes(self.server.session.image(i).rgb), "image/png")

    def colormaps(self, query):
        self._json({"names": list(ui.colormap_names())})

    def strip(self, query):
        name = (query.get("name") or [""])[0]
        n = int(query["n"][0]) if query.get("n") and query["n"][0].isdigit() else None
        from chromagrid.scale.colorscale import resolve_colormap

        resolve_colormap(name, n)  # an unknown name: ChromagridError with the nearest names
        self._send(200, ui.colormap_strip(name, n if n and n >= 2 else None), "image/png")

    def layer(self, query):
        view = self.server.session.view(_int(query, "i"))
        self._send(200, ui.layer_png(view, (query.get("kind") or ["value"])[0]), "image/png")

    def probe(self, query):
        view = self.server.session.view(_int(query, "i"))
        self._json({**ui.probe(view, _int(query, "x"), _int(query, "y")), "version": view.version})

    def download(self, query):
        path = self.server.session.policy.downloadable((query.get("path") or [""])[0])
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(200, path.read_bytes(), kind, {"Content-Disposition": f'attachment; filename="{path.name}"'})

    def decode(self, query):
        body = self._body()
        self._json(self.server.session.decode(int(body.get("i", 0)), body.get("config") or {}))

    def rank(self, query):
        body = self._body()
        matches = self.server.session.rank(int(body.get("i", 0)), body.get("box"), body.get("colorbar_box"))
        self._json({"matches": matches})

    def gcps(self, query):
        body = self._body()
        self._json(ui.gcp_table(body.get("gcps") or [], body.get("transform") or "polynomial1"))

    def points_import(self, query):
        body = self._body()
        self._json(ui.import_points(str(body.get("text") or ""), str(body.get("name") or ".points")))

    def points_export(self, query):
        body = self._body()
        text = ui.export_points(body.get("gcps") or [], body.get("transform"), body.get("crs"))
        self._json({"text": text})

    def save(self, query):
        body = self._body()
        s = self.server.session
        written = s.save(
            int(body.get("i", 0)),
            body.get("config") or {},
            str(body.get("config_path") or ""),
            body.get("outputs") or [],
        )
        self._json({"written": [{"path": ui.relative_to(p, s.policy.root), "absolute": str(p)} for p in written]})


class Server(ThreadingHTTPServer):
    """A :class:`ThreadingHTTPServer` holding the session and the token."""

    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, session: ui.Session, port: int = 0, token: str | None = None, verbose: bool = False):
        super().__init__(("127.0.0.1", port), Handler)
        self.session = session
        self.token = token or secrets.token_urlsafe(24)
        self.verbose = verbose

    @property
    def url(self) -> str:
        """The address to open, token included."""
        return f"http://127.0.0.1:{self.server_address[1]}/?token={self.token}"


def make_session(
    figure: str | None = None,
    config: str | None = None,
    batch: str | None = None,
    allow=(),
    root: str | Path = ".",
) -> ui.Session:
    """The session for ``chromagrid ui``: one figure, one config, or a batch's figures.

    Parameters
    ----------
    figure : path, optional
        A figure, decoded from what detection finds.
    config : path, optional
        A decode config to start from (its figure is ``input`` unless ``figure`` is given); saving writes it back.
    batch : path, optional
        A batch config: the page steps through its figures.
    allow : sequence of paths
        Folders outside ``root`` that saving may write to.
    root : path
        The working folder.
    """
    from chromagrid.errors import ConfigError

    root = Path(root).resolve()
    if sum(x is not None for x in (config, batch)) > 1 or (batch is not None and figure is not None):
        raise ConfigError("give a figure (optionally with --config), or --batch FILE alone")
    files, folders = [], list(allow)
    if batch is not None:
        figures = ui.figures_from_batch(batch, root)
        folders.append(Path(batch).resolve().parent)
    elif config is not None:
        fig = ui.figure_from_config(config, root)
        if figure is not None:
            fig.path = Path(figure).resolve()
        figures = [fig]
        files.append(config)
    elif figure is not None:
        figures = [ui.figure_from_image(figure, root)]
    else:
        raise ConfigError("chromagrid ui: give a figure, --config FILE or --batch FILE")
    return ui.Session(figures, ui.PathPolicy.create(root, folders, files))


def _has_display() -> bool:
    import os

    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def serve(session: ui.Session, port: int = 0, open_browser: bool = True, verbose: bool = False, out=None) -> int:
    """Serve the page until Ctrl-C; prints the address (with its token) first.

    Returns
    -------
    int
        The exit status (0 after Ctrl-C).
    """
    out = out or sys.stdout
    server = Server(session, port, verbose=verbose)
    print(f"chromagrid ui: serving {len(session.figures)} figure(s) at {server.url}", file=out, flush=True)
    print("chromagrid ui: press Ctrl-C to stop", file=out, flush=True)
    if open_browser and _has_display():
        import webbrowser

        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("chromagrid ui: stopped", file=out, flush=True)
    finally:
        server.server_close()
    return 0
