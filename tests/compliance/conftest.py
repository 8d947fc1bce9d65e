"""The web fixtures (the app on loopback, Debian's chromium) for the compliance view's browser test."""

from tests.web.conftest import browser_page, live_server  # noqa: F401
