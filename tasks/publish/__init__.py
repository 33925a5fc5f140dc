"""Publishing: what ships, in what form, and how it becomes the output's current snapshot.

``select`` decides what ships and counts every reason; ``release`` adds PII tags, pseudonymous commenter
ids and quality signals to the rows that ship (``privacy`` holds the PII patterns and the keyed
pseudonyms); ``write`` stages the four datasets as hive-partitioned Parquet, commits a run and reads the
corpus back (``scan_corpus``); ``snapshots`` owns the output folder and the commit point; ``compaction_plan``
plans the merge of small files that ``compaction`` (``corpus compact``) carries out.
"""
