"""``chromagrid ui``: a browser page to check and steer a decode (boxes, colour scale, GCPs; the result at once).

A driver: it builds configs and calls :func:`chromagrid.pipeline.run`; only
:mod:`chromagrid.cli` imports it. See ``docs/ui.md``.

- :mod:`chromagrid.ui.session`: the figures, their configs, decodes and saving (plain Python);
- :mod:`chromagrid.ui.server`: the local HTTP server (127.0.0.1, token) and its routes;
- :mod:`chromagrid.ui.paths`: where the page may write;
- ``static/``: the page (HTML, CSS, JavaScript), served by the server, nothing fetched from elsewhere.
"""

from __future__ import annotations


def main(args) -> int:
    """Run ``chromagrid ui`` from parsed command-line arguments (see :func:`chromagrid.cli.build_parser`)."""
    from chromagrid.ui.server import make_session, serve

    session = make_session(args.figure, args.config, args.batch, args.allow or ())
    return serve(session, port=args.port, open_browser=not args.no_browser, verbose=args.verbose)
