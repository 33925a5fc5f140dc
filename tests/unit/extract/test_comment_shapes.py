"""Unit tests for the comment finder's layout-independent cues: footer headers, headers found from a
shared closing word, authors cut of a page's shared frame, and teaser lists that are not threads."""

from __future__ import annotations

import polars as pl

from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.parse import parse_articles, parse_comments, segment_pages

PARA = [
    "The council voted on Tuesday to extend the tram line to the northern districts by the year 2030.",
    "Opponents said the plan was too expensive and would disrupt traffic for several years to come.",
    "The mayor replied that the city had already secured most of the money from regional funds.",
]
REMARKS = [
    "I think the tram will help a lot of commuters in the north.",
    "Too expensive for what it gives us, in my opinion.",
    "We waited twenty years for this line. Finally!",
    "Will the buses stop running once it opens?",
]
NAMES = ["Anna K.", "bob1984", "Chris", "Dana from Leeds"]


def _parse(text: str) -> tuple[dict, list[dict]]:
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": [text]})
    seg = segment_pages(strip_boilerplate(pages))
    return parse_articles(seg).row(0, named=True), parse_comments(seg).sort("position").to_dicts()


def _page(thread: list[str]) -> str:
    return "\n".join(["City Extends Tram Line to the North", "", "\n\n".join(PARA), "", *thread, "",
                      "Leave a comment", "Your email address will not be published."])


def _footer_thread(names: list[str], weekday: str = "") -> list[str]:
    """A "Comments" heading over each remark closed by its "Posted by: NAME | [WEEKDAY, ]DATE" footer."""
    thread = ["Comments"]
    for name, remark, day in zip(names, REMARKS, range(1, 5), strict=True):
        thread += [remark, f"Posted by: {name} | {weekday}November 0{day}, 2012 at 03:22 PM"]
    return thread


def test_footer_headers_close_each_comment() -> None:
    article, comments = _parse(_page(_footer_thread(NAMES)))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS
    assert article["body"] == "\n\n".join(PARA)


def test_footers_dated_with_a_weekday_head_every_comment() -> None:
    # "Posted by: NAME | Thursday, November 08, 2012 at 01:26 PM": the weekday is the date's, whatever the name's
    # length ("Tom from Detroit" took it into a name of seven words, too long for one)
    names = ["Janet", "Tom from Detroit", "Bill in St. Paul", "Jan (in Edmonton, Canada)"]
    _, comments = _parse(_page(_footer_thread(names, weekday="Thursday, ")))
    assert [c["author"] for c in comments] == names
    assert [c["text"] for c in comments] == REMARKS


def test_header_layout_is_not_read_as_footers() -> None:
    thread = ["Comments"]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [f"{name} | November 0{day}, 2012 at 03:22 PM", remark]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS


def test_headers_found_from_a_shared_closing_word() -> None:
    # no word list knows "sagte…": the repetition of the closing word is the cue
    thread = ["4 Kommentare:"]
    for name, remark in zip(NAMES, REMARKS, strict=True):
        thread += [f"{name} sagte…", remark, "12. November 2012 um 09:24"]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS


def test_teaser_list_is_not_a_thread() -> None:
    teasers = ["Comments"]
    for k in range(5):
        teasers += ["Politics", f"Minister number {k} resigns over the budget", f"0{k + 1}.11.2024"]
    _, comments = _parse(_page(teasers))
    assert comments == []


def test_repeated_date_line_with_widget_words_heads_comments() -> None:
    thread = ["Comments"]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [name, f"1{day}.10.2019, 14:1{day} Antworten Zitieren #", remark]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS


def test_dated_headers_sharing_a_closing_word() -> None:
    # "NAME, DATE Antworten": the repeated last word and the date mark the header, a comma cuts the name
    thread = ["4 Comments"]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [f"{name}, Do {day} Apr 2020 / 08:3{day} Antworten", remark]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS


def test_bracketed_count_is_a_stated_count() -> None:
    from tasks.extract.parse import line_features

    lines = pl.DataFrame({"page_id": ["p"] * 2, "line_no": [0, 1], "text": ["[ 167 comments ]", "(12 Kommentare)"],
                          "strip_rule": [None, None]}, schema_overrides={"strip_rule": pl.String})
    assert line_features(lines)["f_count"].to_list() == [167, 12]


INTRO = "Please keep the discussion civil and on topic, comments are checked before they appear here."


def test_header_layout_with_a_prose_intro_is_not_read_as_footers() -> None:
    # prose between the heading and the first header is not enough for footers when the last header is
    # followed by a comment's sentence
    thread = ["Comments", INTRO]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [f"{name} | November 0{day}, 2012 at 03:22 PM", remark]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS


def test_footers_with_a_prose_intro_and_form_prompts_after() -> None:
    # the first comment's text and an intro above the first footer; the form's prompts (no sentence)
    # after the last one, as many lines as the text above
    thread = ["Comments", INTRO]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [remark, f"Posted by: {name} | November 0{day}, 2012 at 03:22 PM"]
    thread += ["Verify your Comment", "Previewing your Comment", "Posting your Comment"]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments][1:] == REMARKS[1:]
    assert comments[0]["text"].endswith(REMARKS[0])


def test_teasers_below_a_closed_comment_section_are_not_a_thread() -> None:
    # "Comments" and the form's prompt close the section; a related list below it reads like a dated
    # thread (a line with a name and a date, then sentences) but the related heading lies between
    teasers = ["Comments", "Be the first to comment on this article", "Related articles"]
    for k, remark in enumerate(REMARKS):
        teasers += [f"In News, Portugal - 0{k + 1} Feb 2025, 20:02", remark]
    _, comments = _parse(_page(teasers))
    assert comments == []
    # the same list right under the heading is a thread
    thread = ["Comments", *teasers[3:]]
    _, comments = _parse(_page(thread))
    assert [c["text"] for c in comments] == REMARKS


def test_name_lines_alone_under_a_comments_heading_make_a_thread() -> None:
    """Issue 17: a thread that prints neither dates, count, chrome nor form, only a name over each comment,
    is found below a comments heading."""
    names = ["Anna Berg", "bob1984", "Chris", "Dana from Leeds"]
    thread = [line for name, remark in zip(names, REMARKS, strict=True) for line in (name, "", remark, "")]
    article, comments = _parse("\n".join(["Home", "", "City Extends Tram Line", "", *PARA, "", "Comments", "",
                                          *thread, "© 2024 Example"]))
    assert [(c["author"], c["text"]) for c in comments] == list(zip(names, REMARKS, strict=True))
    assert "Anna Berg" not in article["body"]


def test_name_lines_alone_need_a_heading_and_sentences() -> None:
    """Issue 17: the same shape without a comments heading (an article's sub-headings), or under one with
    texts that do not read as sentences (a list of labels), is no thread."""
    names = ["Anna Berg", "bob1984", "Chris", "Dana from Leeds"]
    thread = [line for name, remark in zip(names, REMARKS, strict=True) for line in (name, "", remark, "")]
    _, comments = _parse("\n".join(["Home", "", "City Extends Tram Line", "", *PARA, "", *thread, "© 2024"]))
    assert comments == []
    labels = [line for name in names for line in (name, "", f"{name} and more of the same", "")]
    _, comments = _parse("\n".join(["Home", "", "City Extends Tram Line", "", *PARA, "", "Comments", "",
                                    *labels, "© 2024 Example"]))
    assert comments == []



MORE_NAMES = ["Anna Keller", "bob1984", "Chris", "Dana from Leeds", "Eero", "Fatima B"]
MORE_REMARKS = [*REMARKS, "The northern districts have waited long enough for a decent connection.",
                "I hope the works do not close my street for a whole year."]
FORM_TAIL = ["1", "This is only a preview. Your comment has not yet been posted.",
             "Your comment could not be posted. Please try again in a few minutes.",
             "As a final step before posting your comment, enter the letters you see.",
             "Having trouble reading this image? View an alternate one."]
"""Form lines a list does not know: a number, then sentences (more text lines than the first comment's)."""


def test_name_footers_whose_last_footer_the_run_misses() -> None:
    # footers of names alone ("Posted by: NAME | DATE" without its date); the last footer stands over
    # prompts that can be names too, so the run of name lines ends one footer early, and the form's
    # sentences under it outnumber the text above the first footer: the last comment's text followed by
    # a name line, and two lines of prose above the first footer, make footers
    thread = ["Comments", INTRO, "I have read the plan twice now. It leaves the eastern suburbs out completely."]
    for name, remark in zip(MORE_NAMES, MORE_REMARKS, strict=True):
        thread += [remark, name]
    thread += ["Verify your Comment", "Previewing your Comment", *FORM_TAIL]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == MORE_NAMES[:5]
    assert [c["text"] for c in comments][1:] == MORE_REMARKS[1:5]


def test_name_headers_under_a_one_line_notice_stay_headers() -> None:
    # the same tail under a header layout of names alone: one sentence above the first header is a
    # notice, not a first comment's text
    thread = ["Comments", INTRO]
    for name, remark in zip(MORE_NAMES, MORE_REMARKS, strict=True):
        thread += [name, remark]
    thread += ["Verify your Comment", "Previewing your Comment", *FORM_TAIL]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments][:6] == MORE_NAMES
    assert [c["text"] for c in comments][:5] == MORE_REMARKS[:5]
    assert comments[5]["text"].startswith(MORE_REMARKS[5])  # the unknown form's lines run on under it


HEADLINES = ["Minister resigns over the budget", "Harbour opens a new ferry line", "Storm closes the coastal road",
             "Museum finds a lost painting"]
SUMMARIES = ["The minister said on Monday that she would step down at the end of the month.",
             "The first ferry leaves on Friday and crosses the bay in under twenty minutes.",
             "Police asked drivers to avoid the area until the clean-up is finished.",
             "The painting had hung in a storeroom for more than sixty years, the curators said."]


def test_headlines_under_a_stated_count_are_not_its_comments() -> None:
    # a stated count over a list of headlines and summaries: the count's own number of "authors" chosen
    # from the list confirms nothing, and the headlines read as titles
    teasers = ["3 Comments"]
    for headline, summary in zip(HEADLINES, SUMMARIES, strict=True):
        teasers += [headline, summary]
    _, comments = _parse(_page(teasers))
    assert comments == []
    # names over remarks under the same count are its comments
    thread = ["3 Comments"]
    for name, remark in zip(MORE_NAMES[:3], REMARKS[:3], strict=True):
        thread += [name, remark]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == MORE_NAMES[:3]
    assert [c["text"] for c in comments] == REMARKS[:3]


def _bare(thread: list[str]) -> str:
    """An article and ``thread`` below it, with no comments heading, count or form."""
    return "\n".join(["City Extends Tram Line to the North", "", "\n\n".join(PARA), "", *thread, "",
                      "© 2024 Example newspaper"])


def test_name_lines_under_a_comment_widget_bar_are_a_thread() -> None:
    # no heading, count or form: a bar of comment controls above the name lines is the section's start
    names = []
    for name, remark in zip(MORE_NAMES[:4], REMARKS, strict=True):
        names += [name, remark]
    _, comments = _parse(_bare(["Subscribe", "Notify of", *names]))
    assert [c["author"] for c in comments] == MORE_NAMES[:4]
    assert [c["text"] for c in comments] == REMARKS
    # the same lines without the bar, or under one control alone, are no thread
    assert _parse(_bare(names))[1] == []
    assert _parse(_bare(["Subscribe", *names]))[1] == []


def _dated_footers(names: list[str], remarks: list[str]) -> list[str]:
    """A footer layout whose footers hold no name: "NAME Follow" over each comment, a date with the widget's
    controls under it."""
    thread = ["4 Comments", "To leave a comment on this story, please log in with your account"]
    for k, (name, remark) in enumerate(zip(names, remarks, strict=True)):
        thread += [f"{name} Follow", remark, f"November 12, 2012 18:0{k}:00 Reply 0 Flag this comment"]
    return thread


def test_names_over_footers_without_names_are_the_authors() -> None:
    # (a name with an initial, "Anna K. Follow", reads as a sentence to the finder and is not taken)
    names = MORE_NAMES[:4]
    _, comments = _parse(_page(_dated_footers(names, REMARKS)))
    assert [c["author"] for c in comments] == names
    assert [c["text"] for c in comments] == REMARKS


def test_names_over_dated_footers_without_texts_are_no_thread() -> None:
    # the texts loaded later: a name line and a footer each, nothing a reader wrote
    thread = [line for line in _dated_footers(MORE_NAMES[:4], REMARKS) if line not in REMARKS]
    _, comments = _parse(_page(thread))
    assert comments == []


def test_footer_layout_whose_texts_open_with_sentences_keeps_its_footers() -> None:
    # the footers name the readers and the texts open with sentences: nothing moves
    thread = ["Comments"]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [remark, "Thanks for the update!", f"Posted by: {name} | November 0{day}, 2012 at 03:22 PM"]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES


def test_dated_items_under_one_repeated_label_are_no_thread() -> None:
    # an opinion section's list: its label, a date and a headline-and-summary sentence per item, three times
    items = ["Comments"]
    for k, remark in enumerate(REMARKS[:3]):
        items += ["Opinions", f"2024.03.1{k} 08:00", remark]
    _, comments = _parse(_page(items))
    assert comments == []
    thread = ["Comments"]
    for k, (name, remark) in enumerate(zip(NAMES[:3], REMARKS[:3], strict=True)):
        thread += [name, f"2024.03.1{k} 08:00", remark]
    _, comments = _parse(_page(thread))
    assert [c["author"] for c in comments] == NAMES[:3]


BARE_NAMES = ["Anna Keller", "bob1984", "Anna Keller", "Chris", "Dana from Leeds", "bob1984"]
BARE_REMARKS = [*REMARKS, "The northern districts have waited long enough for a decent connection.",
                "I hope the works do not close my street for a whole year."]


def _cueless(names: list[str], remarks: list[str]) -> str:
    """A page with no comment cue at all (no heading, count, date, control or form): the article, then a name
    over each comment, then the site's footer line."""
    thread = [line for name, remark in zip(names, remarks, strict=True) for line in (name, remark)]
    return "\n".join(["City Extends Tram Line to the North", *PARA, *thread, "© 2024 Example"])


def test_name_lines_with_a_name_twice_make_a_thread_without_any_cue() -> None:
    article, comments = _parse(_cueless(BARE_NAMES, BARE_REMARKS))
    assert [(c["author"], c["text"]) for c in comments] == list(zip(BARE_NAMES, BARE_REMARKS, strict=True))
    assert "bob1984" not in article["body"]


def test_name_lines_without_a_cue_need_a_name_twice_and_more_than_two_names() -> None:
    # every heading once: an article's sub-headings, or a list of people's quotes; no thread
    names = ["Anna Keller", "bob1984", "Chris", "Dana from Leeds", "Eero", "Fatima B"]
    assert _parse(_cueless(names, BARE_REMARKS))[1] == []
    # two labels in turn over sentences: a list's sections
    assert _parse(_cueless(["Politics", "Sport"] * 3, BARE_REMARKS))[1] == []
    # four comments: too few to tell without a cue
    assert _parse(_cueless(BARE_NAMES[:4], BARE_REMARKS[:4]))[1] == []


def test_a_label_over_items_in_a_row_is_no_reader() -> None:
    # "Article content" over two paragraphs in a row, twice: a label repeated over a list's items
    labels = ["Article content", "Article content", "Video", "Article content", "Article content", "Photos"]
    assert _parse(_cueless(labels, BARE_REMARKS))[1] == []
    # one reader writing twice in a row of six is still a thread
    names = ["Anna Keller", "bob1984", "bob1984", "Chris", "Dana from Leeds", "Anna Keller"]
    assert [c["author"] for c in _parse(_cueless(names, BARE_REMARKS))[1]] == names


def test_bylined_teasers_without_a_cue_are_no_thread() -> None:
    # a related-stories list: its authors' names (one of them twice) over a headline and a summary each
    authors = ["Joan Walsh", "Chris Lehmann", "Nadia Scharf", "Joan Walsh", "Michael Kazin", "Ann Berg"]
    items = []
    for k, (author, summary) in enumerate(zip(authors, BARE_REMARKS, strict=True)):
        items += [author, f"Minister Number {k} Resigns Over the Budget", summary]
    page = "\n".join(["City Extends Tram Line to the North", *PARA, *items, "© 2024 Example"])
    assert _parse(page)[1] == []


def test_a_label_over_most_items_is_no_reader() -> None:
    # a section's label over four teasers of seven, never twice in a row; a blog's owner answering each
    # reader heads at most half of the thread
    remarks = [*BARE_REMARKS, "Could the council publish the timetable for the works soon?"]
    labels = ["Politics", "Anna Keller", "Politics", "bob1984", "Politics", "Chris", "Politics"]
    assert _parse(_cueless(labels, remarks))[1] == []
    owner = ["Anna Keller", "Owner", "bob1984", "Owner", "Chris", "Owner"]
    assert [c["author"] for c in _parse(_cueless(owner, BARE_REMARKS))[1]] == owner


def test_bare_pages_are_those_without_a_cue_or_a_thread_found() -> None:
    from tasks.extract.parse import _bare_pages, _number_lines, line_features, sorted_lines

    cueless = _cueless(BARE_NAMES, BARE_REMARKS)
    # two "NAME DATE" header lines over the same thread: header lines that made no thread do not keep the name
    # lines below them from making one
    dated = _cueless(["Eero 12.03.2024 10:00", "Fatima B 12.03.2024 10:01", *BARE_NAMES],
                     [*MORE_REMARKS[4:], *BARE_REMARKS])
    once = _cueless(["Anna Keller", "bob1984", "Chris", "Dana from Leeds", "Eero", "Fatima B"], BARE_REMARKS)
    headed = "\n".join(["City Extends Tram Line to the North", *PARA, "Comments",
                        *cueless.split("\n")[len(PARA) + 1:]])
    pages = pl.DataFrame({"page_id": ["a", "b", "d", "h"], "site": ["x.example"] * 4,
                          "text": [cueless, dated, once, headed]})
    feats = _number_lines(line_features(sorted_lines(strip_boilerplate(pages))))
    bare = _bare_pages(feats, pl.Series("_page", [], dtype=pl.UInt32))
    page_of = dict(feats.select("_page", "page_id").unique().iter_rows())
    assert {page_of[k] for k in bare["_page"].unique()} == {"a", "b"}  # d: no name twice; h: a comments heading
    found = pl.Series("_page", [k for k, v in page_of.items() if v == "a"], dtype=pl.UInt32)
    assert "a" not in {page_of[k] for k in _bare_pages(feats, found)["_page"].unique()}  # a: found already


def test_name_lines_under_a_dated_sidebar_list_make_a_thread() -> None:
    # a sidebar's dated list of posts ("TITLE DATE": header lines of a sort) above a thread of name lines
    posts = ["Recent posts", "Tram Works Begin 12.03.2024", "A New Bridge 02.03.2024", "Budget Vote 21.02.2024"]
    thread = [line for name, remark in zip(BARE_NAMES, BARE_REMARKS, strict=True) for line in (name, remark)]
    page = "\n".join(["City Extends Tram Line to the North", *PARA, *posts, *thread, "© 2024 Example"])
    assert [(c["author"], c["text"]) for c in _parse(page)[1]] == list(zip(BARE_NAMES, BARE_REMARKS, strict=True))


def _said(names: list[str], remarks: list[str] | None) -> list[str]:
    """A stated count, then "NAME said...", a time of day under it and (``remarks``) the reader's text."""
    thread = ["4 comments:"]
    for k, name in enumerate(names):
        thread += [f"{name} said...", *([remarks[k]] if remarks else []), f"{k + 1}:2{k} PM"]
    return thread


def test_a_time_of_day_is_a_comments_meta() -> None:
    _, comments = _parse(_page(_said(MORE_NAMES[:4], REMARKS)))
    assert [(c["author"], c["text"]) for c in comments] == list(zip(MORE_NAMES[:4], REMARKS, strict=True))


def test_headers_over_times_of_day_alone_are_no_thread() -> None:
    # the texts loaded later: a count, each reader's header and the time of the comment, nothing they wrote
    assert _parse(_page(_said(MORE_NAMES[:4], None)))[1] == []


def test_a_stated_count_over_names_and_headlines_is_no_thread() -> None:
    # "3 Comments" stays where the thread was cut; below it, names over headlines (a byline list): the count
    # chose three "comments", so it cannot stand for their sentences
    items = ["3 Comments"]
    for k, name in enumerate(MORE_NAMES[:3]):
        items += [name, f"Minister Number {k} Resigns Over the Budget"]
    assert _parse(_page(items))[1] == []
    thread = ["3 Comments"]
    for name, remark in zip(MORE_NAMES[:3], REMARKS[:3], strict=True):
        thread += [name, remark]
    assert [c["author"] for c in _parse(_page(thread))[1]] == MORE_NAMES[:3]


def test_the_last_comment_ends_at_a_link_to_the_whole_thread() -> None:
    # a preview of the thread (three of ten comments), then the link to the rest and the page's teasers: none of
    # them is the last reader's text
    thread = ["10 comments"]
    for name, remark, day in zip(NAMES[:3], REMARKS[:3], range(1, 4), strict=True):
        thread += [name, f"November 0{day}, 2012 at 03:22 PM", remark]
    teasers = ["Read all 10 comments", "Minister Resigns Over the Budget",
               "The minister left office on Friday after weeks of pressure from his own party.",
               "Bridge Closed for Repairs Until Spring",
               "Drivers will have to take a detour of twenty minutes while the works go on."]
    page = "\n".join(["City Extends Tram Line to the North", *PARA, *thread, *teasers])
    _, comments = _parse(page)
    assert [c["author"] for c in comments] == NAMES[:3]
    assert [c["text"] for c in comments] == REMARKS[:3]


def test_the_last_comment_ends_at_the_pages_navigation() -> None:
    thread = ["Comments"]
    for name, remark, day in zip(NAMES, REMARKS, range(1, 5), strict=True):
        thread += [f"{name} | November 0{day}, 2012 at 03:22 PM", remark]
    sidebar = ["Search", "What is the hardest part of your week?", "Finding time to cook.", "Getting to work.",
               "Recent Tweets"]
    page = "\n".join(["City Extends Tram Line to the North", *PARA, *thread, *sidebar])
    _, comments = _parse(page)
    assert [c["author"] for c in comments] == NAMES
    assert [c["text"] for c in comments] == REMARKS


def test_name_lines_going_on_into_the_sidebar_keep_the_thread() -> None:
    # readers answer the name above theirs (a header layout), and the run of name lines goes on below the thread
    # into the sidebar: a label over a blurb holds no sentence, and is no comment
    remarks = ["I think the tram will help a lot of commuters in the north.",
               "Anna, it is too expensive for what it gives us, in my opinion.",
               "Bob, we waited twenty years for this line. Finally!",
               "Will the buses stop running once it opens?",
               "Chris, the northern districts have waited long enough for a decent connection.",
               "Dana, I hope the works do not close my street for a whole year."]
    thread = [line for name, remark in zip(BARE_NAMES, remarks, strict=True) for line in (name, remark)]
    sidebar = ["Popular", "Ten tips for tram riders who want to get a seat on the morning line"]
    page = "\n".join(["City Extends Tram Line to the North", *PARA, *thread, *sidebar, "© 2024 Example"])
    assert [(c["author"], c["text"]) for c in _parse(page)[1]] == list(zip(BARE_NAMES, remarks, strict=True))


def test_a_name_ending_with_a_dotted_degree_heads_its_comment() -> None:
    # "NAME, Ph.D. said...": a degree closes the name as an initial does ("Anna K."), not as a clause ends
    names = ["Anna K.", "Lee Marsh, Ph.D.", "Chris", "Dana from Leeds"]
    _, comments = _parse(_page(_said(names, REMARKS)))
    assert [(c["author"], c["text"]) for c in comments] == list(zip(names, REMARKS, strict=True))


def _over_run(stated: int) -> str:
    """A thread under "``stated`` Comments" (dated headers, four comments) that runs on into a sidebar's list of
    topics, one of them a dated post ("TITLE on DATE": a header line of a sort)."""
    thread = [f"{stated} Comments"]
    for k, (name, remark) in enumerate(zip(NAMES, REMARKS, strict=True)):
        thread += [f"{name} on November 0{k + 1}, 2012 at 3:22 pm", remark]
    sidebar = ["Search the Site", "Entrepreneurship", "Gratitude", "Meetups",
               "Annual Review on December 1, 2012 at 9:00 am", "Travel Tips", "Writing", "Unconventional Guides"]
    return "\n".join(["City Extends Tram Line to the North", "", "\n\n".join(PARA), "", *thread, *sidebar])


def test_a_stated_count_ends_a_thread_that_runs_over_into_a_sidebar() -> None:
    _, comments = _parse(_over_run(4))
    assert [(c["author"], c["text"]) for c in comments] == list(zip(NAMES, REMARKS, strict=True))


def test_a_count_that_disagrees_by_more_than_the_run_over_changes_nothing() -> None:
    # a count above the readings' sizes (a paged thread's total) cuts nothing: the sidebar's post stays a comment
    _, comments = _parse(_over_run(40))
    assert [c["author"] for c in comments] == [*NAMES, "Annual Review"]
