"""newsroom_scraper: crawl the newsrooms of public institutions into clean JSON Lines datasets."""

__version__ = "0.1.0"
