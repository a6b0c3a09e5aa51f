"""Orders (SPEC section 3). Module map: docs/ARCHITECTURE.md."""
