"""Exceptions raised by the live-web backend.

Every failure to search or open ends in a :class:`~browser.errors.BackendError` with a
message that names the url, host or setting at fault; the environment shows that message
to the policy as the step's error. The web backend adds::

    BrowserError
    ├── BackendError                (browser.errors)
    │   ├── PageNotFound            the server answered 404 or 410  (browser.errors)
    │   ├── BlockedAddress          a url, a redirect or a resolved address is not allowed
    │   ├── RobotsDisallowed        robots.txt forbids us that url
    │   └── SearchFailed            the search provider failed, timed out or rate-limited
    └── WebConfigError              bad options for the web backend (also a ValueError)
"""

from __future__ import annotations

from browser.errors import BackendError, BrowserError


class BlockedAddress(BackendError):
    """A url's scheme, host, port or resolved address is one the backend never connects to."""


class RobotsDisallowed(BackendError):
    """The site's robots.txt does not allow our user agent to fetch the url."""


class SearchFailed(BackendError):
    """A search provider could not answer: an HTTP error, a timeout, 429 or bad JSON."""


class WebConfigError(BrowserError, ValueError):
    """The web backend was given options it cannot work with."""
