"""The HR-export plugin: a return handed in as one ZIP of coded CSV files plus a Markdown narrative.

See ``README.md`` in this folder for the layout a signatory's data team produces.
"""
