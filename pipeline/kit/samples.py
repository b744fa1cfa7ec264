"""Synthetic returns for a plugin's sample files and tests: the demo sector's generator, as plugins see it.

A plugin ships sample files (``PluginInfo.samples``) that the plugin contract reads; these names
build them from a made-up signatory the same way the synthetic sector does, marked as synthetic.
"""

from pipeline.programme.signatories import Nation, Signatory, SignatoryType
from pipeline.synthetic import Member, make_return, stable_bytes

__all__ = ["Member", "Nation", "Signatory", "SignatoryType", "make_return", "stable_bytes"]
