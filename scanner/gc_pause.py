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
from contextlib import AbstractContextManager, contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """No cyclic collection inside: for work that allocates many acyclic
    objects (evaluation, rendering), which reference counting frees on its own.

    Re-enabling is not free either: the first allocation afterwards makes the
    collector walk every object allocated meanwhile (1.6 s of CPU after an
    evaluation at 10,000 clusters).  ``freeze=True`` is for a caller whose
    objects live until the process exits (the CLI's result, a file just
    loaded): they move out of the collector's view, so that walk never happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


def loading() -> AbstractContextManager[None]:
    """Paused, and what was loaded is frozen afterwards (see the module doc)."""
    return paused(freeze=True)
