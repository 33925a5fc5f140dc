"""Extraction: a page's lines to one article and its comments, each with its language (LINES -> PARSED -> TAGGED).

- ``templates``: lines a site repeats across its pages (learned per shard and partition);
- ``boilerplate`` (rules as data in ``selectors``): the lines of a page and the strip rule of each;
- ``parse``: the text path (title, body and comment segmentation), with ``titles`` (the title ranker),
  ``comment_headers`` (the comment-header classifier), ``authors``, ``dates``, ``words`` and ``confidence``;
- ``html`` and ``mainbody``: the markup path (article, body by agreement with trafilatura, comments);
- ``chain``: the parse step over a shard (both paths joined) and the per-page chain of inspect and eval;
- ``langid``: languages of articles and comments, and ``article_id``;
- ``profiles``: optional per-site rules; ``models/``: the learned weights (``make train``).
"""
