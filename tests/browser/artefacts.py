"""Where browser tests keep their screenshots, kept after the run (var/ is not in git)."""

import os
from pathlib import Path


def artefacts_root() -> Path:
    """$COXA_BROWSER_ARTEFACTS, else var/test-artefacts: a failed walk can be looked at later."""
    return Path(os.environ.get("COXA_BROWSER_ARTEFACTS") or "var/test-artefacts")
