"""Coxa's terminology: every clinical code, code system and unit, in one place. Pure.

- ``codes.py``: the code systems (by FHIR URI) and one table of every code Coxa reads or
  writes (SNOMED CT, LOINC, ICD-10, WHO ATC), each with its display and its source; its rows
  that say whether a condition is a hip's, and which side, are in ``hips.py``, and what a
  row is (system, use, code) in ``kinds.py``.
- ``units.py``: the measurements Coxa stores, each in one UCUM unit with its plausible
  range and the units it converts from; ``normalise`` converts a value or refuses it.

Every app may import it; it imports no app (import-linter). A new code needs a verified
source: one that is not in the table stays unknown, never guessed.
"""
