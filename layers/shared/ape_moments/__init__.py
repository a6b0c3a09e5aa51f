"""Ape Moments shared layer: validation, domain rules and data access for every function."""
