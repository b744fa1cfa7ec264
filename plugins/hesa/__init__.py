"""The HESA reference plugin: HESA staff open data as the ``hesa_staff`` reference table."""
