"""Ingest: input records to ``PAGES`` rows (decoded, rendered, with ``page_id`` and ``site``).

``pages`` builds the rows (``build_pages``); ``encoding`` decodes bytes to text; ``render`` renders HTML pages
to text and reads their canonical URL and publication time. The input files and the manifest are read by
``tasks.ingest.inputs`` (files, caps) and ``tasks.ingest.readers`` (formats), the site of a page by
``tasks.ingest.sites``.
"""
