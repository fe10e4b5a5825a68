"""What the history asked with the medicines records, beyond yes-or-no questions. Pure.

A haemoglobinopathy (a haematologist plans the operation for sickle cell disease and the
like), a replaced heart valve (a mechanical one needs an anticoagulant, never a DOAC), and,
before an operation that uses X-rays, whether the patient is or may be pregnant.
"""

from typing import Literal

Haemoglobinopathy = Literal[
    "none",
    "sickle-cell-trait",
    "sickle-cell-disease",
    "thalassaemia-trait",
    "thalassaemia-major",
    "other",
]
HeartValve = Literal["none", "bioprosthetic", "mechanical"]
Pregnancy = Literal["not-pregnant", "possibly-pregnant", "pregnant"]
