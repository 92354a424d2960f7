"""The project's Scrapy add-on (``ADDONS``): component lists adjusted to the crawl's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: (switch, component setting, component): Scrapy components that only refuse to load
#: (``NotConfigured``) when their switch is off, and whose modules are costly to import.
SWITCHED_COMPONENTS: tuple[tuple[str, str, str], ...] = (
    # Imports aiohttp: 150 ms on the benchmark machine.
    ("REMOTE_CONTROL_ENABLED", "EXTENSIONS", "scrapy.extensions.remote_control.RemoteControl"),
    # Imports tldextract: 40 ms.
    (
        "COOKIES_ENABLED",
        "DOWNLOADER_MIDDLEWARES",
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    ),
    # Imports twisted.conch: 4 ms.
    ("TELNETCONSOLE_ENABLED", "EXTENSIONS", "scrapy.extensions.telnet.TelnetConsole"),
)


class SwitchedOffComponents:
    """Leaves out of the crawl the Scrapy components whose switch is off.

    Scrapy imports every component its lists name, then lets a switched-off one refuse to load:
    about 0.2 s of each crawl process's start-up (a fifth of it) went to importing the modules
    of components that then did nothing. A ``None`` in ``EXTENSIONS`` or
    ``DOWNLOADER_MIDDLEWARES`` cannot spare the import: Scrapy 2.19 loads every key of a
    component dictionary to tell paths and classes apart, ``None``-valued ones too
    (``get_component_priority_dict_with_base``). So this add-on takes the component out of the
    ``_BASE`` dictionary, which Scrapy's docs keep for Scrapy's own defaults, and only while its
    switch is off: ``-s COOKIES_ENABLED=True`` gives the cookies middleware back its default
    place, and a component placed in the setting itself is loaded as usual.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        for switch, setting, component in SWITCHED_COMPONENTS:
            if settings.getbool(switch):
                continue
            defaults = settings[f"{setting}_BASE"]
            if defaults is not None and component in defaults:
                defaults.delete(component, priority="addon")
