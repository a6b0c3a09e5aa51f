"""What the backend does when a table changes: the reactions of the change stream (see
``ape_moments.changes`` for the contract, ``wiring`` for where each one is registered).

This package sits above the domains: it may import orders and media, the core never does.
"""
