"""What each episode state means, in plain English, for the patient reading it. Pure."""

from coxa.pathways.domain import EpisodeState

S = EpisodeState

STATE_FOR_PATIENTS: dict[EpisodeState, str] = {
    S.REFERRED: "We have your referral. A surgeon will see you to talk about your hip.",
    S.ASSESSED: "A surgeon has seen you. Together you are deciding what to do next.",
    S.LISTED: "You are on the list for an operation. A nurse will check you are ready for it.",
    S.OPTIMISING: "Before your operation, some things need to improve to make it safer. "
    "Your team will tell you what they are.",
    S.READY: "You are ready for your operation. We will offer you a date.",
    S.SCHEDULED: "Your operation has a date.",
    S.OPERATED: "You have had your operation.",
    S.RECOVERING: "You are recovering from your operation, with help from the physiotherapists.",
    S.FOLLOW_UP: "We will keep checking how your hip is doing at set times.",
    S.COMPLETED: "You no longer need regular check-ups for this hip. If it gives you trouble, "
    "contact us.",
    S.CONVERTED: "This hip has had a further operation (a hip replacement, or a revision of "
    "the implant). Its care continues under that operation.",
    S.WITHDRAWN: "This treatment is not going ahead.",
    S.DIED: "This episode of care has ended.",
}


def explain(state: EpisodeState) -> str:
    return STATE_FOR_PATIENTS[state]


# ------------------------------------------------------------ metal-on-metal checks (issue 15)
WHOLE_BLOOD = "whole-blood"


def _metals(names: list[str]) -> str:
    return " and ".join(names)


def metal_result_meaning(
    *, matrix: str, cobalt: float | None, chromium: float | None, rising: bool, concern: float
) -> str:
    """What one blood metal result means, for the patient: no numbers needed, no codes.

    ``concern`` is the whole-blood level (micrograms per litre) above which the team looks
    more closely (the catalogue's; MHRA MDA/2015/024). A serum or plasma sample is never
    compared with it.
    """
    if matrix != WHOLE_BLOOD:
        return (
            "This test was done on a different kind of blood sample from the one we use for "
            "these checks, so we cannot compare it with your other results. We will ask you "
            "for another blood test."
        )
    measured = {
        name: v for name, v in (("cobalt", cobalt), ("chromium", chromium)) if v is not None
    }
    plural = len(measured) > 1
    above = [name for name, v in measured.items() if v > concern]
    if above:
        return (
            f"Your {_metals(above)} level{'s were' if len(above) > 1 else ' was'} higher than "
            "the level at which we look more closely. Your hip team will look at this and may "
            "repeat the test or arrange a scan of your hip."
        )
    levels = f"Your {_metals(list(measured))} level{'s were' if plural else ' was'}"
    if any(v == concern for v in measured.values()):
        words = f"{levels} at the level at which we look more closely, but not above it."
    else:
        words = f"{levels} below the level at which we look more closely."
    if rising:
        words += (
            " They have gone up since your last test, so your hip team will look at this more "
            "closely and may arrange a scan."
        )
    return words
