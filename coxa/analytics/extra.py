"""The analytics extra: the libraries only the analytics use, installed apart (issue 18).

``pip install 'coxa[analytics]'`` adds numpy, scipy, pyarrow, matplotlib and tqdm (about
430 MB); ``make run``, ``make test`` and the container image install it. Coxa's other pages,
its API and its commands never import them: the analytics modules that compute (``cohort``,
``extract``, ``summary``, ``plots``, ``report`` ...) import them at the top, and everything a
page, a task or a command reaches first (``views``, ``tasks``, ``selectors``, the
commands) imports those modules inside the function that needs them, after asking
``problem()``. Where the extra is missing the analytics page answers 503 and ``coxa
analytics`` exits 2, each with ``problem()``'s sentence.

Pure: no Django, and it imports none of the libraries (it only looks for them).
"""

import importlib.util

LIBRARIES = ("numpy", "scipy", "pyarrow", "matplotlib", "tqdm")
NEEDED = "Analytics needs Coxa's analytics extra: pip install 'coxa[analytics]'"


class ExtraMissing(RuntimeError):
    """The analytics extra is not installed; the message says how to install it."""


def _absent(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):  # a broken install, or a module with no spec
        return True


def missing() -> tuple[str, ...]:
    """The extra's libraries that cannot be found, in the order of ``LIBRARIES``."""
    return tuple(name for name in LIBRARIES if _absent(name))


def problem() -> str | None:
    """None when the extra is installed; else the sentence naming it and what is missing."""
    absent = missing()
    if not absent:
        return None
    verb = "is" if len(absent) == 1 else "are"
    return f"{NEEDED} ({', '.join(absent)} {verb} not installed)."


def require() -> None:
    """Raise ``ExtraMissing`` unless the extra is installed."""
    sentence = problem()
    if sentence is not None:
        raise ExtraMissing(sentence)
