"""The stack's own output: one line per message, prefixed with the component
(``[stack]``, ``[gateway]``, ``[poller]``, ``[scheduler]``), so it stands apart from the
functions' Powertools JSON lines (which carry ``"function"``)."""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


def say(component: str, message: str) -> None:
    with _lock:
        sys.stdout.write(f"[{component}] {message}\n")
        sys.stdout.flush()
