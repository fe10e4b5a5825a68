"""The follow-up review page's forms, generated from the catalogue (reviews.yaml).

The fields a role may fill are the only ones drawn: a physiotherapist's form has no X-ray
findings and no plan (the service refuses them from anyone else's hands too). Every finding
of the hip's procedure is a choice that starts at "Not assessed", never at "none".
"""

from typing import Any

from django import forms

from coxa.catalogue.schema_reviews import NOT_ASSESSED, Choices, Finding, ReviewsFile
from coxa.core.forms import PageForm, date_input
from coxa.decisions.domain.staging import LABELS
from coxa.outcomes.domain.reviews import FUNCTION_FIELDS, NONE, PRESENT, STAGED, FollowUpReviewIn

_NOT_RECORDED = ("", "Not recorded")
_FUNCTION = ("seen_on", *FUNCTION_FIELDS)


def _choices(choices: Choices) -> list[tuple[str, str]]:
    return [_NOT_RECORDED, *((c.code, c.text) for c in choices.options)]


def _results(finding: Finding) -> list[tuple[str, str]]:
    if finding.kind == "stage":
        seen = [(STAGED, "Staged (give the system and the stage)")]
    elif finding.options is not None:
        seen = [(o.code, o.text) for o in finding.options.options]
    else:
        seen = [(NONE, "None seen"), (PRESENT, "Present")]
    return [(NOT_ASSESSED, "Not assessed"), *seen]


def finding_field(code: str, part: str = "") -> str:
    return f"finding_{code}_{part}" if part else f"finding_{code}"


class ReviewForm(PageForm):
    """A follow-up review; ``whole`` adds the X-ray findings of ``findings`` and the plan."""

    def __init__(
        self,
        *args: Any,
        spec: ReviewsFile,
        findings: tuple[Finding, ...],
        whole: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "review-%s")
        super().__init__(*args, **kwargs)
        self.findings = findings if whole else ()
        self.whole = whole
        f = self.fields
        f["seen_on"] = forms.DateField(widget=date_input(), label="Seen on")
        f["pain"] = forms.IntegerField(required=False, label="Pain (0 to 10)")
        for angle in spec.movement:
            f[angle.code] = forms.IntegerField(required=False, label=f"{angle.title} (degrees)")
        f["walking_aid"] = forms.ChoiceField(
            required=False, choices=_choices(spec.walking_aids), label="Walking aid"
        )
        f["walking_distance"] = forms.ChoiceField(
            required=False, choices=_choices(spec.walking_distances), label="Walking distance"
        )
        f["work"] = forms.ChoiceField(required=False, choices=_choices(spec.work), label="Work")
        f["sport"] = forms.ChoiceField(required=False, choices=_choices(spec.sport), label="Sport")
        for finding in self.findings:
            self._finding_fields(finding)
        if whole:
            f["plan"] = forms.ChoiceField(
                required=False,
                choices=[_NOT_RECORDED, *((p.code, p.text) for p in spec.plans)],
                label="Plan",
            )
            f["next_review_on"] = forms.DateField(
                required=False, widget=date_input(), label="Next review on"
            )
            f["plan_words"] = forms.CharField(
                required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Plan in words"
            )

    def _finding_fields(self, finding: Finding) -> None:
        f = self.fields
        f[finding_field(finding.code)] = forms.ChoiceField(
            choices=_results(finding), initial=NOT_ASSESSED, label=finding.title
        )
        if finding.kind == "stage":
            f[finding_field(finding.code, "system")] = forms.ChoiceField(
                required=False,
                choices=[_NOT_RECORDED, *((s.value, label) for s, label in LABELS.items())],
                label="Staging system",
            )
            f[finding_field(finding.code, "stage")] = forms.CharField(
                required=False, max_length=10, label="Stage (e.g. IIIA)"
            )
        if finding.measure is not None:
            f[finding_field(finding.code, "amount")] = forms.FloatField(
                required=False, label=f"{finding.measure.title} ({finding.measure.unit})"
            )
        if finding.where:
            f[finding_field(finding.code, "where")] = forms.CharField(
                required=False, max_length=200, label="Where"
            )

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] == "findings" and len(parts) > 1:
            name = finding_field(parts[1], parts[2] if len(parts) > 2 else "")  # noqa: PLR2004
            if name in self.fields:
                return name
            return finding_field(parts[1]) if finding_field(parts[1]) in self.fields else None
        return super().field_for(path)

    def function_fields(self) -> list[forms.BoundField]:
        """The day and what a physiotherapist records too (the point: its day's window)."""
        return [self[n] for n in self.fields if n in _FUNCTION]

    def finding_rows(self) -> list[list[forms.BoundField]]:
        """Each finding's fields, together, for the template."""
        rows = []
        for finding in self.findings:
            base = finding_field(finding.code)
            rows.append([self[n] for n in self.fields if n == base or n.startswith(f"{base}_")])
        return rows

    def entry(self, data: dict[str, Any]) -> FollowUpReviewIn:
        given: dict[str, Any] = {
            k: v for k, v in data.items() if not k.startswith("finding_") and v not in (None, "")
        }
        findings: dict[str, dict[str, Any]] = {}
        for finding in self.findings:
            result = data.get(finding_field(finding.code)) or NOT_ASSESSED
            details = {
                part: value
                for part in ("amount", "where", "system", "stage")
                if (value := data.get(finding_field(finding.code, part))) not in (None, "")
            }
            if result != NOT_ASSESSED or details:
                findings[finding.code] = {"result": result, **details}
        if findings:
            given["findings"] = findings
        return FollowUpReviewIn.model_validate(given)
