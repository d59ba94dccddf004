"""Orchard's helpers for script-mode training jobs."""
