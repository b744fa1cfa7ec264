"""Handing a file in: landing it safely and reporting its status."""
