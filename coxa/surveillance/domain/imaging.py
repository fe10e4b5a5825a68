"""Imaging of a metal-on-metal hip: what a MARS MRI, ultrasound or X-ray found (pure).

Every finding may be "not assessed", and "not assessed" is never read as normal. A soft-tissue
study (MARS MRI or ultrasound) records a fluid collection, a solid mass, the largest size,
the pseudotumour class and any muscle or bone involvement, which MHRA MDA/2017/018 names as of
most concern. An X-ray records what it shows of the implant and the bone.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Modality(StrEnum):
    MARS_MRI = "mars-mri"
    ULTRASOUND = "ultrasound"
    XRAY = "xray"

    @property
    def label(self) -> str:
        return MODALITY_LABELS[self]

    @property
    def soft_tissue(self) -> bool:
        """MARS MRI and ultrasound show a soft-tissue reaction; an X-ray does not."""
        return self is not Modality.XRAY


MODALITY_LABELS = {
    Modality.MARS_MRI: "MARS MRI",
    Modality.ULTRASOUND: "Ultrasound",
    Modality.XRAY: "X-ray",
}


class Seen(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not-assessed"

    @property
    def label(self) -> str:
        return {"present": "Present", "absent": "Absent", "not-assessed": "Not assessed"}[
            self.value
        ]


# Hauptfleisch et al., Skeletal Radiol 2012;41:149: I thin-walled cyst (wall under 3 mm);
# II thick-walled cyst; III predominantly solid.
HAUPTFLEISCH = {
    "1": "Type I: thin-walled cyst",
    "2": "Type II: thick-walled cyst",
    "3": "Type III: predominantly solid",
}
CLASSIFICATIONS = {
    "hauptfleisch": "Hauptfleisch",
    "anderson": "Anderson",
    "other": "Another system",
}

# What an X-ray of the hip may show (each present, absent or not assessed).
# Of these, only neck narrowing is not itself a failing implant: it asks for investigation.
XRAY_INVESTIGATE = frozenset({"neck-narrowing"})
XRAY_FINDINGS = {
    "component-loosening": "Loosening of a component",
    "osteolysis": "Bone loss around the implant (osteolysis)",
    "neck-narrowing": "Narrowing of the femoral neck",
    "fracture": "Fracture",
    "component-migration": "Movement of a component",
}


@dataclass(frozen=True, slots=True)
class Study:
    """One imaging study as the rules read it."""

    performed_on: dt.date
    modality: Modality
    fluid_collection: Seen = Seen.NOT_ASSESSED
    solid_mass: Seen = Seen.NOT_ASSESSED
    muscle_involvement: Seen = Seen.NOT_ASSESSED
    bone_involvement: Seen = Seen.NOT_ASSESSED
    very_large: bool = False  # the reporter calls the collection very large
    size_mm: float | None = None
    hauptfleisch: str = ""  # "1" | "2" | "3" | "" (not classed by Hauptfleisch)
    xray: tuple[tuple[str, Seen], ...] = ()

    @property
    def most_concern(self) -> bool:
        """Muscle or bone involved: of most concern (MHRA MDA/2017/018)."""
        return Seen.PRESENT in (self.muscle_involvement, self.bone_involvement)

    @property
    def solid(self) -> bool:
        return self.solid_mass == Seen.PRESENT or self.hauptfleisch == "3"

    @property
    def collection(self) -> bool:
        """A fluid collection: recorded present, or classed as a cyst (Hauptfleisch I or II)."""
        return self.fluid_collection == Seen.PRESENT or self.hauptfleisch in ("1", "2")

    @property
    def abnormal(self) -> bool:
        """Something found, whatever else was left unassessed (never hidden by a gap)."""
        if self.modality.soft_tissue:
            return self.collection or self.solid or self.most_concern
        return bool(self.xray_abnormal)

    @property
    def xray_abnormal(self) -> tuple[str, ...]:
        return tuple(code for code, seen in self.xray if seen == Seen.PRESENT)

    @property
    def unassessed(self) -> tuple[str, ...]:
        """What a soft-tissue study left unassessed (its findings cannot be read as normal)."""
        if not self.modality.soft_tissue:  # an X-ray finding not entered was not assessed
            given = dict(self.xray)
            return tuple(
                c for c in XRAY_FINDINGS if given.get(c, Seen.NOT_ASSESSED) == Seen.NOT_ASSESSED
            )
        named = {
            "fluid_collection": self.fluid_collection,
            "solid_mass": self.solid_mass,
            "muscle_involvement": self.muscle_involvement,
        }
        if self.modality is Modality.MARS_MRI:  # ultrasound does not show bone
            named["bone_involvement"] = self.bone_involvement
        return tuple(k for k, v in named.items() if v == Seen.NOT_ASSESSED)

    @property
    def answers(self) -> bool:
        """Whether the study answers a request for imaging.

        It found something, or it assessed everything its kind can show: a partly read scan
        answers nothing.
        """
        return self.abnormal or not self.unassessed

    @property
    def normal(self) -> bool:
        """Everything assessed and nothing found."""
        return not self.unassessed and not self.abnormal
