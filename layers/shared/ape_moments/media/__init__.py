"""Albums, collages and their uploads (SPEC sections 4 and 5), in the shape of orders.

Module map: docs/ARCHITECTURE.md.
"""
