"""Agenda-feed addresses as coordinators type them: "www.stadsdorpzuid.nl/agenda.ics"
(no scheme), "webcal://…" (what calendar websites offer to click) or a real https URL.
One rule for the settings page, the command line and the sync worker. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

SUBSCRIBE_SCHEMES = ("webcal://", "webcals://")  # "subscribe in your calendar" links


class FeedUrlError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_feed_url(text: str) -> str:
    """The URL to fetch, or FeedUrlError in Dutch. A `#label` fragment is kept."""
    url = text.strip()
    if not url:
        raise FeedUrlError("Het agenda-adres is leeg.")
    lowered = url.lower()
    for scheme in SUBSCRIBE_SCHEMES:
        if lowered.startswith(scheme):
            url = "https://" + url[len(scheme):]
            break
    else:
        if "://" not in url:
            url = "https://" + url.lstrip("/")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on "host:abc"
    except ValueError:
        raise FeedUrlError(f"Het agenda-adres {text!r} klopt niet.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedUrlError(
            f"Het agenda-adres {text!r} begint met {parts.scheme}://. De kiosk leest alleen "
            "adressen die met https:// (of http://) beginnen."
        )
    host = parts.hostname or ""
    if not host or any(ch.isspace() for ch in url) or (
            "." not in host and host != "localhost" and port is None):
        raise FeedUrlError(
            f"Het agenda-adres {text!r} klopt niet. Een goed adres lijkt op "
            "https://www.stadsdorp.nl/agenda.ics."
        )
    return url


def normalise_feed_list(text: str) -> str:
    """The setting's value: addresses separated by spaces or new lines."""
    return " ".join(normalise_feed_url(part) for part in text.split())


def feed_list_problem(text: str) -> str:
    """'' when every address is usable, else what is wrong with the first bad one."""
    try:
        normalise_feed_list(text)
    except FeedUrlError as err:
        return err.message
    return ""
