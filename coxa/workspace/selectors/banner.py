"""The patient banner's read: a fixed number of queries, and no audit record of its own.

The page showing the banner has already read (and recorded reading) the patient or the hip
through its own selector; the banner adds what every clinical page must keep in view
(hazard H74): allergies, and the alerts the stored readiness, the history and surveillance
hold. A role that may not see identifiable records sees no banner.
"""

from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.assessment import selectors as assessment
from coxa.assessment.domain.facts import Held
from coxa.assessment.domain.held import HeldAllergy
from coxa.assessment.models import Allergy, History, Readiness, Review
from coxa.assessment.worklist import waiting_of
from coxa.core import clock
from coxa.decisions.domain.findings import Candidacy
from coxa.pathways.domain import is_open
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from coxa.surveillance.models import Enrolment, EnrolmentStatus
from coxa.workspace.domain import banner as words
from coxa.workspace.domain.banner import BLEEDING_CLASSES, AllergyShown, Banner

QUERIES = 5  # allergies, allergy reviews, history, readiness, surveillance (a test holds it)


def _allergies(patient: Patient) -> words.Allergies:
    rows = list(
        Allergy.objects.filter(patient=patient, is_current=True).order_by(
            "-on", "-recorded_at", "-id"
        )
    )
    # The newest entry of each substance, as the clinic's rules read them (assessment).
    held = Held(
        sex=patient.sex,
        age_years=0,
        side="",
        procedure="",
        operation_on=None,
        born=patient.date_of_birth,
    )
    pairs = [(HeldAllergy(a.substance, a.substance_code, a.status, a.on), a) for a in rows]
    held.allergies = [h for h, _ in pairs]
    current = {id(h) for h in held.current_allergies()}
    active = [
        AllergyShown(a.substance, a.reaction, coded=bool(a.substance_code))
        for h, a in pairs
        if id(h) in current and a.status == "active"
    ]
    review = (
        Review.objects.filter(patient=patient, is_current=True, list="allergies")
        .order_by("-on", "-recorded_at", "-id")
        .values_list("none_known", "on")
        .first()
    )
    none_known_on = review[1] if review is not None and review[0] else None
    return words.allergies(active, none_known_on=none_known_on)


def banner_of(*, viewer: User, patient: Patient, episode: Episode | None = None) -> Banner | None:
    """The banner for ``patient`` (and the hip, when the page is about one).

    None for a role that may not see identifiable records; a hip not the patient's is left out.
    """
    if not can(viewer.role, Capability.VIEW_PATIENTS):
        return None
    if episode is not None and episode.patient_id != patient.pk:
        episode = None  # never another patient's hip beside this name (H74)
    if episode is not None:  # the page's own hip: read once for the banner, steps and page
        stored = assessment.readiness_of(episode)
        snapshots = [stored] if stored is not None else []
    else:
        snapshots = [
            s
            for s in Readiness.objects.filter(episode__patient=patient).select_related("episode")
            if is_open(s.episode.state_enum)
        ]
    waiting = [waiting_of(s) for s in snapshots]
    history = (
        History.objects.filter(patient=patient, is_current=True)
        .order_by("-on", "-recorded_at", "-id")
        .values_list("coronary_stent_or_recent_acs", flat=True)
        .first()
    )
    flagged = (  # any of the patient's hips: a flag on the other hip still concerns them
        Enrolment.objects.filter(
            status=EnrolmentStatus.ACTIVE, flagged_on__isnull=False, episode__patient=patient
        )
        .order_by("flagged_on")
        .values_list("flagged_on", flat=True)
        .first()
    )
    today = clock.today()
    return Banner(
        name=patient.display_name,
        age=patient.age_on(patient.date_of_death or today),
        born=patient.date_of_birth,
        nhs_number=patient.nhs_number_display,
        hospital_number=patient.hospital_number or "",
        allergies=_allergies(patient),
        alerts=words.alerts(
            died_on=patient.date_of_death,
            contraindicated=any(s.candidacy == Candidacy.CONTRAINDICATED for s in snapshots),
            cautions=tuple(c for w in waiting for c in w.cautions),
            pending=tuple(m for w in waiting for m in w.decisions_of(*BLEEDING_CLASSES)),
            stent=history is True,
            flagged_on=flagged,
        ),
        side=episode.side if episode is not None else "",
        procedure=episode.procedure_title if episode is not None else "",
        state=episode.state_label if episode is not None else "",
    )
