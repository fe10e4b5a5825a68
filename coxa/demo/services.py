"""Record demo plans through Coxa's own services, replaying each event at its date."""

import datetime as dt
from dataclasses import dataclass

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.assessment.domain.entries import Kind
from coxa.assessment.services import entries as assessment_entries
from coxa.assessment.services import nightly, readiness
from coxa.core import audit, clock
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.decisions.domain.findings import Candidacy
from coxa.demo import assessment_profiles as profiles
from coxa.demo import followup, logins, operations, rechecks, surveillance
from coxa.demo.domain import EpisodePlan, PatientPlan, Step
from coxa.outcomes.services import endpoints
from coxa.outcomes.services import schedule as follow_up
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.patients import services as patients
from coxa.patients.domain import PatientDetails
from coxa.patients.models import Patient
from coxa.surgery import selectors as surgery_selectors
from coxa.surgery.models import OperationNote
from coxa.surgery.services import consent as surgery_consent
from coxa.surgery.services import notes as surgery_notes
from coxa.surgery.services import recovery as surgery_recovery
from coxa.surgery.services.schedule import schedule as surgery_schedule
from coxa.surveillance.models import Enrolment
from coxa.surveillance.services import programme as surveillance_programme


@dataclass(frozen=True)
class DemoResult:
    users_created: int
    patients_created: int
    episodes_created: int


_moment = rechecks.moment


def _record(episode: Episode, entries: list[profiles.Entry], nurse: User, day: dt.date) -> None:
    with clock.replaying(_moment(day, 30)):
        assessment_entries.record_entries(
            episode=episode,
            entries=[(Kind(kind), payload) for kind, payload in entries],
            by=nurse,
            via=Via.CLI,
            apply_transitions=False,
        )


def _ready(episode: Episode, day: dt.date, users: dict[Role, User]) -> bool:
    """Let the readiness gate decide; a surgeon first acknowledges any caution."""
    # Tests that would lapse within three weeks are repeated now, as a clinic does for a hip
    # about to be booked.
    rechecks.recheck(episode, day, day + dt.timedelta(days=21), users[Role.NURSE])
    rechecks.decide_medicines(episode, day, users[Role.ANAESTHETIST])
    with clock.replaying(_moment(day, 40)):
        panel = readiness.evaluate_episode(episode).panel
        if panel.candidacy is Candidacy.CAUTION:
            readiness.acknowledge_cautions(
                episode=episode,
                reason="Risks discussed with the patient in clinic, who wishes to go ahead.",
                by=users[Role.SURGEON],
                via=Via.CLI,
            )
        readiness.refresh(episode, by=users[Role.NURSE], via=Via.CLI)
    episode.refresh_from_db()
    return episode.state == EpisodeState.READY


def _gated(
    episode: Episode, step: Step, when: dt.date, number: int, users: dict[Role, User]
) -> bool | None:
    """Moves only the readiness gate makes: did it make this one? None: not such a move."""
    if step.to is EpisodeState.OPTIMISING:
        with clock.replaying(_moment(when, number)):
            readiness.refresh(episode, by=users[Role.NURSE], via=Via.CLI)
        episode.refresh_from_db()
        return episode.state == step.to
    if step.to is EpisodeState.READY and not step.reason:  # a reason: postponed, moved back
        return _ready(episode, when, users)
    return None


def _profile(steps: tuple[Step, ...], index: int) -> tuple[str, str | None]:
    """Which pre-assessment story an episode tells, from where its path goes."""
    states = [s.to for s in steps]
    if EpisodeState.OPTIMISING in states:
        return "fail", profiles.GATES[index % len(profiles.GATES)]
    if states and states[-1] is EpisodeState.LISTED:
        return ("stale" if index % 3 == 0 else "partial"), None
    return "full", None


def _play_steps(
    episode: Episode, steps: tuple[Step, ...], day: dt.date, users: dict[Role, User], seed: int
) -> tuple[Episode | None, dt.date]:
    replacement, since, days = None, day, []
    for step in steps:
        day += dt.timedelta(days=step.days_after_previous)
        days.append(day)
    profile, gate = _profile(steps, seed)
    nurse, sex = users[Role.NURSE], episode.patient.sex
    for number, (step, when) in enumerate(zip(steps, days, strict=True), start=1):
        followup.before(step.to, episode, users, seed, since, when)
        since = when
        if step.to is EpisodeState.READY and gate is not None:
            _record(episode, profiles.fixing(gate, sex=sex, day=when), nurse, when)
        gated = _gated(episode, step, when, number, users)
        if gated is not None:
            if not gated:
                break  # the gate did not send it there: the rest of its path is not played
            continue
        if step.to in _SURGERY_STEPS:
            following = days[number] if number < len(days) else None
            if not _surgery_step(episode, step, steps, days, when, number, following, users, seed):
                break
            episode.refresh_from_db()
            continue
        if step.to in (EpisodeState.CONVERTED, EpisodeState.DIED):
            with clock.replaying(_moment(when, number)):
                replacement = followup.end(episode, step, when, users)
            episode.refresh_from_db()  # closed now: nothing more is recorded on it
            continue
        _move_by_hand(episode, step, when, number, users, (seed, profile, gate))
    if episode.state_enum in followup.FOLLOWED:  # still followed: up to today
        followup.play(episode, users, seed, since, clock.today())
    return replacement, day


def _move_by_hand(
    episode: Episode,
    step: Step,
    when: dt.date,
    number: int,
    users: dict[Role, User],
    story: tuple[int, str, str | None],
) -> None:
    """A move a person makes; listing records the clinic's first entries."""
    with clock.replaying(_moment(when, number)):
        pathways.move_episode(
            episode=episode, to=step.to.value, reason=step.reason, by=users[step.by], via=Via.CLI
        )
    if step.to is EpisodeState.LISTED:
        seed, profile, gate = story
        entries = profiles.listing_entries(
            procedure=episode.procedure,
            side=episode.side,
            sex=episode.patient.sex,
            seed=seed,
            day=when,
            profile=profile,
            gate=gate,
        )
        _record(episode, entries, users[Role.NURSE], when)


_SURGERY_STEPS = (EpisodeState.SCHEDULED, EpisodeState.OPERATED, EpisodeState.RECOVERING)


def _surgery_step(  # noqa: PLR0917 - the replay's state, passed through
    episode: Episode,
    step: Step,
    steps: tuple[Step, ...],
    days: list[dt.date],
    when: dt.date,
    number: int,
    following: dt.date | None,
    users: dict[Role, User],
    seed: int,
) -> bool:
    """Book, operate (a signed note) and discharge through the surgery services.

    False when a gate refuses: the episode's path stops there.
    """
    surgeon, nurse = users[Role.SURGEON], users[Role.NURSE]
    if step.to is EpisodeState.SCHEDULED:
        later = [
            d
            for s, d in zip(steps, days, strict=True)
            if s.to is EpisodeState.OPERATED and d > when
        ]
        # Booked 25 to 29 days ahead (after its stops, within its checks) when no operation
        # day is planned yet, or when this booking is cancelled and re-dated before the
        # operation (its day is then too far).
        soon = when + dt.timedelta(days=25 + seed % 5)
        rebooked = (
            any(
                s.to is EpisodeState.SCHEDULED and when < d < later[0]
                for s, d in zip(steps, days, strict=True)
            )
            if later
            else False
        )
        operation_on = min(later[0], soon) if rebooked else later[0] if later else soon
        rechecks.recheck(episode, when, operation_on, nurse)
        rechecks.decide_medicines(episode, when, users[Role.ANAESTHETIST])
        booked = surgery_selectors.booking_of(episode)
        moving = booked is not None and booked.operation_on != operation_on
        try:
            with clock.replaying(_moment(when, number)):
                if surgery_selectors.current_consent(episode) is None:
                    surgery_consent.record_consent(
                        episode=episode,
                        entry=operations.consent(
                            procedure=surgery_selectors.procedure_of(episode),
                            side=episode.side,
                            at=clock.now(),
                        ),
                        by=surgeon,
                        via=Via.CLI,
                    )
                surgery_schedule(
                    episode=episode,
                    operation_on=operation_on,
                    surgeon=surgeon,
                    theatre_list=("Monday all day", "Wednesday AM", "Friday PM")[seed % 3],
                    starts_at=(dt.time(8, 30), dt.time(10, 45), dt.time(13, 30))[seed % 3],
                    by=nurse,
                    via=Via.CLI,
                    reason="The theatre list was cancelled; a new date." if moving else "",
                )
        except InvalidInput:
            return False  # the gate refused the booking: the path stops here
        return True
    if step.to is EpisodeState.OPERATED:
        written = operations.note(
            procedure=episode.procedure, side=episode.side, day=when, seed=seed
        )
        with clock.replaying(_moment(when, 7 * 60)):  # the VTE reassessment on admission
            assessment_entries.record_entry(
                kind=Kind.VTE,
                episode=episode,
                payload=profiles.vte_assessment("admission", when),
                by=nurse,
                via=Via.CLI,
            )
        with clock.replaying(_moment(when, 8 * 60)):
            draft = surgery_notes.write_note(
                episode=episode, note=written, surgeon=surgeon, by=surgeon, via=Via.CLI
            )
            ranged = episode.procedure == "core-decompression"
            try:
                surgery_notes.sign_note(
                    episode=episode,
                    by=surgeon,
                    via=Via.CLI,
                    draft=draft.draft_hash,
                    offload_days=28 + 7 * (seed % 5) if ranged else None,
                )
            except InvalidInput:
                return False  # the gate refused the signature: the path stops here
        return True
    note = OperationNote.objects.get(episode=episode)
    entry = operations.discharge(
        procedure=episode.procedure,
        operated_on=note.operated_on,
        ended_at=note.ended_at,
        day=when,
        seed=seed,
    )
    with clock.replaying(_moment(when, 10 * 60)):
        surgery_recovery.record_discharge(episode=episode, entry=entry, by=nurse, via=Via.CLI)
    _reviews(episode, following or clock.today(), users[Role.PHYSIOTHERAPIST], seed)
    return True


def _reviews(episode: Episode, until: dt.date, physio: User, seed: int) -> None:
    """A physiotherapy review on each review day the plan gives, up to ``until``."""
    found = surgery_selectors.plan_of(episode)
    if found is None:
        return
    plan = found[0]
    due = [a.due_on for a in plan.appointments if a.kind == "physiotherapy-review"]
    for index, day in enumerate(d for d in due if d <= until):
        current = (
            next((p for p in plan.phases if p.starts_on <= day < p.ends_on), plan.phases[-1])
            if plan.phases
            else None
        )
        position = plan.phases.index(current) if current else 0
        move_on = current is not None and position + 1 < len(plan.phases) and index == position
        with clock.replaying(_moment(day, 14 * 60)):
            surgery_recovery.record_review(
                episode=episode,
                entry=operations.review(
                    day=day,
                    weight_bearing=current.weight_bearing if current else "full",
                    aid=current.walking_aid if current else "none",
                    seed=seed + index,
                    move_on=move_on,
                ),
                by=physio,
                via=Via.CLI,
            )


def _play_episode(
    patient: Patient, plan: EpisodePlan, referred: dt.date, users: dict[Role, User], seed: int
) -> int:
    with clock.replaying(_moment(referred, 0)):
        episode = pathways.open_episode(
            patient=patient,
            side=plan.side.value,
            procedure=plan.procedure,
            referred_on=referred,
            by=users[Role.ADMINISTRATOR],
            via=Via.CLI,
        )
    replacement, day = _play_steps(episode, plan.steps, referred, users, seed)
    if replacement is None:
        return 1
    _play_steps(replacement, plan.replacement_steps, day, users, seed + 1)
    return 2


@audit.atomic()
def load_patient(plan: PatientPlan, users: dict[Role, User], today: dt.date) -> int:
    """Register one planned patient and play their episodes; return the episodes made."""
    first_referral = today - dt.timedelta(days=max(plan.referred_days_ago))
    with clock.replaying(_moment(first_referral, -30)):
        patient = patients.register_patient(
            details=PatientDetails(
                given_name=plan.given_name,
                family_name=plan.family_name,
                date_of_birth=plan.date_of_birth,
                sex=plan.sex,
                nhs_number=plan.nhs_number,
                hospital_number=plan.hospital_number,
                phone=plan.phone,
                postcode=plan.postcode,
            ),
            by=users[Role.ADMINISTRATOR],
            via=Via.CLI,
        )
    surveillance.elsewhere(patient, plan, users, first_referral, today)  # resurfaced elsewhere
    made = 0
    for number, (episode_plan, days_ago) in enumerate(
        zip(plan.episodes, plan.referred_days_ago, strict=True)
    ):
        seed = int(plan.hospital_number[1:]) * 2 + number
        made += _play_episode(
            patient, episode_plan, today - dt.timedelta(days=days_ago), users, seed
        )
    if plan.died_days_ago is not None:  # after every hip was discharged from follow-up
        died_on = today - dt.timedelta(days=plan.died_days_ago)
        with clock.replaying(_moment(died_on, 1)):
            endpoints.record_death(
                patient=patient, on=died_on, related_to_hip="no", by=users[Role.NURSE], via=Via.CLI
            )
    return made


def refresh_all() -> int:
    """Run the nightly readiness check once over the demo, as of today; how many hips moved."""
    run = nightly.refresh_tracked(
        episodes=Episode.objects.filter(patient__hospital_number__startswith="D")
    )
    if run.failed:
        raise RuntimeError("the readiness check failed for " + "; ".join(run.failed))
    return len(run.moves)


def _portal_patient(today: dt.date) -> Patient:
    """The demo's own portal patient, loaded as every demo patient is, programmes refreshed."""
    users = {
        role: User.objects.get(username=name) for name, (role, _, _) in logins.DEMO_USERS.items()
    }
    plan = logins.portal_patient_plan(today)
    if not Patient.objects.filter(hospital_number=plan.hospital_number).exists():
        load_patient(plan, users, today)
    patient = Patient.objects.get(hospital_number=plan.hospital_number)
    for episode in patient.episodes.all():
        follow_up.refresh(episode)
        for enrolment in Enrolment.objects.filter(episode=episode):
            surveillance_programme.refresh(enrolment)
    return patient


def link_patient_account(user: User, by: User) -> Patient:
    """Link the demo patient account to a demo patient whose hips show every portal page.

    One hip operated here and followed, the other before its operation with the letter's
    medicine dates (``logins.shows_every_page``); else the demo's own portal patient.
    """
    linked = Patient.objects.filter(user=user).first()
    if linked is not None:
        return linked
    candidate = logins.portal_candidate() or _portal_patient(clock.today())
    return patients.link_account(patient=candidate, user=user, by=by, via=Via.CLI)
