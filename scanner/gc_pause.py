"""Load big JSON documents without the cyclic garbage collector in the way.

``json.loads`` of a 1,000-cluster results file creates millions of dicts,
lists and strings; every allocation burst triggers a collection that walks
all of them and frees nothing (parsed JSON has no reference cycles).  With
the collector paused, parsing and building the model objects take half the
CPU.  Afterwards the loaded objects are frozen (moved out of the collector's
view): readers keep them until the process exits, and otherwise the first
collections after re-enabling would walk all of them again.  Frozen objects
are still freed by reference counting when dropped.

Rendering allocates millions of short-lived rows and strings, none in a
cycle; with a big result in memory each collection it triggers walks the
whole heap (HTML rows at 1,000 clusters: 0.61 s of CPU with the collector,
0.18 s without), so ``render`` runs with the collector paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside: for work that allocates many acyclic
    objects (rendering), which reference counting frees on its own."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def loading() -> Iterator[None]:
    """Paused, and what was loaded is frozen afterwards (see the module doc)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
