"""Albums, collages and their uploads (SPEC sections 4 and 5).

Rules: ``statuses`` (who may move what where), ``albums`` / ``collages`` (inputs and stored
records), ``uploads`` (content types, size limit, safe keys). Data access: ``records`` (shared
conditional writes), ``album_repository`` / ``collage_repository`` (one per table),
``photo_storage`` (the only S3 code). Use cases: ``media_service`` (shared), ``album_service``,
``collage_service``. ``wiring`` builds the deployed services from the environment.
"""
