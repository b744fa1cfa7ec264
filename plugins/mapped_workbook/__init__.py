"""The mapped-workbook plugin: institutions' own spreadsheets, each layout described by a YAML file.

See README.md in this folder for the mapping language. The parts:

* ``mapping``  - the language: pydantic models, ``load_mappings()`` with problems located by line;
* ``reader``   - reading a workbook through a mapping (``'Sheet'!C7`` locations);
* ``writer``   - writing a return in a mapping's layout (with openpyxl);
* ``plugin``   - the techbench hooks, and ``mapping_problems()`` for the CLI to print;
* ``synthetic`` - the synthetic returns behind the samples;
* ``commands`` - ``techbench mapping check|example|read|samples``, added through the command hook.
"""
