"""Data access for the Collages table: the only module that names it (see ``records``)."""

from __future__ import annotations

from ape_moments.media.collages import Collage
from ape_moments.media.records import OwnedRecords


class CollagesRepository(OwnedRecords[Collage]):
    key = "collageId"
    model = Collage
    public_attributes = tuple(field.alias or name for name, field in Collage.model_fields.items())
