"""The Kiwix ZIM archive backend: an offline Wikipedia (or any ZIM) behind the browser.

    from browser.zim import ZimBackend
    backend = ZimBackend("wikipedia_en_all_nopic.zim")
    backend.search("pointillism", limit=5)
    backend.open("https://en.wikipedia.org/wiki/Georges_Seurat")

Modules: :mod:`~browser.zim.backend` (search and open), :mod:`~browser.zim.extract`
(article HTML to text and link spans), :mod:`~browser.zim.urls` (the URLs articles are
cited by).
"""

from browser.zim.backend import ZimBackend
from browser.zim.urls import UrlScheme, url_scheme

__all__ = ["UrlScheme", "ZimBackend", "url_scheme"]
