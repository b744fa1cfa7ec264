"""Parsing landed files with the plugins and checking them against the rules and the quality suite."""
