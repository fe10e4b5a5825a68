"""The patient's "getting ready for your operation" letter, as typed data any page may show.

A read of identifiable data built from the readiness evaluation (a service), so it sits with
the services; like every such read it fetches the episode through ``access_episode`` (which
checks and records the read) and records each printed copy.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from coxa.accounts.models import User
from coxa.assessment.domain.panel import Panel
from coxa.assessment.services import readiness
from coxa.catalogue.registry import WatchFor, get_procedure, watch_for
from coxa.core import audit, clock
from coxa.decisions.domain.medicines import MedicineStop
from coxa.decisions.domain.rules.readiness import NEEDS_HAEMATOLOGY
from coxa.pathways.domain import AFTER_OPERATION
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.patients.models import Patient


@dataclass(frozen=True)
class Letter:
    """What the letter says; the template ``assessment/shared/letter_body.html`` shows it."""

    episode: Episode
    patient: Patient
    panel: Panel
    after_operation: bool
    smokes: bool  # from the same evaluation: a smoking status past its validity is not used
    today: dt.date

    @property
    def stops(self) -> tuple[MedicineStop, ...]:
        return self.panel.medication_stops

    @property
    def asks_about_pregnancy(self) -> bool:
        """As the pregnancy rule asks: X-rays in theatre, not a man, of childbearing age."""
        return any(
            f.rule_id == "readiness.pregnancy" and f.facts.get("applies")
            for f in self.panel.findings
        )

    @property
    def sees_haematology(self) -> bool:
        """Sickle cell disease or another haemoglobinopathy needs a haematologist's plan."""
        return any(
            f.rule_id == "readiness.haemoglobinopathy"
            and f.facts.get("haemoglobinopathy") in NEEDS_HAEMATOLOGY
            for f in self.panel.findings
        )

    @property
    def watch_for(self) -> WatchFor | None:
        """The warning signs after this procedure and whom to call (None: no such procedure)."""
        procedure = get_procedure(self.episode.procedure)
        return watch_for(procedure) if procedure else None


def letter_of(episode: Episode) -> Letter:
    evaluation = readiness.evaluate_episode(episode)
    return Letter(
        episode=episode,
        patient=episode.patient,
        panel=evaluation.panel,
        after_operation=episode.state_enum in AFTER_OPERATION,
        smokes=evaluation.document.get("smoking") == "current",
        today=clock.today(),
    )


def access_letter(
    *, actor: User, episode_id: uuid.UUID, via: audit.Via, printed: bool = False
) -> Letter:
    """The letter of an episode the actor may see; ``printed`` records the PDF copy."""
    episode = access_episode(actor=actor, episode_id=episode_id, via=via)
    letter = letter_of(episode)
    if printed:
        audit.record(
            actor=actor,
            action="letter.pdf",
            object_type="episode",
            object_id=episode.public_id,
            patient_id=episode.patient.public_id,
            summary="Getting-ready letter produced as PDF",
            via=via,
        )
    return letter
