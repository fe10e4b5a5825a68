"""The base of every clinic entry's schema (``entries.py``, ``vte.py``). Pure."""

from pydantic import BaseModel, ConfigDict

from coxa.core.inputs import Reason

Text = Reason  # at most 2,000 characters, storable


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
