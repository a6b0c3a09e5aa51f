"""Albums, collages and their uploads (SPEC sections 4 and 5), in the shape of orders.

Per kind: rules and models (``albums``, ``collages``), one repository, one service. Shared by
the kinds: ``uploads`` (content types, size limit, safe keys) and ``photo_storage`` (the only
S3 code). ``wiring`` builds each function's service from its settings.
"""
