"""The follow-up worklist is read status by status: its split names every status it holds."""

from coxa.outcomes.models import ProgrammeStatus
from coxa.outcomes.worklist import BY_STATUS


def test_the_split_names_every_status_but_ended():
    column, values = BY_STATUS
    assert column == "status"
    assert set(values) == set(ProgrammeStatus.values) - {ProgrammeStatus.ENDED.value}
