"""Cards name procedures as the catalogue names them; no label is written in the CDS code."""

from coxa.catalogue.loader import get_catalogue
from coxa.cds.domain.cards import card
from coxa.decisions.domain.findings import Alternative, Candidacy, Decision, Readiness

DECISION = Decision(
    procedure="core-decompression",
    candidacy=Candidacy.CONTRAINDICATED,
    readiness=Readiness.INSUFFICIENT_DATA,
    findings=(),
    alternatives=(Alternative("total-hip-replacement", "collapse"),),
    actions=(),
    catalogue_version="2026.1.1",
)


def renamed(**names):
    catalogue = get_catalogue()
    procedures = {
        code: p.model_copy(update={"in_sentence": names.get(code, p.in_sentence)})
        for code, p in catalogue.procedures.items()
    }
    return catalogue.model_copy(update={"procedures": procedures})


def test_the_summary_names_procedures_from_the_catalogue():
    shown = card("right", DECISION, [], get_catalogue())
    assert shown["summary"] == (
        "Right hip: core decompression not suitable; consider hip replacement; readiness not known"
    )
    shown = card(
        "right",
        DECISION,
        [],
        renamed(**{"core-decompression": "decompression", "total-hip-replacement": "THR"}),
    )
    assert shown["summary"] == (
        "Right hip: decompression not suitable; consider THR; readiness not known"
    )
