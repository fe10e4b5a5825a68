"""The patient portal: a patient's own records and letters, and nobody else's."""

import pytest

from coxa.core.audit import Via
from coxa.pathways import services as pathways

pytestmark = pytest.mark.django_db


def test_a_patient_reads_their_own_letter_and_no_one_elses(
    web_as, ada_user, ada, bert, nurse, surgeon
):
    own = pathways.open_episode(
        patient=ada, side="left", procedure="core-decompression", by=nurse, via=Via.WEB
    )
    other = pathways.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)
    for episode in (own, other):
        for state in ("assessed", "listed"):
            pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)
    client = web_as(ada_user)
    records = client.get("/portal/").content.decode()
    assert "Getting ready for your operation" in records
    letter = client.get(f"/portal/letters/{own.public_id}/")
    assert letter.status_code == 200
    assert "Dear Ada Lovelace-Byron" in letter.content.decode()
    # Another patient's letter is answered as a letter that does not exist (issue 12).
    assert client.get(f"/portal/letters/{other.public_id}/").status_code == 404
