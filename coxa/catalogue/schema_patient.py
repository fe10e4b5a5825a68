"""A procedure's information for patients: the public page and the leaflet a consent cites.

Written in plain English for someone who has never seen a hospital record. Where the page
lists who an operation suits and who it does not, the tests a patient has before it, or what
the surgeon weighs, each line answers one of the procedure's own statements (an indication,
a contraindication, a caution, a requirement) by its code: the procedure's validator refuses
a catalogue where one has no plain words, so the page can never hide a restriction the
decision engine applies (hazard H77). The page lists the statements and looks up their words,
so words left for a statement that is gone are never shown (and the loader's own message
about the missing statement is not masked by this check).
"""

from typing import Annotated

from pydantic import Field, StringConstraints

from coxa.catalogue.schema_base import Code, Strict

Plain = Annotated[str, Field(min_length=1)]
# Plain words for each of the procedure's statements of one kind, by the statement's code.
Answers = dict[Code, Plain]


class PatientInformation(Strict):
    # The leaflet's version: a consent records which version the patient was given. Change
    # it whenever the text below changes.
    version: Annotated[str, StringConstraints(pattern=r"^\d{4}\.\d+$")]
    overview: Plain  # what the operation is
    suits: Plain  # a sentence before the lists of who it suits and who it does not
    suits_when: Answers  # every indication
    not_for: Answers  # every contraindication
    weighed: Answers = Field(default_factory=dict)  # every caution: what makes it less certain
    preparation: Plain  # getting fit: smoking, weight (the BMI limit is the catalogue's)
    checks: Answers  # every requirement: the tests and checks before the operation
    operation: Plain  # what happens in theatre
    going_home: Plain  # when and where the patient goes after it
    recovery: Plain  # a sentence before the timeline
    risks: Plain  # a sentence before the list of risks
    outcomes: Plain  # what to expect once recovered

    def unanswered(self, **statements: tuple[str, ...]) -> list[str]:
        """The procedure's statements with no plain words: ``not_for=(codes...)``, ...

        Each keyword names a field above and gives the codes of the statements it must answer.
        """
        found = []
        for name, codes in statements.items():
            answers: Answers = getattr(self, name)
            missing = [c for c in codes if c not in answers]
            if missing:
                found.append(f"patient_information.{name}: no plain words for {missing}")
        return found
