"""`coxa synth` and `coxa analytics`: both need the analytics extra (``needs_extra``)."""

from django.core.management.base import CommandError

from coxa.analytics import extra

NEEDS_EXTRA = 2  # the exit status without the analytics extra, as for bad arguments


def needs_extra() -> None:
    """Stop with exit status 2 and the sentence saying how, unless the analytics extra is in.

    Called first in ``handle``, before the commands import the extra's libraries.
    """
    sentence = extra.problem()
    if sentence is not None:
        raise CommandError(sentence, returncode=NEEDS_EXTRA)
