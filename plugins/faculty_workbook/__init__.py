"""The faculty workbook plugin: a large university's own Technician Commitment workbook
(technical staff by faculty, one sheet per theme). See README.md in this folder."""
