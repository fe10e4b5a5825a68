"""The hazard log (docs/safety/hazard-log.md) names tests that exist, for every hazard."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
HAZARD = re.compile(r"^## (H\d{2}) · (.+)$", re.M)
TEST = re.compile(r"`([\w/.-]+\.py)::(\w+)`")
FIELDS = ("**Cause:**", "**Effect:**", "**Severity:**", "**Likelihood:**", "**Controls:**")


def hazards(text: str) -> dict[str, str]:
    """Each hazard's id and its section of the log."""
    found = list(HAZARD.finditer(text))
    sections = {}
    for match, following in zip(found, [*found[1:], None], strict=True):
        end = following.start() if following else text.find("\n## Known residual", match.end())
        sections[match.group(1)] = text[match.start() : end if end != -1 else None]
    return sections


def defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def absent_tests(text: str) -> list[str]:
    """The tests a log names that do not exist, as "hazard: path::name"."""
    absent = []
    for hazard, section in hazards(text).items():
        for path, name in TEST.findall(section):
            file = ROOT / path
            if not file.exists() or name not in defined(file):
                absent.append(f"{hazard}: {path}::{name}")
    return absent


def test_hazard_ids_are_unique_and_in_order():
    numbers = [int(i[1:]) for i, _ in HAZARD.findall(LOG.read_text())]
    assert numbers == list(range(1, len(numbers) + 1))


def test_every_hazard_has_its_fields_and_a_test():
    for hazard, section in hazards(LOG.read_text()).items():
        missing = [f for f in FIELDS if f not in section]
        assert not missing, f"{hazard} lacks {missing}"
        assert TEST.search(section), f"{hazard} names no test"


def test_every_test_the_log_names_exists():
    assert absent_tests(LOG.read_text()) == [], "the hazard log names tests that do not exist"


def test_the_check_fails_on_a_test_that_does_not_exist():
    log = (
        "## H01 · x\n\n- **Tests:**\n"
        "  - `coxa/surgery/tests/test_safety.py::test_that_was_never_written`\n"
        "  - `coxa/surgery/tests/no_such_file.py::test_x`\n"
        "  - `coxa/surgery/tests/test_safety.py::test_h09_a_bhr_note_for_a_woman_is_refused`\n"
    )
    assert absent_tests(log) == [
        "H01: coxa/surgery/tests/test_safety.py::test_that_was_never_written",
        "H01: coxa/surgery/tests/no_such_file.py::test_x",
    ]
