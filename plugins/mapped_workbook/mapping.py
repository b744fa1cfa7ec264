"""The mapping language: one small YAML file per spreadsheet layout, checked when it is loaded.

A mapping says, for each canonical field, on which sheet of the institution's workbook it is and
how to find it there:

* single values (``fields:``): the label in a label column with the value in the cell to its
  right, or a fixed cell;
* repeated rows (``tables:``): a sheet, the column headings (the heading row is found by its
  headings, wherever it is) and optionally a ``where`` filter when several tables share a sheet;
* coded values (``values:``): what the institution's codes mean ('VIS' -> Visibility).

Files are validated with pydantic, and every problem is reported with the file, the line and the
column in the YAML and what is wrong in plain words. A broken file is left out and reported; the
other files still load (``load_mappings``).
"""

from plugins.mapped_workbook.layout import Mapping, MappingSet
from plugins.mapped_workbook.loading import MAPPINGS_ENV, SHIPPED_MAPPINGS, load_mappings, mapping_files, parse_mapping
from plugins.mapped_workbook.problems import MappingProblem
from plugins.mapped_workbook.spec import MappingSpec
from plugins.mapped_workbook.targets import CHOICES, CODED, SINGLE_FIELDS, TABLES, Target, canonical_value, key

__all__ = ["CHOICES", "CODED", "MAPPINGS_ENV", "SHIPPED_MAPPINGS", "SINGLE_FIELDS", "TABLES", "Mapping",
           "MappingProblem", "MappingSet", "MappingSpec", "Target", "canonical_value", "key", "load_mappings",
           "mapping_files", "parse_mapping"]
