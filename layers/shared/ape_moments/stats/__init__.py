"""The owner's figures (SPEC 14, docs/STATS.md): rules, the Stats table, the reaction, adminStats."""
