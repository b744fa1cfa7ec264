"""The synthetic sector: a register and returns in every plugin's format, for tests and the demo.

Two sectors. ``real`` (the demo's): the shipped register's real signatories, each return invented,
headcounts drawn near each provider's real HESA technician proxy, plans varied by a latent quality
per signatory. ``fictional`` (tests, benchmarks): a made-up register of N signatories, invented
except the facts the seeds and HESA give (Imperial's founding date and 783 technicians by faculty,
Essex's founding date and third plan, the 18 Scottish providers' names, UKPRNs and HESA technician
proxies). Every file says it is synthetic; the manifest says what in each row is real and what drawn.

Deterministic for a seed: each signatory's returns come from a random generator seeded with
(seed, slug), so the output does not depend on worker scheduling. About 10% of returns carry one
known defect; the manifest records the rules that defect must trip, so tests can check that the
validator finds exactly those.

- ``sector``   the fictional register (``Member``, ``build_register``)
- ``real``     the real register's members (``real_register``)
- ``quality``  each signatory's quality as a plan writer, and how it varies a plan (``vary``)
- ``returns``  making one return (``make_return``)
- ``defects``  the deliberate defects and the rules each must trip (``DEFECTS``)
- ``writing``  files, the manifest and the process pool (``generate``, ``read_manifest``, ``stable_bytes``)

Only tests, the demo, plugins' samples and the CLI use it: the pipeline's core never imports it.
"""

from pipeline.synthetic.defects import DEFECT_RATE, DEFECTS, Defect
from pipeline.synthetic.quality import VARIATION_RULES, vary
from pipeline.synthetic.real import real_register
from pipeline.synthetic.returns import VERBS, make_return
from pipeline.synthetic.sector import SEED_SLUGS, Member, build_register
from pipeline.synthetic.writing import MANIFEST_COLUMNS, SECTORS, Summary, generate, read_manifest, stable_bytes

__all__ = ["DEFECTS", "DEFECT_RATE", "MANIFEST_COLUMNS", "SECTORS", "SEED_SLUGS", "VARIATION_RULES", "VERBS", "Defect",
           "Member", "Summary", "build_register", "generate", "make_return", "read_manifest", "real_register",
           "stable_bytes", "vary"]
