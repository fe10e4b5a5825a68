"""The catalogue's end points: the coded reasons a hip is converted or revised."""

from pydantic import Field, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict


class ConversionReason(Strict):
    """Why a hip was converted (core decompression to replacement) or revised."""

    code: Code
    label: str = Field(min_length=1)  # plain English, as staff read it
    needs_words: bool = False  # "other": the note must say what
    # The procedures a reason can end (none listed: any). Collapse ends a core decompression,
    # loosening an implant: a reason that cannot apply is refused, as complications are.
    procedures: tuple[Code, ...] = ()
    sources: SourceIds

    def applies_to(self, procedure: str) -> bool:
        return not self.procedures or procedure in self.procedures


class EndpointsFile(Strict):
    """endpoints.yaml."""

    conversion_reasons: tuple[ConversionReason, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> "EndpointsFile":
        codes = [r.code for r in self.conversion_reasons]
        if len(codes) != len(set(codes)):
            raise ValueError("a conversion reason appears twice")
        return self

    def unknown_procedures(self, declared: set[str]) -> list[str]:
        """A problem for each procedure a reason names that the catalogue does not declare."""
        return [
            f"endpoints.yaml: {reason.code}: unknown procedure {code}"
            for reason in self.conversion_reasons
            for code in reason.procedures
            if code not in declared
        ]
