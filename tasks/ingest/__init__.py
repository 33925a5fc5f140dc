"""Ingest: input records to ``PAGES`` rows (decoded, rendered, with ``page_id`` and ``site``).

``pages`` builds the rows (``build_pages``); ``encoding`` decodes bytes to text. The input formats and the
manifest are read by ``tasks.ingest.inputs`` (files, caps) and ``tasks.ingest.readers`` (formats); the HTML
renderer is in ``tasks.extract.html`` and the site of a page in ``tasks.ingest.sites``.
"""
