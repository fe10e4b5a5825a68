"""Candidacy for total hip replacement, the fallback procedure."""

from typing import Any

from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.findings import Context, Kind, Outcome, rule

OUT = Outcome
Result = tuple[Outcome, str, tuple[str, ...], dict[str, Any]]


@rule("thr.indication", version=1, kind=Kind.CANDIDACY, procedures=("total-hip-replacement",))
def indication(facts: Facts, context: Context) -> Result:
    cited = ("nice-ta304", "cd-page")
    used = {"diagnosis": facts.diagnosis}
    if facts.diagnosis is None:
        return OUT.UNKNOWN, "Diagnosis is not recorded.", cited, used
    return (
        OUT.MET,
        "Hip replacement treats end-stage arthritis, collapsed avascular necrosis and "
        "failed hip preservation; the surgeon confirms the indication.",
        cited,
        used,
    )
