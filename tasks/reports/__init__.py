"""Reports over a built corpus, not part of a build: ``corpus_stats`` (the summary frames of ``corpus stats``
and ``corpus card``) and ``dictionary`` (docs/DATA_DICTIONARY.md from ``schemas/``).

The parse metrics of ``corpus eval`` are in ``tasks.evaluate`` for now: the page parsers import its text
comparison (``bag_f``, ``fold``, ``align_comments``), and it moves with them.
"""
