"""The innerText walk's shortcuts (tasks/ingest/render.py): line breaks joined on one string, hidden elements from one
selector query. Each must give what the plain definition gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from tasks.ingest.render import _join_chunks, hidden_ids, is_hidden, join_items, node_text, render_items

_PIECES = st.sampled_from([" ", "  ", "\n", "a", "b c", " x ", "\t", "\xa0", "", " \n ", "y  z", "\x01", "\x02"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([1, 2]), _PIECES), max_size=14))
def test_join_items_equals_joining_chunk_by_chunk(items: list[str | int]) -> None:
    assert join_items(items) == _join_chunks(items)


def test_join_items_blank_line_wins_a_run_and_edges_are_dropped() -> None:
    assert join_items([2, " ", "Head ", 1, " ", 2, 1, " body", 1, "\n", 1, " tail ", 2]) == "Head\n\nbody\n\ntail"
    assert join_items([" a ", 1, "  ", 1, "b"]) == "a\nb"


def test_join_items_text_holding_the_control_marks_is_kept() -> None:
    assert join_items(["a\x01b", 2, "c\x02"]) == "a\x01b\n\nc\x02"


HIDDEN_PAGE = """<html><body>
<div id="a" style="color: red">shown <span hidden>not shown</span></div>
<div style="DISPLAY : none">gone</div><p style="visibility:hidden">gone too</p><p style>kept</p>
<section id="s" hidden><p>inside a hidden root</p></section>
</body></html>"""


def testhidden_ids_are_the_elements_is_hidden_finds() -> None:
    tree = LexborHTMLParser(HIDDEN_PAGE)
    assert tree.root is not None
    expected = {n.mem_id for n in tree.root.css("*") if is_hidden(n)}
    assert hidden_ids(tree.root) == expected
    assert len(expected) == 4
    section = tree.css_first("#s")
    assert section is not None
    assert hidden_ids(section) == {section.mem_id}  # the root of the query is one of its elements


def test_render_with_the_hidden_set_equals_reading_attributes() -> None:
    tree = LexborHTMLParser(HIDDEN_PAGE)
    assert tree.body is not None and tree.root is not None
    hidden = hidden_ids(tree.root)
    assert render_items(tree.body, hidden=hidden) == render_items(tree.body)
    assert node_text(tree.body, hidden=hidden) == node_text(tree.body) == "shown\n\nkept"
    section = tree.css_first("#s")
    assert section is not None
    assert node_text(section, hidden=hidden) == node_text(section) == ""
