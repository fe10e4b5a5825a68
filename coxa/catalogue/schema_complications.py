"""The catalogue's complication types: the register's coded list, per procedure, sourced.

Each type says which procedures it can follow (empty: any operation), how it maps to the
registry's revision categories where a source gives the mapping, and whether it needs words
(``other``). The grades (Clavien-Dindo) are fixed by their publication and live in
``outcomes.domain.complications``, not here.
"""

from pydantic import Field, model_validator

from coxa.catalogue.schema_base import Code, SourceIds, Strict


class ComplicationType(Strict):
    code: Code
    title: str = Field(min_length=1)  # plain English, as the clinician and the patient read it
    procedures: tuple[Code, ...] = ()  # the procedures it follows; empty: any
    registry_category: str | None = None  # the registry's category, where a source maps it
    needs_words: bool = False  # "other": the clinician says what it was
    sources: SourceIds


class ComplicationsFile(Strict):
    """complications.yaml."""

    complications: tuple[ComplicationType, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> "ComplicationsFile":
        codes = [c.code for c in self.complications]
        if len(codes) != len(set(codes)):
            raise ValueError("a complication type appears twice")
        if not any(c.needs_words for c in self.complications):
            raise ValueError("the list needs a type for anything else (needs_words: true)")
        return self

    def unknown_procedures(self, declared: set[str]) -> list[str]:
        """A problem for each procedure a type names that the catalogue does not declare."""
        return [
            f"complications.yaml: {kind.code}: unknown procedure {code}"
            for kind in self.complications
            for code in kind.procedures
            if code not in declared
        ]
