"""Serve the seeded sample estate from a child process, for the end-to-end tests.

moto keeps its state in process-global backends, so a server seeded inside
the pytest worker would share (and disturb) the state of every other moto
test in that worker.  This script runs the embedded server, the seeder and
the gap helpers in its own process, prints one JSON line (the endpoint and the
estate's ARNs) and serves until its stdin is closed.

    python tests/e2e/estate_server.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict


def main() -> int:
    from scanner.demo.estate import isolated_aws_config
    from scanner.demo.gaps import seed_demo_estate
    from scanner.demo.server import EmbeddedMoto

    with isolated_aws_config(), EmbeddedMoto() as server:
        estate = seed_demo_estate(server.endpoint_url)
        sys.stdout.write(json.dumps(asdict(estate)) + "\n")
        sys.stdout.flush()
        sys.stdin.read()  # serve until the parent closes our stdin
    return 0


if __name__ == "__main__":
    sys.exit(main())
