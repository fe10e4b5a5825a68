"""The base of every clinic entry's schema (``entries.py``, ``vte.py``). Pure."""

from pydantic import BaseModel, ConfigDict

from coxa.core.inputs import Reason

Text = Reason  # at most 2,000 characters, storable


class Entry(BaseModel):
    # Validators built on first use, not as Coxa loads (catalogue.schema_base.Strict).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
