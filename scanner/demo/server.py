"""An embedded moto server on 127.0.0.1, for the demo and the end-to-end tests.

moto is an optional dependency (the ``demo`` extra): importing it is deferred
to ``start`` so ``aurora-scan --help`` works without it, and a missing moto is
reported as a user error with the install command.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from scanner.errors import UserInputError

INSTALL_HINT = "pip install 'aurora-scan[demo]'  (or: make demo, which sets up .venv itself)"


def require_moto() -> None:
    """Raise a UserInputError naming the extra to install when moto is missing."""
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise UserInputError(
            f"the demo needs moto, which is not installed ({exc.name or 'moto'} missing)",
            expected="the 'demo' extra: moto[server]",
            hint=INSTALL_HINT,
        ) from exc


class EmbeddedMoto:
    """A ThreadedMotoServer bound to 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self._server: Any = None
        self.endpoint_url = ""

    def start(self) -> str:
        require_moto()
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO; the demo's output is the summary.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        _, port = server.get_host_and_port()
        self._server = server
        self.endpoint_url = f"http://127.0.0.1:{port}"
        return self.endpoint_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> EmbeddedMoto:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
