"""The hook chain: every stage an article passes through, in the order the pipeline calls them.

Each function below is a specification, not an implementation: its docstring is the contract a plugin
must keep. Hooks are always called with keyword arguments, and an implementation may accept only the
arguments it needs (pluggy passes the rest by name). Built-in behaviour lives in modules registered
exactly like third-party plugins (see ``plugins.manager``).

Order, for every page: ``extract_article`` (which calls ``clean_tree`` on the HTML it reads) →
``clean_lines`` → ``normalise_article`` → ``deduplicate_article`` → ``validate_article`` →
``export_article`` or ``quarantine_article``.

Where they run: the stages up to ``normalise_article`` depend on the page and the settings alone
(``Chain.prepare``); with ``CHAIN_PROCESSES`` > 0 in a crawl, or ``scrapy process -j N``, they run in
worker processes (``crawler.workers``), each with a chain of its own, pages spread over them. From
``deduplicate_article`` on (``Chain.decide``), hooks run in the main process, one page at a time in the
order the pages came in. So an implementation of ``extract_article``, ``clean_tree``, ``clean_lines`` or
``normalise_article`` keeps no state from one page to the next (each worker sees only some pages) beyond
what its ``chain_opened`` built, writes no file, and puts in the draft and the record only what pickle can
carry back to the main process (plain data: no open files, lambdas or lxml elements in the record). Counts
it adds to ``chain.stats`` travel back with the page. A worker's chain holds the built-in plugins and the
installed ones (the entry-point group), not plugins registered by hand on another chain.
"""

from __future__ import annotations

import pluggy

PROJECT = "conflict_feeds"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_outlets():
    """Return the outlets this plugin adds, as a list of ``plugins.model.Outlet``.

    Every outlet becomes a spider named ``outlet.name`` (``scrapy crawl <name>``) and a feed
    ``output/<name>.jsonl``. Names must be unique across all plugins.
    """


@hookspec
def chain_opened(chain):
    """Called once when a chain starts (a crawl opens its pipeline, or ``scrapy process`` starts).

    ``chain`` is the ``plugins.chain.Chain``: ``chain.settings`` holds the Scrapy settings,
    ``chain.stats`` the crawl's stats collector and ``chain.state`` a dict where a plugin keeps what
    it opens (a store, a compiled matcher) under a key of its own, to release it in ``chain_closed``.

    It is called in every worker process too, with ``chain.in_worker`` true and the settings as a plain
    copy: build there only what the prepare stages need (a compiled matcher), and open no store or output,
    which only the main process writes.
    """


@hookspec
def chain_closed(chain):
    """Called once when the chain ends, even after errors: close what ``chain_opened`` opened, leaving
    any store consistent."""


@hookspec(firstresult=True)
def extract_article(page, outlet, chain):
    """Turn one fetched or saved page into a ``plugins.model.Draft``; the first non-None result wins.

    ``page`` is a ``plugins.model.Page`` carrying exactly one of ``html``, ``text`` or ``body``;
    ``outlet`` is its ``Outlet`` or None when the outlet is unknown. An extractor fills the draft's
    metadata (title, published, authors, tags, canonical URL, images) and its ``lines``: the body
    as paragraphs, furniture and all, in page order. It reads structured metadata first (JSON-LD,
    OpenGraph and ``article:`` meta, ``<link rel=canonical>``), then the outlet's selectors, then a
    generic main-text extractor, and it calls ``clean_tree`` on the element it takes the body from.
    It raises ``plugins.model.Unusable`` with a reason a user understands when the page holds no
    article. May run in a worker process (see the module's docstring); ``page.tree`` is None there.
    """


@hookspec
def clean_tree(tree, draft, outlet, chain):
    """Element-level cleaning: remove furniture nodes from ``tree`` (an lxml element) in place.

    Called by the extractor before it reads text from ``tree``. A cleaner may move what it removes
    into the draft where it belongs (a photo caption and credit into ``draft.images``), but it never
    edits the text of the nodes it keeps. It appends ``(why, element)`` to ``draft.removed`` for each
    element it removes, so ``scrapy explain`` can show it. May run in a worker process.
    """


@hookspec
def clean_lines(draft, outlet, chain):
    """Text-level cleaning: mark furniture lines in ``draft.lines`` with ``draft.drop(i, reason)``.

    The same furniture reaches us as plain page text (saved visible text, feeds of other tools), so
    every outlet's furniture is also recognised line by line. A cleaner may record what a line tells
    (``draft.title``, ``draft.published``, ``draft.authors``, ``draft.tags``, ``draft.images``) as it
    drops it. Lines are only ever dropped whole: the article's own words are never changed. The one
    exception is a sign-off glued to the end of a paragraph (editors' initials, "... infrastructure.
    NT/HGL"): a cleaner that recognised one after the end of a sentence may cut it off with
    ``draft.trim_end(i, length, reason)``, which keeps the cut text and the reason on the line.
    May run in a worker process.
    """


@hookspec
def normalise_article(article, chain):
    """Fill ``article["groups"]``: every armed group the title and body name, on one id each.

    ``article`` is the record as it will be exported (a dict following
    ``schemas/article.schema.json``). Implementations add to ``groups``; they do not touch other fields.
    May run in a worker process: the record goes back to the main process by pickle.
    """


@hookspec(firstresult=True)
def deduplicate_article(article, chain):
    """Decide whether this record is new; the first non-None result wins.

    Return a short reason string (e.g. ``"seen"``) to skip a record already exported with the same
    content: it is counted as a duplicate, not exported. Return None to let it through, after setting
    ``revision``, ``cluster`` and ``duplicate_of`` on the record. Nothing may be stored as seen here:
    that happens in ``export_article``, once the record has passed validation. Runs in the main process,
    one page at a time, as do ``validate_article``, ``export_article`` and ``quarantine_article``.
    """


@hookspec
def validate_article(article, chain):
    """Return a list of problems (strings a user understands) that keep ``article`` out of the feed,
    or an empty list. Any problem from any plugin sends the record to quarantine."""


@hookspec
def export_article(article, chain):
    """The record passed every stage and goes to the feed now: remember it (e.g. in the
    deduplication store). Writing the feed itself is Scrapy's feed export (``FEEDS``, ``-o``/``-O``)."""


@hookspec
def quarantine_article(entry, chain):
    """Keep a page that could not become a valid record, with why.

    ``entry`` is a dict: ``url``, ``outlet``, ``stage`` (where it failed), ``reasons`` (list of strings),
    ``record`` (the record or draft so far, possibly partial) and ``quarantined_at``. The built-in
    implementation keeps it in the quarantine file (``output/quarantine/<outlet>.jsonl``), once per URL.
    """
