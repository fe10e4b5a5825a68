"""A service's licensed wording and value set, checked against the shipped structure. Pure.

Coxa ships the Oxford Hip Score and EQ-5D-5L as structure only (item codes, answer values,
scoring: ``catalogue/data/instruments.yaml``). A service that holds a licence loads the
wording (each item's text, each answer's label) and, for an instrument scored by a value set,
the value set, from its own file (format: docs/outcomes/licensed-instruments.md). The file is
refused, naming every problem, unless it matches the structure exactly: the same items, the
same answer values, a label for each answer, and for a value set one index per possible
profile, each within the score's range, 11111 scoring the top of the range and no profile
scoring above one that is better on some dimension and no worse on any (value sets are
anchored at full health = 1 and are monotone: EuroQol, clinical-facts §4).
"""

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coxa.catalogue.schema_instruments import Instrument

# An item with more answers than this is a scale (the EQ VAS, 0 to 100): its text describes
# the ends, and its answers need no label each.
SCALE_ABOVE = 11
MAX_PROBLEMS = 20  # a file wrong everywhere is named by its first problems, not thousands


class LicenceFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class Wording:
    text: str
    labels: Mapping[int, str]  # answer value -> label (empty for a scale)


@dataclass(frozen=True, slots=True)
class Licensed:
    """What a service loaded for one instrument."""

    instrument: str
    licence: str  # the service's own note of its licence (reference, holder)
    items: Mapping[str, Wording]
    value_set_name: str
    value_set: Mapping[str, float]  # profile -> index; empty unless scored by a value set

    def as_json(self) -> dict[str, Any]:
        return {
            "items": {
                code: {"text": w.text, "labels": {str(v): t for v, t in w.labels.items()}}
                for code, w in self.items.items()
            },
            "value_set_name": self.value_set_name,
            "value_set": dict(self.value_set),
        }

    @classmethod
    def from_json(cls, instrument: str, licence: str, data: Mapping[str, Any]) -> "Licensed":
        return cls(
            instrument=instrument,
            licence=licence,
            items={
                code: Wording(w["text"], {int(v): t for v, t in w["labels"].items()})
                for code, w in data["items"].items()
            },
            value_set_name=data.get("value_set_name", ""),
            value_set=dict(data.get("value_set", {})),
        )


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _item(instrument: Instrument, raw: object, problems: list[str]) -> tuple[str, Wording] | None:
    if not isinstance(raw, dict):
        problems.append("each item must be a mapping with code, text and options")
        return None
    code = raw.get("code")
    shipped = {i.code: i for i in instrument.items}.get(str(code))
    if shipped is None:
        problems.append(
            f"item {code!r} is not an item of {instrument.code} "
            f"(its items are {', '.join(i.code for i in instrument.items)})"
        )
        return None
    text = _text(raw.get("text"))
    if text is None:
        problems.append(f"item {code}: give its text")
    options = raw.get("options", [])
    if not isinstance(options, list):
        problems.append(f"item {code}: options must be a list")
        return None
    expected = [o.value for o in shipped.options]
    scale = len(expected) > SCALE_ABOVE
    labels: dict[int, str] = {}
    for option in options:
        value = option.get("value") if isinstance(option, dict) else None
        label = _text(option.get("label")) if isinstance(option, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value not in expected:
            problems.append(
                f"item {code}: answer value {value!r} is not one of "
                f"{', '.join(str(v) for v in expected)}"
            )
        elif value in labels:
            problems.append(f"item {code}: answer value {value} appears twice")
        elif label is None:
            problems.append(f"item {code}: answer value {value} needs its label")
        else:
            labels[value] = label
    missing = [v for v in expected if v not in labels]
    if missing and not (scale and not labels):
        problems.append(
            f"item {code}: no label for answer value(s) {', '.join(str(v) for v in missing)}"
        )
    return shipped.code, Wording(text or "", labels)


def _profiles(instrument: Instrument) -> list[str]:
    scored = {i.code: i for i in instrument.items}
    levels = [[str(o.value) for o in scored[c].options] for c in instrument.scored_items]
    return ["".join(p) for p in itertools.product(*levels)]


def _monotone_problems(instrument: Instrument, values: Mapping[str, float]) -> list[str]:
    """A profile worse on one dimension (the next level up) never scores higher."""
    problems = []
    for profile, index in values.items():
        for position, digit in enumerate(profile):
            worse = profile[:position] + str(int(digit) + 1) + profile[position + 1 :]
            if worse in values and values[worse] > index:
                problems.append(
                    f"value set: {worse} scores {values[worse]} but the better profile "
                    f"{profile} scores {index}"
                )
    return problems


def _value_set(
    instrument: Instrument, raw: object, problems: list[str]
) -> tuple[str, dict[str, float]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), dict):
        problems.append("value_set: give its name and values (profile: index)")
        return "", {}
    name = _text(raw.get("name")) or ""
    if not name:
        problems.append("value_set: give its name (whose value set, which version)")
    given = {str(k): v for k, v in raw["values"].items()}
    expected = _profiles(instrument)
    wanted = set(expected)
    unknown = sorted(set(given) - wanted)
    missing = [p for p in expected if p not in given]
    if len(given) != len(expected) or unknown or missing:
        problems.append(
            f"value_set: {len(given)} profiles given, {len(expected)} expected"
            + (f"; not profiles: {', '.join(unknown[:5])}" if unknown else "")
            + (f"; missing: {', '.join(missing[:5])}" if missing else "")
        )
    low, high = instrument.scoring.low, instrument.scoring.high
    values: dict[str, float] = {}
    for profile, index in given.items():
        if profile not in wanted:
            continue
        if isinstance(index, bool) or not isinstance(index, int | float):
            problems.append(f"value_set: {profile} has {index!r}, not a number")
        elif not low <= index <= high:
            problems.append(f"value_set: {profile} scores {index}, outside {low} to {high}")
        else:
            values[profile] = float(index)
    best = expected[0]
    if best in values and values[best] != high:
        problems.append(f"value_set: {best} (full health) must score {high}, not {values[best]}")
    problems += _monotone_problems(instrument, values)
    return name, values


def _items(instrument: Instrument, raw_items: object, problems: list[str]) -> dict[str, Wording]:
    items: dict[str, Wording] = {}
    if not isinstance(raw_items, list):
        problems.append("items: give a list of the instrument's items")
        raw_items = []
    for raw in raw_items:
        found = _item(instrument, raw, problems)
        if found is None:
            continue
        if found[0] in items:
            problems.append(f"item {found[0]} appears twice")
        items[found[0]] = found[1]
    missing = [i.code for i in instrument.items if i.code not in items]
    if missing:
        problems.append(f"items missing: {', '.join(missing)}")
    return items


def check_licence_file(instrument: Instrument, data: object) -> Licensed:
    """The wording (and value set) in ``data``; raise LicenceFileError naming every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise LicenceFileError(["the file must be a mapping (instrument, licence, items ...)"])
    if not instrument.licensed:
        raise LicenceFileError([f"{instrument.code} is not licensed: its wording ships with Coxa"])
    allowed = {"instrument", "licence", "items", "value_set"}
    problems += [f"unknown key {k!r}" for k in sorted(set(data) - allowed)]
    licence = _text(data.get("licence"))
    if licence is None:
        problems.append("licence: say whose licence this is (holder and reference)")
    items = _items(instrument, data.get("items"), problems)
    name, values = "", dict[str, float]()
    if instrument.scoring.method == "value-set":
        name, values = _value_set(instrument, data.get("value_set"), problems)
    elif "value_set" in data:
        problems.append(f"value_set: {instrument.code} is not scored by a value set")
    if problems:
        raise LicenceFileError(problems[:MAX_PROBLEMS])
    ordered = {i.code: items[i.code] for i in instrument.items}
    return Licensed(instrument.code, licence or "", ordered, name, values)
