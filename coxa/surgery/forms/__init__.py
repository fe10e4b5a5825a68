"""The forms of the operation page: each builds the input its service takes.

What the operation note records for a procedure comes from the catalogue's
``operation_note_fields`` (fixed implant components or free rows, restricted-size reasons,
drill passes and graft, the approach); no form asks which procedure it is by its code.
"""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from coxa.catalogue.schema import Phase, Procedure
from coxa.core.forms import PageForm, date_input
from coxa.core.text import REASON_MAX
from coxa.surgery.domain.notes import (
    REPLACEMENT_COMPONENTS,
    Approach,
    ImplantIn,
    OperationNoteIn,
)
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn
from coxa.surgery.forms import prophylaxis
from coxa.surgery.forms.consent import ConsentForm, WithdrawConsentForm
from coxa.surgery.forms.schedule import ScheduleForm

__all__ = [
    "AddendumForm",
    "AdjustForm",
    "ConfirmForm",
    "ConsentForm",
    "DischargeForm",
    "NoteForm",
    "ReviewForm",
    "ScheduleForm",
    "WithdrawConsentForm",
]

FREE_ROWS = 4  # free implant rows shown (a hip replacement's stem, head, liner and shell)
IMPLANT_FIELDS = tuple(ImplantIn.model_fields)  # the table's columns: the input's fields
_DATE = date_input()
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_YES_NO = [("", "Choose…"), ("yes", "Yes"), ("no", "No")]
# The note's fields the form holds as the input takes them, and as the stored note has them.
_STORED_AS_TYPED = (
    *("operated_on", "started_at", "ended_at", "side", "anaesthetic", "approach_reason"),
    *("graft_product", "findings", "events", "date_change_reason"),
)
_NOTE_AS_CLEANED = (*_STORED_AS_TYPED, "approach", "drill_passes")


def _text(rows: int = 0, **kwargs: Any) -> forms.CharField:
    widget = forms.Textarea({"rows": rows}) if rows else None
    return forms.CharField(required=False, widget=widget, **kwargs)


def _labelled(choices: Any) -> list[tuple[str, str]]:
    return [(str(c), str(c).replace("-", " ").capitalize()) for c in choices]


class NoteForm(PageForm):
    """The operation note; its procedure's catalogue entry decides the fields it has."""

    def __init__(
        self,
        *args: Any,
        procedure: Procedure,
        surgeons: list[tuple[str, str]],
        override_reasons: dict[str, str],
        ranged_phase: Phase | None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        self.rows_used: list[str] = []  # the implant rows, in the order the input has them
        add = self.fields.__setitem__
        add("operated_on", forms.DateField(widget=_DATE, label="Date"))
        add("date_change_reason", _text(label="If not on the booked day, why"))
        add("started_at", forms.TimeField(widget=_TIME, label="Started"))
        add("ended_at", forms.TimeField(widget=_TIME, label="Ended"))
        add("side", forms.ChoiceField(choices=[("left", "Left"), ("right", "Right")]))
        surgeon = forms.ChoiceField(choices=surgeons, label="Operating surgeon")
        surgeon.widget.attrs["id"] = "note-surgeon"
        add("surgeon", surgeon)
        add("assistants", _text(label="Assistants (comma-separated)"))
        options = [(a, a.title()) for a in procedure.anaesthetic_options]
        add("anaesthetic", forms.ChoiceField(choices=options))
        if procedure.records("approach"):
            approaches = [(a.value, a.value.title()) for a in Approach]
            add("approach", forms.ChoiceField(choices=approaches))
            add("approach_reason", _text(label="Reason, if not the usual approach"))
        if procedure.records("drill-passes"):
            add("drill_passes", forms.IntegerField(min_value=1, label="Drill passes"))
        if procedure.records("bone-graft-substitute"):
            add(
                "graft_used",
                forms.ChoiceField(
                    choices=_YES_NO, label="Cavity filled with bone-graft substitute?"
                ),
            )
            add("graft_product", _text(label="Which substitute"))
        if procedure.records("vte-prophylaxis"):
            self.fields.update(prophylaxis.prophylaxis_fields(procedure))
        for row in self.row_names():
            self._add_row(row, override_reasons)
        add("findings", _text(rows=3))
        add("events", _text(rows=2, label="Events during the operation"))
        if ranged_phase is not None:
            add("offload_days", forms.IntegerField(required=False, min_value=0))
            add("offload_reason", _text())
            self.fields["offload_days"].label = (
                f"{ranged_phase.title}: days after the operation ({ranged_phase.end_day_min} "
                f"to {ranged_phase.end_day_max}; chosen when signing)"
            )
            self.fields[
                "offload_reason"
            ].label = f"If longer than {ranged_phase.end_day_max} days, why"

    def row_names(self) -> list[str]:
        """One row per fixed component, else free rows numbered from 0."""
        fixed = self.procedure.fixed_components
        if fixed or not self.procedure.records("implants"):
            return list(fixed)
        return [str(i) for i in range(FREE_ROWS)]

    def _add_row(self, row: str, reasons: dict[str, str]) -> None:
        fixed = bool(self.procedure.fixed_components)
        number = row if fixed else str(int(row) + 1)
        columns: dict[str, forms.Field] = {
            "manufacturer": _text(label=f"Manufacturer {number}"),
            "product": _text(label=f"Product {number}"),
            "size_mm": forms.FloatField(
                required=False, label=f"Size {number}", widget=forms.NumberInput({"step": "any"})
            ),
            "lot": _text(label=f"Lot {number}"),
            "udi": _text(label=f"UDI {number}"),
        }
        if not fixed:
            choices = [
                ("", "Choose…"),
                *((c.value, c.value.title()) for c in REPLACEMENT_COMPONENTS),
            ]
            columns = {
                "component": forms.ChoiceField(
                    choices=choices, required=False, label=f"Component {number}"
                ),
                **columns,
            }
        if self.procedure.records("downsizing"):
            columns["size_reason_code"] = forms.ChoiceField(
                choices=[("", "Not restricted"), *reasons.items()],
                required=False,
                label=f"Restricted size reason {number}",
            )
            columns["size_reason"] = _text(label=f"Restricted size note {number}")
        for name, field in columns.items():
            field.widget.attrs["aria-label"] = str(field.label)
            self.fields[f"implant-{row}-{name}"] = field

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The implant table: each row's name and its bound fields, in column order."""
        return [
            (row, [self[k] for k in self.fields if k.startswith(f"implant-{row}-")])
            for row in self.row_names()
        ]

    def columns(self) -> list[str]:
        """The implant table's headings."""
        titles = ["Component", "Manufacturer", "Product", "Size (mm)", "Lot / batch", "UDI"]
        if self.procedure.records("downsizing"):
            titles += ["Restricted size: reason", "Restricted size: note"]
        return titles

    def plain_fields(self) -> list[forms.BoundField]:
        return [self[k] for k in self.fields if not k.startswith("implant-")]

    def field_for(self, path: str) -> str | None:
        """``implants.0.size_mm`` is the size of the first row the input holds."""
        parts = path.split(".")
        if parts[0] == "implants" and len(parts) == 3 and parts[1].isdecimal():  # noqa: PLR2004
            index = int(parts[1])
            if index < len(self.rows_used):
                name = f"implant-{self.rows_used[index]}-{parts[2]}"
                return name if name in self.fields else None
        return prophylaxis.field_for(path) or super().field_for(path)

    def note_input(self, data: dict[str, Any]) -> OperationNoteIn:
        implants = []
        self.rows_used = []
        fixed = self.procedure.fixed_components
        for row in self.row_names():
            values = {k: data.get(f"implant-{row}-{k}") for k in IMPLANT_FIELDS if k != "component"}
            component = row if fixed else data.get(f"implant-{row}-component", "")
            if not fixed and not (values["manufacturer"] or values["lot"] or values["size_mm"]):
                continue
            implant = {k: v for k, v in values.items() if v not in (None, "")}
            implant |= {"component": component or None}
            implant |= {k: values[k] or "" for k in ("manufacturer", "lot")}
            implants.append(implant)
            self.rows_used.append(row)
        note: dict[str, Any] = {k: data[k] for k in _NOTE_AS_CLEANED if k in data}
        note["procedure"] = self.procedure.code
        note["assistants"] = [a.strip() for a in data["assistants"].split(",") if a.strip()]
        note["implants"] = implants
        if "graft_used" in data:
            note["graft_used"] = {"yes": True, "no": False}.get(data["graft_used"])
        note["vte_prophylaxis"] = prophylaxis.prophylaxis_input(data)
        return OperationNoteIn.model_validate(note)

    @staticmethod
    def initial_from(note: Any, booking: Any, procedure: Procedure) -> dict[str, Any]:
        """What the form shows before anything is typed: the stored draft, else the booking."""
        usual = procedure.approach if procedure.approach != "as-recorded" else ""
        if note is None:
            return {
                "operated_on": booking.operation_on if booking else None,
                "surgeon": booking.surgeon.username if booking else None,
                "approach": usual,
            }
        initial: dict[str, Any] = {k: getattr(note, k) for k in _STORED_AS_TYPED}
        initial |= {
            "surgeon": note.surgeon.username,
            "assistants": ", ".join(note.assistants),
            "approach": note.approach or usual,
            "drill_passes": note.drill_passes or None,
            "graft_used": "" if note.graft_used is None else "yes" if note.graft_used else "no",
        }
        initial |= prophylaxis.prophylaxis_initial(note.vte_prophylaxis)
        stored = list(note.implants.all())
        fixed = procedure.fixed_components
        for index, implant in enumerate(stored):
            row = implant.component if fixed else str(index)
            initial |= {f"implant-{row}-{k}": getattr(implant, k) for k in IMPLANT_FIELDS}
            if implant.size_mm is not None:
                initial[f"implant-{row}-size_mm"] = f"{implant.size_mm:g}"
        return initial


class ConfirmForm(PageForm):
    draft = forms.CharField(widget=forms.HiddenInput)


class AddendumForm(PageForm):
    text = forms.CharField(widget=forms.Textarea({"rows": 2}), label="Addendum")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "addendum-%s")
        super().__init__(*args, **kwargs)


class DischargeForm(PageForm):
    """Discharge; one checkbox for each of the procedure's discharge criteria."""

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "discharge-%s")
        super().__init__(*args, **kwargs)
        self.criteria = [c.code for c in procedure.discharge.criteria]
        add = self.fields.__setitem__
        add(
            "out_of_bed_at",
            forms.DateTimeField(
                label="First out of bed",
                input_formats=["%Y-%m-%dT%H:%M"],
                widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            ),
        )
        add("discharged_on", forms.DateField(widget=_DATE, label="Discharged on"))
        places = {"home": "Home", "rehabilitation-facility": "A rehabilitation facility"}
        choices = [(d, places.get(d, d)) for d in procedure.discharge.destinations]
        add("destination", forms.ChoiceField(choices=choices, label="Going to"))
        add(
            "destination_reason",
            _text(rows=2, label="Why there (pain, ability to cope at home)"),
        )
        for criterion in procedure.discharge.criteria:
            add(
                f"criterion-{criterion.code}",
                forms.BooleanField(required=False, label=criterion.text),
            )
        add(
            "unmet_reason",
            _text(rows=2, label="If a criterion is not met: why the patient goes anyway"),
        )

    def field_for(self, path: str) -> str | None:
        if path.startswith("criteria."):
            return super().field_for(f"criterion-{path.removeprefix('criteria.')}")
        return super().field_for(path)

    def entry(self, data: dict[str, Any]) -> DischargeIn:
        moment: dt.datetime = data["out_of_bed_at"]
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return DischargeIn.model_validate(
            {
                "out_of_bed_at": moment,
                "discharged_on": data["discharged_on"],
                "destination": data["destination"],
                "destination_reason": data["destination_reason"],
                "criteria": {c: data[f"criterion-{c}"] for c in self.criteria},
                "unmet_reason": data["unmet_reason"],
            }
        )


class AdjustForm(PageForm):
    """Change a signed plan: a day for each phase end (if allowed) and each appointment."""

    reason = _text(max_length=REASON_MAX, label="Reason")

    def __init__(
        self,
        *args: Any,
        phase_days: list[tuple[Any, int]],
        appointment_days: list[tuple[Any, int]],
        may_set_phases: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "plan-%s")
        super().__init__(*args, **kwargs)
        self.now: dict[str, int] = {}
        reason = self.fields.pop("reason")
        for phase, day in phase_days:
            self._day(
                f"phase-{phase.code}",
                day,
                f"{phase.title}: ends on day (now {day}; {phase.end_day_min} to "
                f"{phase.end_day_max})",
            )
            if not may_set_phases:
                # The phases' ends are the surgeon's (weight bearing): not shown to others, but
                # a day posted anyway still reaches the service, which refuses it (and audits).
                self.fields[f"phase-{phase.code}"].widget = forms.HiddenInput()
        for appointment, day in appointment_days:
            self._day(
                f"appointment-{appointment.key}", day, f"{appointment.title}: day (now {day})"
            )
        self.fields["reason"] = reason

    def _day(self, name: str, day: int, label: str) -> None:
        self.now[name] = day
        self.fields[name] = forms.IntegerField(
            required=False, label=label, widget=forms.NumberInput({"placeholder": day})
        )

    def field_for(self, path: str) -> str | None:
        for plural, singular in (("phases.", "phase-"), ("appointments.", "appointment-")):
            if path.startswith(plural):
                return super().field_for(singular + path.removeprefix(plural))
        return super().field_for(path)

    def changes(self, data: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
        """The days the form changes (a day typed as it already is changes nothing)."""
        changed = {
            k: v for k, v in data.items() if k in self.now and v is not None and v != self.now[k]
        }

        def under(prefix: str) -> dict[str, int]:
            return {k.removeprefix(prefix): v for k, v in changed.items() if k.startswith(prefix)}

        return under("phase-"), under("appointment-")


class ReviewForm(PageForm):
    reviewed_on = forms.DateField(widget=_DATE)
    walking_aid = forms.ChoiceField(choices=_labelled(("crutches", "cane", "frame", "none")))
    weight_bearing = forms.ChoiceField(
        choices=_labelled(("as-advised", "offloaded", "partial", "full"))
    )
    flexion_deg = forms.FloatField(required=False, label="Flexion (°)")
    abduction_deg = forms.FloatField(required=False, label="Abduction (°)")
    internal_rotation_deg = forms.FloatField(required=False, label="Internal rotation (°)")
    external_rotation_deg = forms.FloatField(required=False, label="External rotation (°)")
    pain = forms.IntegerField(required=False, min_value=0, max_value=10, label="Pain (0 to 10)")
    exercises_progressed = _text()
    progress_to_next_phase = forms.BooleanField(required=False, label="Move on to the next phase")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "review-%s")
        super().__init__(*args, **kwargs)

    @staticmethod
    def entry(data: dict[str, Any]) -> PhysioReviewIn:
        return PhysioReviewIn.model_validate({k: v for k, v in data.items() if v not in (None, "")})
