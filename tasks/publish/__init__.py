"""Publishing: what ships, in what form, and how it becomes the output's current snapshot.

``select`` decides what ships and counts every reason; ``release`` adds PII tags, pseudonymous commenter
ids and quality signals to the rows that ship (``privacy`` holds the PII patterns and the keyed
pseudonyms); ``write`` stages the four datasets as hive-partitioned Parquet, commits a run and reads the
corpus back (``scan_corpus``); ``compaction_plan`` plans the merge of small files that ``corpus compact``
(``flows/compact.py``) carries out.
"""
