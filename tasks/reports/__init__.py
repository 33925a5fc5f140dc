"""Reports over a built corpus, not part of a build: ``corpus_stats`` (the summary frames of ``corpus stats``
and ``corpus card``) and ``dictionary`` (docs/DATA_DICTIONARY.md from ``schemas/``).

``parse_scores``: the parse metrics of ``corpus eval`` (a parse against its truth). The text comparison they
share with the page parsers (``fold``, ``tokens``, ``bag_f1``, ``align_comments``) is ``tasks.text_match``.
"""
