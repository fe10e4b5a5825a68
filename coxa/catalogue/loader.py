"""Load, check and freeze the catalogue. Every problem in every file is reported at once.

Four layers: YAML syntax (a safe loader only; libyaml's, 8 times faster, where PyYAML has it),
shape (schema.py, strict), references (sources, fallback procedures, thresholds the rules need,
codes, units) and clinical invariants (phases, thresholds in order; metal-on-metal surveilled).
"""

import functools
import hashlib
import importlib.resources
import json
from collections.abc import Iterator
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coxa.catalogue.schema import Catalogue, CatalogueFile, Procedure
from coxa.catalogue.schema_complications import ComplicationsFile
from coxa.catalogue.schema_endpoints import EndpointsFile
from coxa.catalogue.schema_instruments import InstrumentsFile
from coxa.catalogue.schema_reviews import ReviewsFile
from coxa.catalogue.schema_surveillance import SurveillanceFile
from coxa.terminology.codes import Use, drug_class_of, find
from coxa.terminology.units import MEASUREMENTS, UNITS, ObservationCode

M = TypeVar("M", bound=BaseModel)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Thresholds the decision rules read; a catalogue without any of them is refused.
REQUIRED_THRESHOLDS = (
    "bmi-postpone",
    "systolic-proceed-below",
    "diastolic-proceed-below",
    "haemoglobin-male-anaemia-below",
    "haemoglobin-female-anaemia-below",
    "haemoglobin-any-sex-anaemia-below",
    "hba1c-proceed-below",
    "smoking-stop-weeks",
    "bhr-head-contraindicated-at-or-below",
    "bhr-head-downsizing-only",
    "bhr-head-downsizing-from",
    "bhr-age-caution-from",
    "egfr-contraindicated-below",
    "egfr-caution-below",
    "kerboul-low-risk-at-or-below",
    "kerboul-high-risk-from",
)
# Thresholds the rules compare with a measurement: each must be in the unit Coxa stores it in.
MEASURED_THRESHOLDS: dict[str, ObservationCode] = {
    "bmi-postpone": "bmi",
    "systolic-proceed-below": "systolic_bp",
    "diastolic-proceed-below": "diastolic_bp",
    "haemoglobin-male-anaemia-below": "haemoglobin",
    "haemoglobin-female-anaemia-below": "haemoglobin",
    "haemoglobin-any-sex-anaemia-below": "haemoglobin",
    "hba1c-proceed-below": "hba1c",
    "egfr-contraindicated-below": "egfr",
    "egfr-caution-below": "egfr",
}
# Pairs that must keep their order: (lower, higher).
ORDERED_THRESHOLDS = (
    ("egfr-contraindicated-below", "egfr-caution-below"),
    ("kerboul-low-risk-at-or-below", "kerboul-high-risk-from"),
    ("bhr-head-contraindicated-at-or-below", "bhr-head-downsizing-only"),
    ("bhr-head-downsizing-only", "bhr-head-downsizing-from"),
    ("diastolic-proceed-below", "systolic-proceed-below"),
)


class CatalogueError(Exception):
    """The catalogue is broken; ``problems`` lists every fault found, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the catalogue:\n" + "\n".join(problems))
        self.problems = tuple(problems)


def _read(file: Traversable, problems: list[str]) -> Any:
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506, TID251
    except yaml.YAMLError as error:
        problems.append(f"{file.name}: not valid YAML: {error}")
        return None


def _shape(model: type[M], data: Any, where: str, problems: list[str]) -> M | None:
    # Through JSON, so that strict mode takes YAML lists as tuples and dates as ISO text.
    try:
        return model.model_validate_json(json.dumps(data, default=str))
    except ValidationError as error:
        for fault in error.errors():
            location = ".".join(str(part) for part in fault["loc"]) or "(top)"
            problems.append(f"{where}: {location}: {fault['msg']}")
        return None


def _source_ids(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (where, source id) cited anywhere under ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            cited = isinstance(item, list | tuple) and all(isinstance(i, str) for i in item)
            if key.endswith("sources") and cited:
                for source in item:
                    yield here, source
            else:
                yield from _source_ids(item, here)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _source_ids(item, f"{path}[{index}]")


def _check_thresholds(meta: CatalogueFile, problems: list[str]) -> None:
    problems.extend(
        f"catalogue.yaml: thresholds: {key} is missing (a rule reads it)"
        for key in REQUIRED_THRESHOLDS
        if key not in meta.thresholds
    )
    for lower, higher in ORDERED_THRESHOLDS:
        low, high = meta.thresholds.get(lower), meta.thresholds.get(higher)
        if low and high and not low.value < high.value:
            problems.append(f"catalogue.yaml: thresholds: {lower} must be below {higher}")


def _check_stops(meta: CatalogueFile, problems: list[str]) -> None:
    known = {m.atc: m for m in meta.medicines}
    if len(known) != len(meta.medicines):
        problems.append("catalogue.yaml: medicines: an ATC code appears twice")
    seen: set[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = set()
    for stop in meta.medication_stops:
        key = (stop.drug_class, stop.policy, stop.atc, stop.procedures)
        pair = (stop.drug_class, stop.policy)
        if key in seen:
            problems.append(f"catalogue.yaml: medication_stops: {pair} {stop.atc} appears twice")
        seen.add(key)
        if stop.action == "stop" and stop.days_before is None:
            problems.append(f"catalogue.yaml: medication_stops: {pair} stops with no days_before")
        for code in stop.atc:
            medicine = known.get(code)
            if medicine is None:
                problems.append(
                    f"catalogue.yaml: medication_stops: {pair}: unknown medicine {code}"
                )
            elif medicine.drug_class != stop.drug_class:
                problems.append(
                    f"catalogue.yaml: medication_stops: {pair}: {code} ({medicine.name}) is "
                    f"{medicine.drug_class}, not {stop.drug_class}"
                )
    problems.extend(
        f"catalogue.yaml: medication_stops: no advice for {drug_class} under {policy}"
        for drug_class in ("antiplatelet", "nsaid", "anticoagulant")
        for policy in ("source-page", "current-guidance")
        if (drug_class, policy, (), ()) not in seen
    )


def _check_pairing(meta: CatalogueFile, problems: list[str]) -> None:
    stocked = meta.settings.bhr_stocked_sizes_mm
    femoral, acetabular = stocked.get("femoral"), stocked.get("acetabular")
    heads = [p.head for p in meta.settings.bhr_cups_for_head_mm]
    if len(set(heads)) != len(heads):
        problems.append("catalogue.yaml: settings.bhr_cups_for_head_mm: a head appears twice")
    for pairing in meta.settings.bhr_cups_for_head_mm:
        if femoral and not femoral.low <= pairing.head <= femoral.high:
            problems.append(
                f"catalogue.yaml: settings.bhr_cups_for_head_mm: head {pairing.head:g} mm is "
                "not a stocked femoral size"
            )
        problems.extend(
            f"catalogue.yaml: settings.bhr_cups_for_head_mm: cup {cup:g} mm (head "
            f"{pairing.head:g}) is not a stocked acetabular size"
            for cup in pairing.cups
            if acetabular and not acetabular.low <= cup <= acetabular.high
        )


# Requirements every procedure needs, so that every fact the rules read has a validity.
NEEDED_REQUIREMENTS = (
    "physical-examination",
    "blood-tests",
    "blood-pressure",
    "bmi",
    "smoking-status",
    "medication-review",
)
IMAGING_REQUIREMENTS = ("hip-imaging", "hip-mri")


def _check_procedure(procedure: Procedure, codes: set[str], problems: list[str]) -> None:
    where = f"procedures/{procedure.code}.yaml"
    if procedure.converts_to is not None and procedure.converts_to not in codes:
        problems.append(f"{where}: converts_to: unknown procedure {procedure.converts_to}")
    if procedure.converts_to == procedure.code:
        problems.append(f"{where}: converts_to: a procedure cannot convert to itself")
    problems.extend(
        f"{where}: alternatives.{a.code}: unknown procedure {a.procedure}"
        for a in procedure.alternatives
        if a.procedure is not None and a.procedure not in codes
    )
    previous_end = 0
    for phase in procedure.recovery.phases:
        if not phase.start_day < phase.end_day_min <= phase.end_day_max:
            problems.append(
                f"{where}: recovery.phases.{phase.code}: needs start_day < end_day_min <= "
                "end_day_max"
            )
        if phase.start_day < previous_end:
            problems.append(
                f"{where}: recovery.phases.{phase.code}: starts on day {phase.start_day}, "
                f"before the previous phase ends (day {previous_end})"
            )
        previous_end = phase.end_day_max
    codes_held = {r.code for r in procedure.requirements}
    problems.extend(
        f"{where}: requirements: {code} is missing (its facts would have no validity)"
        for code in NEEDED_REQUIREMENTS
        if code not in codes_held
    )
    if not codes_held & set(IMAGING_REQUIREMENTS):
        problems.append(
            f"{where}: requirements: needs one of {', '.join(IMAGING_REQUIREMENTS)} "
            "(imaging would never expire)"
        )
    if (procedure.bearing == "metal-on-metal") != (procedure.surveillance is not None):
        problems.append(
            f"{where}: surveillance: required for metal-on-metal bearings, and only for them"
        )


def _content_hash(files: list[Traversable]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _read_procedures(
    files: list[Traversable], raw: dict[str, Any], problems: list[str]
) -> dict[str, Procedure]:
    procedures: dict[str, Procedure] = {}
    for file in files:
        where = f"procedures/{file.name}"
        raw[where] = _read(file, problems)
        procedure = _shape(Procedure, raw[where], where, problems)
        if procedure is None:
            continue
        if f"{procedure.code}.yaml" != file.name:
            problems.append(f"{where}: code {procedure.code} must match the file name")
        procedures[procedure.code] = procedure
    return procedures


def _check_terminology(
    meta: CatalogueFile, procedures: dict[str, Procedure], problems: list[str]
) -> None:
    """Codes and units are Coxa's terminology's (coxa/terminology): known, and agreeing."""
    problems.extend(
        f"catalogue.yaml: thresholds: {key}: {t.unit!r} is not a UCUM unit Coxa knows"
        for key, t in meta.thresholds.items()
        if t.unit not in UNITS
    )
    problems.extend(
        f"catalogue.yaml: thresholds: {key}: {t.unit!r} is not {code}'s unit "
        f"{MEASUREMENTS[code].unit!r}, in which its values are stored"
        for key, code in MEASURED_THRESHOLDS.items()
        if (t := meta.thresholds.get(key)) is not None and t.unit != MEASUREMENTS[code].unit
    )
    problems.extend(
        f"catalogue.yaml: medicines: {m.atc} ({m.name}) is in the ATC group of "
        f"{drug_class_of(m.atc)} medicines, not {m.drug_class}"
        for m in meta.medicines
        if drug_class_of(m.atc) != m.drug_class
    )
    for procedure in procedures.values():
        for coding in procedure.codings:
            known = find(coding.system, coding.code, Use.PROCEDURE)
            if known is None or known.means != procedure.code or known.group:
                problems.append(
                    f"procedures/{procedure.code}.yaml: codings: {coding.code} ({coding.system})"
                    " is not this procedure's code in coxa/terminology/codes.py"
                )
            elif known.display != coding.display:
                problems.append(
                    f"procedures/{procedure.code}.yaml: codings: {coding.code} is displayed "
                    f"{known.display!r}"
                )


def _check_sources(meta: CatalogueFile, raw: dict[str, Any], problems: list[str]) -> None:
    known = {s.id for s in meta.sources}
    problems.extend(
        f"{where}: {path}: unknown source {source}"
        for where, data in raw.items()
        for path, source in _source_ids(data)
        if source not in known
    )


# The catalogue's files beside catalogue.yaml and the procedures, each with its shape.
SIDE_FILES: dict[str, type[BaseModel]] = {
    "instruments.yaml": InstrumentsFile,
    "reviews.yaml": ReviewsFile,
    "complications.yaml": ComplicationsFile,
    "endpoints.yaml": EndpointsFile,
    "surveillance.yaml": SurveillanceFile,
}


def _side(root: Traversable, model: type[M], raw: dict[str, Any], problems: list[str]) -> M | None:
    """Read and shape one of the SIDE_FILES, keeping its raw data for the source checks."""
    name = next(n for n, m in SIDE_FILES.items() if m is model)
    raw[name] = _read(root / name, problems)
    return _shape(model, raw[name], name, problems)


def load_catalogue(root: Traversable) -> Catalogue:
    """Read ``root`` (catalogue.yaml and procedures/*.yaml); raise CatalogueError if broken."""
    problems: list[str] = []
    meta_file = root / "catalogue.yaml"
    raw: dict[str, Any] = {"catalogue.yaml": _read(meta_file, problems)}
    meta = _shape(CatalogueFile, raw["catalogue.yaml"], "catalogue.yaml", problems)
    procedure_files = sorted(
        (f for f in (root / "procedures").iterdir() if f.name.endswith(".yaml")),
        key=lambda f: f.name,
    )
    procedures = _read_procedures(procedure_files, raw, problems)
    files = [meta_file, *(root / name for name in SIDE_FILES)]
    instruments = _side(root, InstrumentsFile, raw, problems)
    reviews = _side(root, ReviewsFile, raw, problems)
    complications = _side(root, ComplicationsFile, raw, problems)
    endpoints = _side(root, EndpointsFile, raw, problems)
    surveillance = _side(root, SurveillanceFile, raw, problems)
    if meta is not None:
        _check_thresholds(meta, problems)
        _check_stops(meta, problems)
        _check_pairing(meta, problems)
        _check_sources(meta, raw, problems)
        _check_terminology(meta, procedures, problems)
    # Files that failed their shape still declare their code, so references to them stand.
    declared = set(procedures) | {f.name.removesuffix(".yaml") for f in procedure_files}
    for procedure in procedures.values():
        _check_procedure(procedure, declared, problems)
        problems.extend(
            f"procedures/{procedure.code}.yaml: {problem}"
            for problem in procedure.follow_up.problems(
                [a.day for a in procedure.recovery.appointments if a.kind == "follow-up"],
                {i.code for i in instruments.instruments}
                if instruments is not None
                else procedure.follow_up.instruments(),
            )
        )
    if meta is not None:
        problems.extend(
            f"catalogue.yaml: medication_stops: {stop.drug_class}: unknown procedure {code}"
            for stop in meta.medication_stops
            for code in stop.procedures
            if code not in declared
        )
    for part in (reviews, complications, endpoints, surveillance):
        problems.extend(part.unknown_procedures(declared) if part is not None else ())
    if (
        problems
        or meta is None
        or instruments is None
        or reviews is None
        or complications is None
        or endpoints is None
        or surveillance is None
    ):
        raise CatalogueError(problems)
    return Catalogue(
        version=meta.version,
        content_hash=_content_hash([*files, *procedure_files]),
        effective_on=meta.effective_on,
        settings=meta.settings,
        sources={s.id: s for s in meta.sources},
        thresholds=meta.thresholds,
        medicines={m.atc: m for m in meta.medicines},
        medication_stops=meta.medication_stops,
        anticoagulant_timings=meta.anticoagulant_timings,
        procedures=procedures,
        instruments={i.code: i for i in instruments.instruments},
        reviews=reviews,
        complications={c.code: c for c in complications.complications},
        conversion_reasons={r.code: r for r in endpoints.conversion_reasons},
        surveillance=surveillance,
    )


def packaged_data() -> Traversable:
    return importlib.resources.files("coxa.catalogue") / "data"


@functools.cache
def get_catalogue() -> Catalogue:
    """The catalogue shipped with Coxa, loaded once per process."""
    return load_catalogue(packaged_data())
