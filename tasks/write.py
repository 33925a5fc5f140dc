"""The documented reader API of the corpus (README "Reading the corpus"): ``from tasks.write import scan_corpus``.

Kept at this name for readers' code; the reader and the writer of the output datasets live in
``tasks.publish.write``.
"""

from tasks.publish.write import read_partitioned, scan_corpus

__all__ = ["read_partitioned", "scan_corpus"]
