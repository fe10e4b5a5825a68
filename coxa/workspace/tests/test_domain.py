"""The workspace's pure rules: groups, the anaesthetic question, the banner's words."""

import datetime as dt
import uuid

from coxa.workspace.domain import banner, home


def item(what, urgent=False):
    return home.Item(what=what, task="surgery:operation", key=uuid.uuid4(), urgent=urgent)


def test_a_group_puts_urgent_items_first_and_shows_at_most_shown():
    items = [item(f"n{n}") for n in range(home.SHOWN + 3)] + [item("late", urgent=True)]
    made = home.group("g", "Title", "Nothing", items, len(items))
    assert made.items[0].what == "late"
    assert len(made.items) == home.SHOWN
    assert made.count == home.SHOWN + 4
    assert made.hidden == 4


def test_a_theatre_list_keeps_its_own_order():
    items = [item("first"), item("second", urgent=True)]
    made = home.group("g", "T", "E", items, 2, urgent_first=False)
    assert [i.what for i in made.items] == ["first", "second"]


def test_a_count_is_never_below_the_items_shown():
    assert home.group("g", "T", "E", [item("a"), item("b")], 0).count == 2


def test_the_anaesthetic_question_names_each_reason():
    assert home.anaesthetic_question(asa="II", decisions=0, ready=True) == ""
    assert home.anaesthetic_question(asa="III", decisions=0, ready=True) == "ASA grade III"
    assert home.anaesthetic_question(asa=None, decisions=2, ready=False) == (
        "2 medicine decisions wait; not ready for surgery"
    )
    assert "a medicine decision waits" in home.anaesthetic_question(
        asa="VI", decisions=1, ready=True
    )


def test_the_home_names_each_hip_once():
    one = uuid.uuid4()
    shown = home.Item(what="a", task="t", key=one, episode=one)
    again = home.Item(what="b", task="t", key=one, episode=one)
    account = home.Item(what="c", task="accounts:user-edit", key="sam")
    made = home.Home("Surgeon", (home.group("g", "T", "E", [shown, again, account], 3),))
    assert made.shown == (one,)
    assert made.total == 3


def shown(name="Latex"):
    return banner.AllergyShown(name)


def test_unknown_allergies_are_never_shown_as_none():
    said = banner.allergies([], none_known_on=None)
    assert said.state is banner.AllergyState.NOT_RECORDED
    assert said.state.label == "Allergies not recorded"


def test_no_known_allergies_only_when_recorded():
    day = dt.date(2026, 3, 2)
    said = banner.allergies([], none_known_on=day)
    assert said.state.label == "No known allergies"
    assert said.reviewed_on == day


def test_an_active_allergy_is_shown_whatever_a_review_said():
    said = banner.allergies([shown()], none_known_on=dt.date(2026, 3, 2))
    assert said.state is banner.AllergyState.LISTED
    assert [a.substance for a in said.listed] == ["Latex"]


def test_alerts_most_serious_first_in_words():
    found = banner.alerts(
        died_on=dt.date(2026, 1, 5),
        contraindicated=True,
        cautions=("Age over 65", "Small head"),
        pending=("Clopidogrel", "Clopidogrel"),
        stent=True,
        flagged_on=dt.date(2025, 12, 1),
    )
    assert [a.kind for a in found] == [
        banner.AlertKind.DECEASED,
        banner.AlertKind.CANDIDACY,
        banner.AlertKind.CANDIDACY,
        banner.AlertKind.MEDICINE,
        banner.AlertKind.STENT,
        banner.AlertKind.SURVEILLANCE,
    ]
    texts = [a.text for a in found]
    assert texts[0] == "Died 5 Jan 2026"
    assert texts[2] == "2 cautions not acknowledged by a surgeon"
    assert texts[3] == "Decision needed before surgery: Clopidogrel"
    assert texts[5] == "Metal-on-metal surveillance flag since 1 Dec 2025"


def test_no_alerts_when_nothing_is_held():
    assert (
        banner.alerts(
            died_on=None,
            contraindicated=False,
            cautions=(),
            pending=(),
            stent=False,
            flagged_on=None,
        )
        == ()
    )
