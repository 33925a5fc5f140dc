"""Ingest: input records to ``PAGES`` rows (decoded, rendered, with ``page_id`` and ``site``).

``pages`` builds the rows (``build_pages``); ``encoding`` decodes bytes to text. The input formats and the
manifest are read by ``tasks.ingest.readers`` and ``tasks.io``, the HTML renderer and the site of a page are in
``tasks.extract.html`` and ``tasks.ingest.sites``; they join this package with the move of the page parsers.
"""
