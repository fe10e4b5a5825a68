"""The check that a note is complete reads the catalogue's operation_note_fields (pure)."""

import datetime as dt

import pytest
from pydantic import ValidationError

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import all_procedures, get_procedure
from coxa.catalogue.schema import NoteField, Procedure
from coxa.surgery.domain.note_checks import note_problems
from coxa.surgery.domain.notes import NoteContext
from coxa.surgery.tests.conftest import OPERATED_ON, bhr_note, cd_note


def _context(procedure: Procedure, **overrides) -> NoteContext:
    catalogue = get_catalogue()
    values = {
        "side": "left",
        "procedure": procedure,
        "listed_on": dt.date(2026, 1, 5),
        "today": OPERATED_ON,
        "thresholds": {k: t.value for k, t in catalogue.thresholds.items()},
        "templated_head_mm": None,
        "stocked_sizes_mm": {
            k: (r.low, r.high) for k, r in catalogue.settings.bhr_stocked_sizes_mm.items()
        },
        "sex": "male",
        "override_reasons": {},
    }
    return NoteContext(**(values | overrides))


def _without(procedure: Procedure, code: str) -> Procedure:
    fields = tuple(f for f in procedure.operation_note_fields if f.code != code)
    return procedure.model_copy(update={"operation_note_fields": fields})


def _fields(problems) -> set[str | None]:
    return {p.field for p in problems}


def test_a_small_head_is_restricted_only_where_the_catalogue_records_downsizing():
    bhr = get_procedure("bhr")
    small = bhr_note(
        implants=[
            {"component": "femoral", "manufacturer": "S&N", "size_mm": 48, "lot": "F"},
            {"component": "acetabular", "manufacturer": "S&N", "size_mm": 54, "lot": "A"},
        ]
    )
    assert "implants.0.size_reason_code" in _fields(note_problems(small, _context(bhr)))
    relaxed = _context(_without(bhr, "downsizing"))
    assert "implants.0.size_reason_code" not in _fields(note_problems(small, relaxed))


def test_the_graft_is_asked_for_only_where_the_catalogue_records_it():
    cd = get_procedure("core-decompression")
    note = cd_note(side="left", graft_used=None, graft_product="")
    assert "graft_used" in _fields(note_problems(note, _context(cd)))
    assert "graft_used" not in _fields(
        note_problems(note, _context(_without(cd, "bone-graft-substitute")))
    )


def test_the_fixed_components_come_from_the_catalogue():
    bhr = get_procedure("bhr")
    femoral_only = bhr_note(
        implants=[{"component": "femoral", "manufacturer": "S&N", "size_mm": 50, "lot": "F"}]
    )
    assert "implants" in _fields(note_problems(femoral_only, _context(bhr)))
    one_part = _without(bhr, "acetabular-component")
    assert "implants" not in _fields(note_problems(femoral_only, _context(one_part)))


def test_only_for_men_follows_the_catalogues_contraindication():
    bhr = get_procedure("bhr")
    assert "procedure" in _fields(note_problems(bhr_note(), _context(bhr, sex="female")))
    lifted = bhr.model_copy(
        update={"contraindications": tuple(c for c in bhr.contraindications if c.code != "female")}
    )
    assert "procedure" not in _fields(note_problems(bhr_note(), _context(lifted, sex="female")))


@pytest.mark.parametrize("procedure", all_procedures(), ids=lambda p: p.code)
def test_every_procedure_records_the_approach_its_check_requires(procedure):
    """The note check asks for the approach unless it is as recorded: so must the catalogue."""
    assert procedure.records("approach") or procedure.approach == "as-recorded"


def test_the_catalogue_refuses_note_fields_that_disagree():
    bhr = get_procedure("bhr")
    data = bhr.model_dump()
    source = ("bhr-page",)
    with pytest.raises(ValidationError, match="free implant rows or fixed components"):
        Procedure.model_validate(
            data
            | {
                "operation_note_fields": (
                    *bhr.operation_note_fields,
                    NoteField(code="implants", title="Implants", sources=source),
                )
            }
        )
    with pytest.raises(ValidationError, match="records the approach"):
        Procedure.model_validate(_without(bhr, "approach").model_dump())
    with pytest.raises(ValidationError):
        Procedure.model_validate(
            data | {"operation_note_fields": ({"code": "femur", "title": "x", "sources": source},)}
        )
