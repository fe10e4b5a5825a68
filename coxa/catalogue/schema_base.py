"""The building blocks every catalogue schema uses: codes, source lists, strict models."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
SourceIds = Annotated[tuple[Code, ...], Field(min_length=1)]


class Strict(BaseModel):
    # defer_build: each model's validator is built when first used, not as Coxa loads; the
    # catalogue's files build theirs, with the parts they hold, when they are read (issue 20).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)
