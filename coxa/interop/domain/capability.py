"""What Coxa's FHIR API supports, in one table.

The CapabilityStatement is printed from it and the search reader refuses or ignores anything
it does not name, so the two cannot differ.

FHIR R4 (4.0.1) resources, JSON only, read and search-type. UK Core profiles are named where
Coxa's resources meet them: the profiles' differentials (NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN
at 3d2827e3) add no constraint Coxa's resources break (Patient: the NHS number's system and
value; AllergyIntolerance: a code, which Coxa always gives, as text when not coded).
"""

from dataclasses import dataclass
from enum import StrEnum

FHIR_VERSION = "4.0.1"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
# Coxa's own code systems (instruments, observation kinds, implant components) and the id of
# its records: URNs, since no one address belongs to every service that runs Coxa.
COXA_SYSTEM = "urn:coxa:code-system:"
EPISODE_ID_SYSTEM = "urn:coxa:episode-id"
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"  # the Bulk Data Access IG's canonical base
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


class Kind(StrEnum):
    """A search parameter's type (https://hl7.org/fhir/R4/search.html#ptypes)."""

    TOKEN = "token"  # noqa: S105 - a FHIR parameter type, not a secret
    REFERENCE = "reference"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: Kind
    documentation: str


@dataclass(frozen=True, slots=True)
class Support:
    """One resource type: its UK Core profile, its search parameters."""

    type: str
    profile: str
    parameters: tuple[Parameter, ...]
    documentation: str

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


_ID = Parameter("_id", Kind.TOKEN, "the resource's id")
_PATIENT = Parameter("patient", Kind.REFERENCE, "the patient (Patient/<id> or <id>); required")


def _dated(what: str) -> Parameter:
    return Parameter("date", Kind.DATE, f"{what} (eq, ge, le, gt, lt; a day, month or year)")


SUPPORTED: tuple[Support, ...] = (
    Support(
        "Patient",
        UK_CORE + "Patient",
        (_ID, Parameter("identifier", Kind.TOKEN, "NHS number or hospital number: system|value")),
        "A patient of the service: name, sex, date of birth, NHS and hospital numbers.",
    ),
    Support(
        "EpisodeOfCare",
        UK_CORE + "EpisodeOfCare",
        (_ID, _PATIENT, _dated("the day the hip was referred")),
        "One hip's journey through the service, from referral to its end.",
    ),
    Support(
        "Condition",
        UK_CORE + "Condition",
        (_ID, _PATIENT, Parameter("code", Kind.TOKEN, "the diagnosis: system|code")),
        "The hip's diagnosis (osteoarthritis or avascular necrosis), its side and stage.",
    ),
    Support(
        "Observation",
        UK_CORE + "Observation",
        (
            _ID,
            _PATIENT,
            Parameter("code", Kind.TOKEN, "what was measured: system|code (LOINC or Coxa's)"),
            _dated("the day it was observed"),
        ),
        "Measurements from the pre-assessment clinic, questionnaire scores and blood metal "
        "levels (cobalt, chromium in µg/L), in their UCUM units.",
    ),
    Support(
        "AllergyIntolerance",
        UK_CORE + "AllergyIntolerance",
        (_ID, _PATIENT),
        "Allergies as recorded in clinic, with their clinical and verification status.",
    ),
    Support(
        "MedicationStatement",
        UK_CORE + "MedicationStatement",
        (_ID, _PATIENT),
        "Medicines the patient takes or took, as recorded in clinic (WHO ATC when coded).",
    ),
    Support(
        "QuestionnaireResponse",
        UK_CORE + "QuestionnaireResponse",
        (
            _ID,
            _PATIENT,
            Parameter("authored", Kind.DATE, "the day it was completed (eq, ge, le...)"),
        ),
        "Each completed questionnaire, item by item (licensed wording is never sent).",
    ),
    Support(
        "Procedure",
        UK_CORE + "Procedure",
        (_ID, _PATIENT, _dated("the day of the operation")),
        "A signed operation note: the operation, its side and its implants.",
    ),
    Support(
        "CarePlan",
        UK_CORE + "CarePlan",
        (_ID, _PATIENT, _dated("the day of the operation")),
        "The recovery plan made when the operation note was signed: each phase (weight "
        "bearing, walking aid) and appointment with its dates, as the patient has it.",
    ),
    Support(
        "Device",
        UK_CORE + "Device",
        (_ID, _PATIENT),
        "Each implant of a signed operation: manufacturer, product, size, lot and UDI.",
    ),
)
BY_TYPE: dict[str, Support] = {s.type: s for s in SUPPORTED}
# Parameters every search takes, whatever the type (paging and format).
COMMON = ("_count", "_page", "_format")


def capability_statement(
    *, base: str, release: str, date: str, token_url: str
) -> dict[str, object]:
    """The CapabilityStatement for a server at ``base`` (https://hl7.org/fhir/R4/capabilitystatement.html)."""
    resources = [
        {
            "type": support.type,
            "profile": support.profile,
            "documentation": support.documentation,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": p.name, "type": p.kind.value, "documentation": p.documentation}
                for p in support.parameters
            ],
        }
        for support in SUPPORTED
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "Coxa", "version": release},
        "implementation": {"description": "Coxa hip preservation service", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read and search with a bearer token (Coxa's own, or a SMART Backend "
                    "Services token); a patient reads only their own records. Searches other "
                    "than Patient need a patient. Pages of up to 100 with _count and _page."
                ),
                "security": {
                    "cors": False,
                    "service": [_SMART],
                    # Where a connected system gets its token (SMART App Launch, oauth-uris).
                    "extension": [
                        {
                            "url": OAUTH_URIS,
                            "extension": [{"url": "token", "valueUri": token_url}],
                        }
                    ],
                },
                "resource": resources,
                # POST [base] with a Bundle: records imported (Patient, EpisodeOfCare,
                # Observation, AllergyIntolerance, MedicationStatement).
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "operation": [
                    {"name": name, "definition": f"{BULK_DATA}/OperationDefinition/{definition}"}
                    for name, definition in (
                        ("export", "export"),
                        ("patient-export", "patient-export"),
                        ("group-export", "group-export"),
                    )
                ],
            }
        ],
    }


_SMART = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
            "code": "SMART-on-FHIR",
        }
    ]
}
