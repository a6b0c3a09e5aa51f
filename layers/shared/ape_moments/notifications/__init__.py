"""Emails customers receive about their orders, albums and collages (SPEC 13, docs/NOTIFICATIONS.md)."""
