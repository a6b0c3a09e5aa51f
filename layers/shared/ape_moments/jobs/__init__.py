"""Scheduled work above the domains (it may import orders and media; the core never does):
the stuck-work sweeper."""
