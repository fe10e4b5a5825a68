"""What a surveillance review's recommendation is made of (pure; issue 15).

The symptoms asked, the actions in order of seriousness, and each reason with its rule.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_ASKED = "not-asked"


# What the patient is asked at each review (MHRA MDA/2017/018 counts a patient with symptoms
# apart from one without).
SYMPTOMS: dict[str, str] = {
    "pain": "Pain in the hip, groin or thigh",
    "swelling": "Swelling or a lump around the hip",
    "clicking": "Clicking, clunking or grinding from the hip",
    "new-limp": "A new limp",
    "systemic": "New symptoms elsewhere in the body since the last check",
}
# What a patient with a metal-on-metal hip can notice between checks and should call about:
# the review's own symptoms (no second text), shown on the public page and the portal's hip.
BETWEEN_CHECKS: tuple[str, ...] = tuple(
    SYMPTOMS[code] for code in ("pain", "swelling", "clicking", "new-limp")
)


class Recommendation(StrEnum):
    ROUTINE = "routine"
    COMPLETE = "complete-check"
    REPEAT_BLOODS = "repeat-bloods"
    IMAGE = "image"
    REFER = "refer-revision"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self]

    @property
    def severity(self) -> int:
        """Its place in the order of seriousness (routine least, refer most)."""
        return list(Recommendation).index(self)


RECOMMENDATION_LABELS = {
    Recommendation.ROUTINE: "Continue routine surveillance",
    Recommendation.COMPLETE: "Complete the check: something it needs is missing",
    Recommendation.REPEAT_BLOODS: "Repeat the blood metal levels in 3 months",
    Recommendation.IMAGE: "Image the hip (MARS MRI or ultrasound)",
    Recommendation.REFER: "Refer to discuss revision",
}

RULE_VERSION = 1  # of the rules below; the table's version is beside it on every reason


@dataclass(frozen=True, slots=True)
class Reason:
    rule_id: str
    action: Recommendation
    message: str
    sources: tuple[str, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)
    due_on: dt.date | None = None

    def as_json(self, table_version: str) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_version": RULE_VERSION,
            "table_version": table_version,
            "action": self.action.value,
            "message": self.message,
            "sources": list(self.sources),
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "facts": {
                k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.facts.items()
            },
        }
