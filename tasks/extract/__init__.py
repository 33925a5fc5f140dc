"""Extraction: a page's lines to one article and its comments, each with its language (LINES -> PARSED -> TAGGED).

``templates`` (template learning), ``chain`` (the parse step and the per-page chain in one process) and
``langid`` (languages, ``article_id``) live here; the page parsers (``tasks.parse``, ``tasks.html`` and
their helpers) join them in a later move.
"""
