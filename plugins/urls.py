"""URL canonicalisation and the article id derived from it."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign, a click or a share, never a page.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|li_fat_id|igshid|"
    r"mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|vero_conv|wickedid|"
    r"mtm_\w+|pk_\w+|piwik_\w+|ns_\w+|at_\w+|xtor|wt\.mc_id|s_cid|cmpid|ocid|smid|spm|"
    r"ref_src|ref_url|__twitter_impression|amp;.*)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that stay literal in a path; everything else is percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalise_escape(match: re.Match[str]) -> str:
    # %7E and ~ are the same URL; %2f and %2F too, but %2F and / are not.
    char = chr(int(match.group(1), 16))
    return char if char in UNRESERVED else match.group(0).upper()


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: /a/./b/../c is /a/c."""
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if path.endswith(("/.", "/..")):
        out.append("")
    return "/" + "/".join(out)


def canonical_url(url: str) -> str:
    """Normalise a URL so that every way of writing the same page gives the same string.

    Lower-cases scheme and host (IDN hosts become punycode), drops default ports, user info,
    fragments, tracking parameters, dot segments, repeated slashes and a trailing slash on the path,
    normalises percent-escapes and sorts the remaining query parameters.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid IDN: keep it as written, lower-cased
        pass
    host = host.lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = quote(parts.path or "/", safe=PATH_SAFE)
    path = re.sub(r"%([0-9A-Fa-f]{2})", _normalise_escape, path)
    path = _remove_dot_segments(re.sub(r"/{2,}", "/", path if path.startswith("/") else "/" + path))
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, urlencode(sorted(without_tracking(parts.query))), ""))


def without_tracking(query: str) -> list[tuple[str, str]]:
    """The parameters of a query string, in order, without those that only track a click or campaign."""
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]


def article_id(canonical: str) -> str:
    """The stable record id: first 16 hex digits of the SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
