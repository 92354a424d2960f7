"""Extraction: page -> item, shared by every newsroom.

- :mod:`.page`: the page-object base class and its context (no spider needed);
- :mod:`.metadata`: metadata every site can fall back on (JSON-LD, OpenGraph, microdata, ...);
- :mod:`.htmltext`: clean HTML, text, links and attachments from a body fragment;
- :mod:`.loaders`: the item loader, which derives the fields that follow from the others;
- :mod:`.dates`: exact date formats first, dateparser as the last resort.
"""
