"""For ``scrapyd-deploy`` only: it builds the egg it uploads by running ``setup.py bdist_egg``.

Without this file, scrapyd-deploy writes a ``setup.py`` of its own that declares no package
data: the egg would lack the item schema (``newsroom_scraper/schema/*.json``) and the demo
samples, and on Scrapyd every item would fail validation. Everything else (metadata, package
data, the ``scrapy`` entry point naming the settings module) is read from pyproject.toml.
"""

from setuptools import setup

setup()
