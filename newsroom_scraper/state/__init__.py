"""State: what a newsroom's crawls have seen, and the dataset built from it.

Everything that outlives a run lives here, behind one interface:

- :mod:`.store`: the :class:`~.store.StateStore` protocol and its SQLite implementation, and
  :func:`~.store.store_for`, the one store of a crawl;
- :mod:`.redis_store`: the same protocol on Redis, for distributed crawls;
- :mod:`.lock`: the data directory's lock (runs never overlap);
- :mod:`.files`: atomic, newest-first dataset files;
- :mod:`.runs`: run ids and run files;
- :mod:`.incremental`: the spider middleware that decides what a run fetches;
- :mod:`.pipeline`: the item pipeline that keeps versions and writes the dataset.

Spiders never import this package: they tag requests with a role
(:mod:`newsroom_scraper.requests`) and send signals (:mod:`newsroom_scraper.signals`).
"""
