"""Serve ``build-corpus`` as a scheduled deployment (``corpus serve``).

The served process polls the Prefect API for scheduled runs of the deployment and runs them;
a run retried from the UI (state ``AwaitingRetry``) is picked up by the same process. Every
scheduled run builds into the same output folder, so it picks up new input files and skips
what the output already holds (see ``plan`` in ``flows/build_corpus.py``).
"""

from __future__ import annotations

from flows.build_corpus import build_corpus
from flows.config import BuildConfig

DEFAULT_DEPLOYMENT = "corpus-build"


def serve(config: BuildConfig, *, name: str = DEFAULT_DEPLOYMENT, cron: str | None = None) -> None:
    """Serve the flow under ``name`` with ``config`` as its parameter and an optional cron schedule."""
    build_corpus.serve(
        name=name,
        cron=cron,
        parameters={"config": config.model_dump(mode="json")},
        tags=["corpusflow"],
        description="Build or extend a corpus from scraped pages; finished stages are cached for Retry.",
    )
