"""Put judges (functions of the same name) in front of moto's backend methods: :func:`install`."""

from __future__ import annotations

from typing import Any


def install(judges: dict[type, tuple[Any, ...]], originals: dict[str, Any]) -> None:
    """
    Replace each backend method by the judge of its name, keeping what it replaced in ``originals``.

    Once per process: a module whose judge is in the chain already (it holds what that judge replaced)
    installs it no more, even when another module's judge of the same name now stands in front (a second
    ``MotoStack`` in the process); wrapping that one again would make the chain a loop. Judges installed
    later wrap the earlier ones (each calls ``originals[name]``), so every module's judges apply.
    """
    for backend, functions in judges.items():
        for judge in functions:
            if judge.__name__ not in originals and getattr(backend, judge.__name__) is not judge:
                originals[judge.__name__] = getattr(backend, judge.__name__)
                setattr(backend, judge.__name__, judge)
