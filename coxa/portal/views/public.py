"""The public site: the front page and a page about each operation, drawn from the catalogue.

Nothing here is typed per operation. Who an operation suits and who it does not are the
catalogue's indications and contraindications in the patient's words (the catalogue's schema
refuses a statement without them); the limits on weight and smoking are the thresholds the
decision engine reads. The medicines a team may stop are the policy's advice for the
operation, said as what may happen to some people (the engine stops none without knowing why
it is taken), after a warning never to stop one alone, with what each policy's source says.
The recovery timeline is the plan the surgery app gives a real patient
(``surgery.domain.plan.generate``), counted from the day of the operation; the warning signs
and numbers are the ones every plan shows (hazard H77).
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import public
from coxa.accounts.permissions import Op
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import all_procedures, get_procedure, watch_for
from coxa.catalogue.schema import Catalogue, Procedure, Source
from coxa.catalogue.schema_medicines import MedicationStop
from coxa.core.contacts import service_contacts
from coxa.decisions.domain.medicines import advice_for
from coxa.surgery.domain.plan import WEIGHT_BEARING_WORDS, Plan, generate
from coxa.surveillance.domain.advice import BETWEEN_CHECKS

# Any day will do: the page counts days from the operation, never shows a date. A Monday,
# though no calendar is passed, so no appointment moves off its catalogue day.
SOME_OPERATION_DAY = dt.date(2026, 1, 5)
DAYS_A_YEAR = 365
MONTHS_FROM_DAY = 84  # from 12 weeks on, a time is said in months
DAYS_A_MONTH = 30.44

ANAESTHETIC_WORDS = {
    "general": "A general anaesthetic: you are asleep during the operation.",
    "spinal": "A spinal anaesthetic: you are numb from the waist down.",
}
# Words in an operation's name a reader may not know, explained where the name is first shown.
EXPLAINED = {"femoral head": "femoral head (the ball of the hip)"}

# Medicines. The warning comes first: the engine never stops aspirin or another antiplatelet
# by the policy when it is taken for the heart or arteries, or when why is not known
# (decisions/domain/medicines.py, clinical-facts 3.6).
NEVER_ALONE = (
    "Never stop a medicine on your own: talk to your team first. This matters most for "
    "aspirin or any other blood thinner you take for a stent, after a heart attack or a "
    "stroke, or for narrowed arteries in your legs, and for any medicine when you do not "
    "know why you take it."
)
# A class a policy stops, in a patient's words, and what it does not include.
CLASS_WORDS = {"nsaid": "anti-inflammatory painkillers"}
NOT_MEANT = {"nsaid": "not steroid tablets"}
POLICY_WORDS = {
    "source-page": "The patient information this service is modelled on",
    "current-guidance": "Current guidance on blood thinners around an operation",
}


@dataclass(frozen=True)
class Moment:
    """One entry of the recovery timeline: when (in words, and as days after the operation)."""

    kind: str  # "operation", "phase" or "appointment"
    first_day: int  # days after the operation (0: the day of the operation)
    last_day: int | None  # a phase's end (its latest, when the surgeon chooses within a range)
    when: str  # "Weeks 1 to 2", "Week 6", "About 3 months"
    what: str
    detail: str = ""

    @property
    def duration(self) -> str:
        """The time from the operation as an ISO 8601 duration, for ``<time datetime>``."""
        return f"P{self.first_day}D"


def _week(day: int) -> int:
    """The week a day after the operation falls in: days 1 to 7 are week 1."""
    return max(1, math.ceil(day / 7))


def after(day: int) -> str:
    """A day after the operation as a person says it: "Week 2", "About 3 months", "1 year"."""
    if day == 0:
        return "The day of the operation"
    if day % DAYS_A_YEAR == 0:
        years = day // DAYS_A_YEAR
        return f"{years} year{'s' if years > 1 else ''}"
    if day >= MONTHS_FROM_DAY:
        return f"About {round(day / DAYS_A_MONTH)} months"
    return f"Week {_week(day)}"


def weeks(first_day: int, last_day: int, latest_day: int) -> str:
    """A phase's weeks: "Weeks 1 to 2", or "Weeks 1 to 4, or up to week 8" for a range."""
    first, last, latest = first_day // 7 + 1, _week(last_day), _week(latest_day)
    said = f"Week {first}" if first == last else f"Weeks {first} to {last}"
    return said if latest == last else f"{said}, or up to week {latest}"


def timeline(plan: Plan) -> tuple[Moment, ...]:
    """The plan as days after the operation, in order: the operation, phases, appointments."""

    def day(on: dt.date) -> int:
        return (on - plan.operation_on).days

    moments = [Moment("operation", 0, None, after(0), "Your operation")]
    for phase in plan.phases:
        first, last, latest = day(phase.starts_on), day(phase.earliest_end), day(phase.latest_end)
        detail = WEIGHT_BEARING_WORDS[phase.weight_bearing] + "."
        if latest != last:
            detail += " Your surgeon decides at the operation how long this lasts."
        moments.append(
            Moment("phase", first, latest, weeks(first, last, latest), phase.title, detail)
        )
    moments += [
        Moment("appointment", day(a.due_on), None, after(day(a.due_on)), a.title)
        for a in plan.appointments
    ]
    rank = {"operation": 0, "appointment": 1, "phase": 2}
    return tuple(sorted(moments, key=lambda m: (m.first_day, rank[m.kind])))


def example_plan(procedure: Procedure) -> Plan:
    """The plan a patient having this operation would be given, from the surgery app."""
    return generate(procedure, SOME_OPERATION_DAY)


def plain_title(title: str) -> str:
    """An operation's name with the words a reader may not know explained (first use)."""
    for term, said in EXPLAINED.items():
        title = title.replace(term, said, 1)
    return title


@dataclass(frozen=True)
class Cited:
    """What one policy's source says about stopping medicines, with those sources."""

    text: str
    sources: tuple[Source, ...]
    followed: bool  # the service's policy (settings.medication_stop_policy)


@dataclass(frozen=True)
class MedicineWords:
    """The page's medicines: the warning, then what may happen, then what each source says."""

    warning: str
    may_stop: str  # "" when the service's policy stops no medicine for this operation
    guidance: tuple[Cited, ...]  # each policy, the service's first; () when none stops one


def _stops(catalogue: Catalogue, procedure: Procedure, policy: str) -> tuple[MedicationStop, ...]:
    """A policy's stops with a date for this operation alone (aspirin for resurfacing, say)."""
    advice = advice_for(catalogue.medication_stops, policy, procedure.code)
    found = {id(a): a for a in advice.values() if a.procedures and a.action == "stop"}
    return tuple(found.values())


def _named(catalogue: Catalogue, stops: tuple[MedicationStop, ...]) -> str:
    """The medicines stopped, as "aspirin or anti-inflammatory painkillers such as ..."."""
    said = []
    for stop in stops:
        names = [catalogue.medicines[c].name.lower() for c in stop.atc if c in catalogue.medicines]
        if len(names) == 1:
            said.append(names[0])
            continue
        words = CLASS_WORDS.get(stop.drug_class, f"{stop.drug_class} medicines")
        if names:
            words += f" such as {' or '.join(names[:2])}"
        if stop.drug_class in NOT_MEANT:
            words += f" ({NOT_MEANT[stop.drug_class]})"
        said.append(words)
    return " or ".join(dict.fromkeys(said))


def _cited(catalogue: Catalogue, procedure: Procedure, policy: str, followed: bool) -> Cited:
    stops = _stops(catalogue, procedure, policy)
    if stops:
        days = {s.days_before for s in stops}
        when = f"{days.pop()} days" if len(days) == 1 and None not in days else "some days"
        text = f"advises stopping {_named(catalogue, stops)} {when} before the operation."
        ids = [i for s in stops for i in s.sources]
    else:
        # No stop date: the policy leaves aspirin to the team (ACCP 2022 suggests continuing it).
        text = "suggests that many people keep taking aspirin, and that the team sets a date "
        text += "for any medicine to stop."
        advice = advice_for(catalogue.medication_stops, policy, procedure.code)
        ids = (
            list(advice[("antiplatelet", None)].sources) if ("antiplatelet", None) in advice else []
        )
    sources = tuple(catalogue.sources[i] for i in dict.fromkeys(ids))
    return Cited(f"{POLICY_WORDS[policy]} {text}", sources, followed)


def medicine_words(catalogue: Catalogue, procedure: Procedure) -> MedicineWords:
    """The medicines part of the page, from the service's medicine policy (``advice_for``)."""
    policy = catalogue.settings.medication_stop_policy
    stops = _stops(catalogue, procedure, policy)
    may_stop = (
        f"Your team may ask some people to stop {_named(catalogue, stops)} some days before "
        "the operation. Your letter gives your own dates."
        if stops
        else ""
    )
    policies = sorted(POLICY_WORDS, key=lambda p: p != policy)
    guidance: tuple[Cited, ...] = ()
    if any(_stops(catalogue, procedure, p) for p in policies):
        guidance = tuple(_cited(catalogue, procedure, p, p == policy) for p in policies)
    return MedicineWords(NEVER_ALONE, may_stop, guidance)


@dataclass(frozen=True)
class ProcedurePage:
    """What the procedure page shows, each part from the catalogue or the plan builder."""

    procedure: Procedure
    title: str  # the name, its hard words explained
    suits: tuple[str, ...]
    not_for: tuple[str, ...]
    weighed: tuple[str, ...]
    checks: tuple[str, ...]
    medicines: MedicineWords
    smoking: str
    weight: str
    anaesthetics: tuple[str, ...]  # the kinds a patient may have, to choose with the consultant
    xray: str
    moments: tuple[Moment, ...]
    has_phases: bool
    metal_watch: tuple[str, ...]  # a metal-on-metal hip: what to call about, years on

    @classmethod
    def of(cls, catalogue: Catalogue, procedure: Procedure) -> "ProcedurePage":
        info = procedure.patient_information
        smoke_weeks = catalogue.thresholds["smoking-stop-weeks"].value
        bmi = catalogue.thresholds["bmi-postpone"].value
        plan = example_plan(procedure)
        return cls(
            procedure=procedure,
            title=plain_title(procedure.title),
            suits=tuple(info.suits_when[s.code] for s in procedure.indications),
            not_for=tuple(info.not_for[s.code] for s in procedure.contraindications),
            weighed=tuple(info.weighed[s.code] for s in procedure.cautions),
            checks=tuple(info.checks[r.code] for r in procedure.requirements),
            medicines=medicine_words(catalogue, procedure),
            smoking=f"If you smoke, stop at least {smoke_weeks:g} weeks before the operation. "
            "The sooner you stop, the better.",
            weight=f"If your body mass index (BMI) is {bmi:g} or more, the operation is put "
            "off until it is lower. If you are overweight, losing some weight helps.",
            anaesthetics=tuple(ANAESTHETIC_WORDS[a] for a in procedure.anaesthetic_options),
            xray="X-rays guide the surgeon during the operation, so you will be asked "
            "whether you could be pregnant."
            if procedure.intraoperative_xray.used
            else "",
            moments=timeline(plan),
            has_phases=bool(plan.phases),
            metal_watch=BETWEEN_CHECKS if procedure.bearing == "metal-on-metal" else (),
        )


def cards() -> list[tuple[Procedure, str]]:
    """Each operation with its name as the public pages first show it."""
    return [(p, plain_title(p.title)) for p in all_procedures()]


@public(Op.PAGE_HOME)
def home(request: HttpRequest) -> HttpResponse:
    """The public front page: the service, its operations, how to ask, whom to call."""
    return render(
        request,
        "portal/home.html",
        {"cards": cards(), "contacts": service_contacts()},
    )


@public(Op.PAGE_PROCEDURES)
def procedures(request: HttpRequest) -> HttpResponse:
    """Every operation the service offers, each linking to its page."""
    return render(request, "portal/procedures.html", {"cards": cards()})


@public(Op.PAGE_PROCEDURE)
def procedure(request: HttpRequest, code: str) -> HttpResponse:
    """One operation explained for someone thinking of having it."""
    found = get_procedure(code)
    if found is None:
        raise Http404("No such operation")
    return render(
        request,
        "portal/procedure.html",
        {
            "page": ProcedurePage.of(get_catalogue(), found),
            "watch": watch_for(found),
            "others": [p for p in all_procedures() if p.code != found.code],
        },
    )
