"""The innerText walk's shortcuts (tasks/ingest/render.py): line breaks joined on one string, hidden elements from one
selector query. Each must give what the plain definition gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from tasks.ingest.render import (
    _ACTIONS_BY_ID,
    _TEXT_ID,
    _join_chunks,
    _named_action,
    hidden_ids,
    is_hidden,
    join_items,
    node_text,
    render_items,
)

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


TAG_PAGE = """<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head><body><!-- note -->
<div>a<custom-block>b <b>c</b></custom-block><my-p>d</my-p><p>e<br>f</p><span>g</span><table><tr><td>h</td>
<td>i</td></tr></table><pre> j  k </pre><svg><text>l</text><foreignObject>m</foreignObject></svg><math><mi>n</mi>
</math><font>o</font><blink>p</blink><listing>q</listing><template><p>r</p></template><x-td>s</x-td></div>
</body></html>"""


def test_the_walk_reads_by_tag_id_what_it_reads_by_name() -> None:
    tree = LexborHTMLParser(TAG_PAGE)
    assert tree.root is not None
    for node in tree.root.traverse(include_text=True):
        if node.tag_id == _TEXT_ID:
            assert node.tag == "-text"
            continue
        by_id = _ACTIONS_BY_ID.get(node.tag_id)
        assert by_id is None or by_id == _named_action(node), node.tag
    # as the walk by names gave it (a custom element is inline, <pre> white space collapsed per line as before)
    assert node_text(tree.body) == "ab cd\n\ne\nf\n\ng\nh\t i\nj k\nop\nq\ns"  # type: ignore[arg-type]
