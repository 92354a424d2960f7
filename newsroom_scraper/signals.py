"""The project's own Scrapy signals: how spiders, the report and the state talk without imports.

A spider that meets a failure or a removed article sends a signal; whoever keeps the run's report
or the dataset listens. Neither side imports the other, so a newsroom module never depends on
the state package and the state package never names a site.
"""

from __future__ import annotations

#: Sent with ``kind``, ``url`` and ``reason`` for every counted failure
#: (see :func:`newsroom_scraper.report.report_error`).
error_reported = object()

#: Sent by spiders for an article URL answering 404 or 410, with ``url`` and ``status``.
#: A receiver returns True when it knew the article (then it is not an error).
article_gone = object()

#: Sent with ``path`` and ``reason`` when a file of the run's output (the dataset, the state, a
#: run file, the ``--out`` file) cannot be written (see
#: :func:`newsroom_scraper.report.report_write_failure`).
output_write_failed = object()

#: Sent by a spider with ``response`` when a page requested as an article turned out not to be
#: one (a listing, tag or home page found in a sitemap): ``--keep-pages`` does not keep it.
page_not_article = object()
