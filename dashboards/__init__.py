"""Altair charts (pure functions of polars frames) and the static offline site builder."""
