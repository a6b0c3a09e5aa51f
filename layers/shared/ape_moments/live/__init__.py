"""Live updates (SPEC section 10): who may subscribe, and what a table change publishes."""
