"""Reads of metal-on-metal surveillance, permission-scoped and audited (issue 15).

One hip's surveillance (the staff page, the API, the portal and the invitation letter read
it), and the hips a recall reaches.
"""

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.outcomes.models import Conversion, QuestionnaireResponse
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.patients.models import Patient
from coxa.surgery.models import Implant, OperationNote
from coxa.surveillance.domain.imaging import Modality, Seen, Study
from coxa.surveillance.domain.recommend import Advice, Answer, ReviewFacts, recommend
from coxa.surveillance.domain.results import Levels, Matrix
from coxa.surveillance.domain.schedule import Chosen, HipFacts, choose_rule
from coxa.surveillance.models import (
    EndReason,
    EnrolledImplant,
    Enrolment,
    EnrolmentStatus,
    ImagingStudy,
    MetalIonResult,
    RecallContact,
    SurveillanceReview,
)

# After a revision (MHRA MDA/2017/018): levels are expected to fall and symptoms to improve.
AFTER_REVISION = (
    "Metal-on-metal surveillance ended with the revision. Follow-up continues on the new "
    "episode. Cobalt and chromium levels are expected to fall and symptoms to improve; if "
    "symptoms persist, look for loosening, infection, instability or a problem with fixation, "
    "and if no cause is found consider repeating the metal levels and imaging (MHRA "
    "MDA/2017/018)."
)
UNCHECKED = (
    "The surveillance table has not yet been checked by the service's clinical lead against "
    "MHRA MDA/2017/018, so every hip has the conservative default: a yearly review with blood "
    "metal levels."
)


# --- reads the services share (below them in the layers) ---


def followed_procedures() -> dict[str, str]:
    """Each procedure followed for life, with its implant class."""
    return {
        code: p.surveillance.implant
        for code, p in get_catalogue().procedures.items()
        if p.surveillance is not None
    }


def signed_not_enrolled() -> QuerySet[OperationNote]:
    """Signed notes of followed procedures whose hip has no enrolment yet (a queryset)."""
    return (
        OperationNote.objects.filter(
            signed_at__isnull=False, procedure__in=list(followed_procedures())
        )
        .exclude(episode_id__in=Enrolment.objects.values("episode_id"))
        .select_related("episode__patient")
        .order_by("signed_at", "id")
    )


def levels_of(result: MetalIonResult) -> Levels:
    return Levels(
        result.sampled_on, Matrix(result.matrix), result.cobalt_ug_per_l, result.chromium_ug_per_l
    )


def study_of(row: ImagingStudy) -> Study:
    def seen(value: str) -> Seen:
        return Seen(value) if value else Seen.NOT_ASSESSED

    return Study(
        performed_on=row.performed_on,
        modality=Modality(row.modality),
        fluid_collection=seen(row.fluid_collection),
        solid_mass=seen(row.solid_mass),
        muscle_involvement=seen(row.muscle_involvement),
        bone_involvement=seen(row.bone_involvement),
        very_large=row.very_large,
        size_mm=row.size_mm,
        hauptfleisch=row.classification if row.classification_system == "hauptfleisch" else "",
        xray=tuple((code, Seen(v)) for code, v in sorted(row.xray.items())),
    )


def symptomatic_of(review: SurveillanceReview | None) -> bool | None:
    if review is None:
        return None
    answers = set(review.symptoms.values())
    if Answer.YES.value in answers:
        return True
    return False if answers and answers <= {Answer.NO.value} else None


def hip_facts(enrolment: Enrolment, last: SurveillanceReview | None, today: dt.date) -> HipFacts:
    return HipFacts(
        implant=enrolment.implant,
        sex=enrolment.episode.patient.sex,
        head_mm=enrolment.head_mm,
        symptomatic=symptomatic_of(last),
        operated_on=enrolment.operated_on,
        today=today,
    )


def rule_for(enrolment: Enrolment, today: dt.date | None = None) -> Chosen:
    last = (
        SurveillanceReview.objects.filter(enrolment=enrolment).order_by("reviewed_on", "id").last()
    )
    return choose_rule(
        get_catalogue().surveillance, hip_facts(enrolment, last, today or clock.today())
    )


def score_fall_since(episode: Episode, day: dt.date | None) -> dt.date | None:
    """The day of the latest fall in a hip score flagged (outcomes) after ``day``."""
    falls = QuestionnaireResponse.objects.filter(episode=episode, fall__isnull=False)
    if day is not None:
        falls = falls.filter(completed_on__gt=day)
    return falls.order_by("-completed_on").values_list("completed_on", flat=True).first()


def advise(enrolment: Enrolment, day: dt.date, symptoms: dict[str, Answer]) -> Advice:
    """The recommendation a review of this hip on ``day`` would end with."""
    previous = (
        SurveillanceReview.objects.filter(enrolment=enrolment, reviewed_on__lt=day)
        .order_by("reviewed_on", "id")
        .last()
    )
    chosen = rule_for(enrolment, day)
    facts = ReviewFacts(
        review_on=day,
        previous_review_on=previous.reviewed_on if previous else None,
        rule=chosen.rule,
        symptoms=symptoms,
        results=[levels_of(r) for r in MetalIonResult.objects.filter(enrolment=enrolment)],
        studies=[study_of(s) for s in ImagingStudy.objects.filter(enrolment=enrolment)],
        score_fall_on=score_fall_since(
            enrolment.episode, previous.reviewed_on if previous else None
        ),
    )
    return recommend(facts, get_catalogue().surveillance)


@dataclass(frozen=True)
class HipSurveillance:
    episode: Episode
    enrolment: Enrolment | None  # None: not enrolled
    enrollable: bool  # signed note of a procedure followed for life, not yet enrolled
    chosen: Chosen  # the rule that applies today
    results: tuple[MetalIonResult, ...]  # struck-out ones included (struck_out_at set)
    studies: tuple[ImagingStudy, ...]
    reviews: tuple[SurveillanceReview, ...]
    advice_now: Advice | None  # what a review today would say (symptoms not yet asked)
    ended_words: str
    new_episode: Episode | None  # the revision's new episode

    @property
    def unchecked_words(self) -> str:
        return "" if self.chosen.checked else UNCHECKED

    @property
    def active(self) -> bool:
        return self.enrolment is not None and self.enrolment.status == EnrolmentStatus.ACTIVE


def _chosen(enrolment: Enrolment | None, episode: Episode) -> Chosen:
    if enrolment is not None:
        return rule_for(enrolment)
    implant = followed_procedures().get(episode.procedure, "resurfacing")
    facts = HipFacts(implant, episode.patient.sex, None, None, episode.operation_on, clock.today())
    return choose_rule(get_catalogue().surveillance, facts)


def surveillance_of(episode: Episode) -> HipSurveillance:
    """The hip's surveillance, for a caller that has already checked access."""
    enrolment = Enrolment.objects.filter(episode=episode).select_related("episode__patient").first()
    if enrolment is None:
        enrollable = signed_not_enrolled().filter(episode=episode).exists()
        results: tuple[MetalIonResult, ...] = ()
        studies: tuple[ImagingStudy, ...] = ()
        reviews: tuple[SurveillanceReview, ...] = ()
        advice = None
    else:
        enrollable = False
        results = tuple(
            MetalIonResult.every.filter(enrolment=enrolment).order_by("sampled_on", "id")
        )
        studies = tuple(
            ImagingStudy.every.filter(enrolment=enrolment).order_by("performed_on", "id")
        )
        reviews = tuple(
            SurveillanceReview.every.filter(enrolment=enrolment).order_by("reviewed_on", "id")
        )
        advice = (
            advise(enrolment, clock.today(), {})
            if enrolment.status == EnrolmentStatus.ACTIVE
            else None
        )
    ended_words, new_episode = "", None
    if enrolment is not None and enrolment.ended_reason == EndReason.REVISED:
        ended_words = AFTER_REVISION
        conversion = (
            Conversion.objects.filter(episode=episode).select_related("new_episode").first()
        )
        new_episode = conversion.new_episode if conversion else None
    elif enrolment is not None and enrolment.ended_reason == EndReason.DIED:
        ended_words = "Surveillance ended with the patient's death."
    return HipSurveillance(
        episode=episode,
        enrolment=enrolment,
        enrollable=enrollable,
        chosen=_chosen(enrolment, episode),
        results=results,
        studies=studies,
        reviews=reviews,
        advice_now=advice,
        ended_words=ended_words,
        new_episode=new_episode,
    )


def access_surveillance(
    *, actor: User, episode_id: uuid.UUID, via: audit.Via, copy: str = ""
) -> HipSurveillance:
    """One hip's surveillance for someone allowed to see the hip; audited.

    ``copy`` names a copy taken away (the invitation letter as a PDF), recorded as such.
    """
    episode = access_episode(actor=actor, episode_id=episode_id, via=via)
    shown = surveillance_of(episode)
    audit.record(
        actor=actor,
        action="surveillance.copy" if copy else "surveillance.view",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Metal-on-metal surveillance {'copied: ' + copy if copy else 'viewed'}",
        via=via,
    )
    return shown


def record_copy(*, actor: User, shown: HipSurveillance, copy: str, via: audit.Via) -> None:
    """Record a copy of the hip's surveillance taken away (a PDF), once it is made."""
    audit.record(
        actor=actor,
        action="surveillance.copy",
        object_type="episode",
        object_id=shown.episode.public_id,
        patient_id=shown.episode.patient.public_id,
        summary=f"Metal-on-metal surveillance copied: {copy}",
        via=via,
    )


def next_check_of(patient: Patient) -> list[HipSurveillance]:
    """Each of a patient's hips under surveillance, for the patient's own portal.

    Not audited here: the portal's selector records the read.
    """
    episodes = Episode.objects.filter(
        patient=patient, pk__in=Enrolment.objects.values("episode_id")
    ).select_related("patient")
    return [surveillance_of(e) for e in episodes.order_by("side", "id")]


@dataclass(frozen=True)
class RecallHip:
    episode: Episode
    patient: Patient
    component: str
    product: str
    lot: str
    source: str  # operation-note | recorded-elsewhere
    operated_on: dt.date | None
    contacts: tuple[RecallContact, ...]
    matched_on: str = "product"  # "lot": the record left the product blank


RECALL_LIMIT = 2000
PRODUCT_MAX = 120  # as an implant's product is stored
LOT_MAX = 60


def list_recall(*, actor: User, product: str, lot: str, via: audit.Via) -> tuple[RecallHip, ...]:
    """Every hip with an implant of ``product`` (and ``lot``, when given).

    From signed notes and from hips enrolled by hand; with the patient's contact details and
    the contacts made.
    """
    require(actor, Capability.RECORD_SURVEILLANCE)
    product, lot = product.strip(), lot.strip()
    for field, value, most in (("product", product, PRODUCT_MAX), ("lot", lot, LOT_MAX)):
        if len(value) > most:
            raise InvalidInput(
                ErrorCode.TOO_LONG, f"{field} must be at most {most} characters", field
            )
    if not product:
        raise InvalidInput(ErrorCode.REQUIRED, "give the product named in the notice", "product")
    hips: list[RecallHip] = []
    # A note or record that left the product blank is reached through its lot, marked so: a
    # patient contacted needlessly is a lesser harm than one missed.
    named = Q(product__icontains=product) & (Q(lot__iexact=lot) if lot else Q())
    by_lot = Q(product="", lot__iexact=lot) if lot else Q(pk__in=[])
    noted = Implant.objects.filter(named | by_lot, note__signed_at__isnull=False)
    for implant in noted.select_related("note__episode__patient")[:RECALL_LIMIT]:
        episode = implant.note.episode
        hips.append(
            RecallHip(
                episode,
                episode.patient,
                implant.component,
                implant.product,
                implant.lot,
                "operation-note",
                implant.note.operated_on,
                (),
                "product" if implant.product else "lot",
            )
        )
    enrolled = EnrolledImplant.objects.filter(named | by_lot)
    for row in enrolled.select_related("enrolment__episode__patient")[:RECALL_LIMIT]:
        episode = row.enrolment.episode
        hips.append(
            RecallHip(
                episode,
                episode.patient,
                row.component,
                row.product,
                row.lot,
                "recorded-elsewhere",
                row.enrolment.operated_on,
                (),
                "product" if row.product else "lot",
            )
        )
    contacts: dict[int, list[RecallContact]] = {}
    matching = Q(product__icontains=product) & (Q(lot__iexact=lot) if lot else Q())
    for contact in (
        RecallContact.objects.filter(matching, episode_id__in=[h.episode.pk for h in hips])
        .select_related("by")
        .order_by("contacted_on", "id")
    ):
        contacts.setdefault(contact.episode_id, []).append(contact)
    hips = [dataclasses.replace(h, contacts=tuple(contacts.get(h.episode.pk, ()))) for h in hips]
    hips.sort(key=lambda h: (h.patient.family_name, h.patient.given_name, h.episode.pk))
    audit.record(
        actor=actor,
        action="surveillance.recall",
        object_type="recall",
        summary=f"Recall search: {product}"
        + (f" lot {lot}" if lot else "")
        + f" ({len(hips)} hips)",
        via=via,
        details={"product": product, "lot": lot, "shown": [str(h.episode.public_id) for h in hips]},
    )
    return tuple(hips)
