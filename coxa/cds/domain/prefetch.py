"""What the CDS service asks an EHR to prefetch, and how the answers are gathered for reading.

Every template keeps to CDS Hooks 2.0's "prefetch query restrictions" (a read of the patient,
type-level searches on the patient, token equality, ``_count`` and ``_sort``) and is bounded:

- ``observation-<LOINC>``: one search a LOINC code Coxa reads (``terminology.codes``: the
  measurements and the panels whose components it reads), final results only, newest first,
  ``OBSERVATIONS_PER_CODE`` of each: the reader keeps the latest reading of each measurement,
  and one search a code means frequent readings (a ward's blood pressures) never crowd out
  a rarer one (last month's HbA1c).
- ``medications``: MedicationStatement by the statuses the reader reads, ``LIST_COUNT`` at
  most. Never by code: a medicine Coxa cannot read must still reach it, since it makes the
  rules that need its class unknown rather than passed.
- ``allergies``: AllergyIntolerance, ``LIST_COUNT`` at most. Neither by code (as medicines)
  nor by status: an allergy without a verification status is read as active, and a search by
  status would leave it out.
- ``conditions``: Condition, ``LIST_COUNT`` at most. Not by code: Coxa reads ICD-10 groups
  (M87 and every code under it), which token equality cannot name without ``:below``.

A list the EHR cut to a page (its Bundle has a ``next`` link) is incomplete: medicines and
allergies are then treated as not known (the rules that need them say so), and a card says
the conditions were cut. ``gather`` turns the answers into the keys the reader reads.
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from coxa.terminology.codes import CODES, System, Use

PATIENT_TOKEN = "{{context.patientId}}"  # noqa: S105 - a prefetch token, not a secret
OBSERVATIONS_PER_CODE = 3  # the latest few: one may be a result without a value
LIST_COUNT = 200  # conditions, medicines, allergies: far more than one patient's list
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 id

# The statuses the reader reads (coxa/cds/domain/fhir.py); test_prefetch holds the two equal.
OBSERVATION_STATUSES = ("final", "amended", "corrected")
MEDICATION_STATUSES = ("active", "intended", "on-hold", "unknown", "not-taken")

OBSERVATION_CODES: tuple[str, ...] = tuple(
    c.code for c in CODES if c.system is System.LOINC and c.use in (Use.OBSERVATION, Use.PANEL)
)
OBSERVATIONS = "observations"  # the key the reader reads: every observation search, gathered
LISTS = ("conditions", "medications", "allergies")


def observation_key(code: str) -> str:
    return f"observation-{code}"


def _observation_search(code: str) -> str:
    return (
        f"Observation?patient={PATIENT_TOKEN}&code={System.LOINC}|{code}"
        f"&status={','.join(OBSERVATION_STATUSES)}&_sort=-date&_count={OBSERVATIONS_PER_CODE}"
    )


TEMPLATES: dict[str, str] = {
    "patient": f"Patient/{PATIENT_TOKEN}",
    "conditions": f"Condition?patient={PATIENT_TOKEN}&_count={LIST_COUNT}",
    "medications": (
        f"MedicationStatement?patient={PATIENT_TOKEN}&status={','.join(MEDICATION_STATUSES)}"
        f"&_count={LIST_COUNT}"
    ),
    "allergies": f"AllergyIntolerance?patient={PATIENT_TOKEN}&_count={LIST_COUNT}",
    **{observation_key(code): _observation_search(code) for code in OBSERVATION_CODES},
}


def search_url(template: str, patient_id: str) -> str:
    """A template as a relative URL for ``patient_id`` (a FHIR id), its query encoded."""
    if not FHIR_ID.fullmatch(patient_id):
        raise ValueError("not a FHIR id")
    path, _, query = template.replace(PATIENT_TOKEN, quote(patient_id, safe="")).partition("?")
    return f"{path}?{urlencode(parse_qsl(query), safe=',')}" if query else path


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def lacking(prefetch: Any) -> list[str]:
    """The templates the prefetch did not satisfy: absent, or an OperationOutcome instead.

    ``null`` is an answer (CDS Hooks 2.0: the EHR has no data for it). The reader's own key,
    ``observations``, satisfies every observation search (as Coxa's earlier template did).
    """
    given = prefetch if isinstance(prefetch, dict) else {}
    missing = [key for key in TEMPLATES if key not in given or _is_outcome(given[key])]
    if isinstance(given.get(OBSERVATIONS), dict) and not _is_outcome(given[OBSERVATIONS]):
        missing = [key for key in missing if key not in map(observation_key, OBSERVATION_CODES)]
    return missing


def is_partial(value: Any) -> bool:
    """A searchset Bundle the EHR cut to a page: it links to the next one."""
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        return False
    links = value.get("link")
    return isinstance(links, list) and any(
        isinstance(link, dict) and link.get("relation") == "next" for link in links
    )


def _entries(value: Any) -> list[Any]:
    if not isinstance(value, dict) or _is_outcome(value):
        return []
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry")
        return list(entries) if isinstance(entries, list) else []
    return [{"resource": value}]


def searchset(entries: list[Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}


@dataclass(frozen=True)
class Gathered:
    """The prefetch as the reader reads it, and what a card must say about it."""

    prefetch: dict[str, Any]
    notes: tuple[str, ...]


def gather(prefetch: Any) -> Gathered:
    """Observation searches in one ``observations`` Bundle; cut lists marked or left out."""
    given = prefetch if isinstance(prefetch, dict) else {}
    read = {key: given[key] for key in ("patient", *LISTS) if key in given}
    notes = []
    if "conditions" in read and read["conditions"] is None:
        read["conditions"] = searchset([])  # no data: no conditions (a search's null)
    if is_partial(read.get("conditions")):
        notes.append(
            "the EHR sent only the first page of the patient's conditions: a diagnosis on a "
            "later page was not seen"
        )
    for key in ("medications", "allergies"):
        if is_partial(read.get(key)):
            del read[key]
            notes.append(f"the EHR sent only the first page of {key}: they are taken as not known")
    keys = [OBSERVATIONS, *map(observation_key, OBSERVATION_CODES)]
    if any(key in given for key in keys):
        read[OBSERVATIONS] = searchset([e for key in keys for e in _entries(given.get(key))])
    return Gathered(read, tuple(notes))
