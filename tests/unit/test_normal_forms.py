"""The characters a normal form may change (tasks.normal_forms): the written-out classes and what they promise."""

from __future__ import annotations

import random
import unicodedata

import polars as pl
import pytest

from tasks import normal_forms
from tasks.normal_forms import NFC_UNSTABLE, NFKC_UNSTABLE, Form


@pytest.mark.parametrize(("form", "written"), [("NFC", NFC_UNSTABLE), ("NFKC", NFKC_UNSTABLE)])
def test_written_classes_are_the_derived_ones(form: Form, written: str) -> None:
    assert normal_forms.character_class(normal_forms.as_text(normal_forms.unstable_ranges(form))) == written


@pytest.mark.parametrize(("form", "unstable"), [("NFC", NFC_UNSTABLE), ("NFKC", NFKC_UNSTABLE)])
def test_texts_outside_the_class_are_their_own_normal_form(form: Form, unstable: str) -> None:
    assigned = [chr(cp) for cp in range(0x80, 0x30000)
                if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)) != "Cn"]
    flagged = pl.Series(assigned).str.contains(unstable).to_list()
    stable = [c for c, f in zip(assigned, flagged, strict=True) if not f]
    unstable_chars = [c for c, f in zip(assigned, flagged, strict=True) if f]
    # every character the form changes on its own is in the class
    assert all(unicodedata.normalize(form, c) == c for c in stable)
    rng = random.Random(0)
    pool = [*stable, *"abcXYZ 019.,-'"]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    series = pl.Series(texts)
    assert not series.str.contains(unstable).any()
    assert (series.str.normalize(form) == series).all()
    # and a text holding one of the others is flagged
    mixed = pl.Series([t + rng.choice(unstable_chars) for t in texts[:1000]])
    assert mixed.str.contains(unstable).all()


def test_examples() -> None:
    texts = pl.Series(["plain ascii", "Grüße aus Köln", "ﬁne", "e\u0301", "café", "１２３", "한국어", "日本語"])
    assert texts.str.contains(NFKC_UNSTABLE).to_list() == [False, False, True, True, False, True, True, False]
    assert texts.str.contains(NFC_UNSTABLE).to_list() == [False, False, False, True, False, False, True, False]
