"""A model server's base address, checked: what ``llm_base_url`` and ``--base-url`` accept. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

from mockprep.core.wording import as_written

ENDPOINT = "/chat/completions"  # what a client adds to a server's base address


def url_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a model server's base address, in a few words, or None. A user
    name or key in it (before the host, or anywhere in one that is no web address) and a query or
    fragment (``?key=...``) are refused without echoing it (the key has a setting of its own, kept
    hidden; a client adds /chat/completions after the query, so such an address never worked); a
    pasted endpoint is refused with the base address to write instead."""
    try:
        parts = urlsplit(text.strip())
        credentials = "@" in parts.netloc or ("@" in text and not is_web_address(text))
    except ValueError:
        credentials = "@" in text
    if credentials:
        return (
            "must not hold a user name or key (user:key@): put the key in llm_api_key or "
            "MOCKPREP_LLM_API_KEY, and the address without it"
        )
    if "?" in text or "#" in text:
        return (
            "must not hold a query or fragment (?... or #...): a key goes in llm_api_key or "
            "MOCKPREP_LLM_API_KEY, and the address ends at its path, such as http://localhost:11434/v1"
        )
    if not is_web_address(text):
        example = "http://localhost:11434/v1"
        return f"must be an http:// or https:// address such as {example} (got {as_written(text)})"
    path = parts.path.rstrip("/")
    if path.lower().endswith(ENDPOINT):
        base = parts._replace(path=path[: -len(ENDPOINT)], query="", fragment="").geturl()
        return f"is the server's base address, without {ENDPOINT}: write {base}"
    return None


def is_web_address(text: str) -> bool:
    """Whether ``text`` is an http:// or https:// address with a host and, if any, a port number
    (spaces around it aside)."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018  (raises ValueError for "localhost:abc")
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # (a malformed port or IPv6 host)
        return False
