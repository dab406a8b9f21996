"""Small text helpers shared by the renderers: escaping, truncation, URIs."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_WS = re.compile(r"\s+")


def strip_control(text: str) -> str:
    """Drop C0/C1 control characters (keeps TAB, LF, CR)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace; drop control characters."""
    # Printable text has no whitespace but U+0020 and no control characters:
    # it only changes if it has double or edge spaces.  Most messages qualify,
    # and this runs once per finding per format.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _WS.sub(" ", strip_control(text)).strip()


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def md_escape(text: str) -> str:
    """Plain text made inert for GitHub-flavoured Markdown (tables included).

    HTML metacharacters become entities (GitHub renders raw HTML in step
    summaries), Markdown punctuation is backslash-escaped, and newlines are
    folded so a value can never break out of a table cell.
    """
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;")
    return _MD_SPECIAL.sub(r"\\\1", text)


MAX_SEGMENT = 120


def _segment(value: str) -> str:
    """One percent-encoded path segment, never empty and never '.' or '..'.

    Very long names are cut and suffixed with a hash of the whole name, so the
    URI stays short, stable and unique.
    """
    if not value:
        return "_"
    # A lone surrogate (refused in input files, but a caller may pass one) is
    # spelt \udXXX rather than raising.
    encoded = quote(value, safe="", errors="backslashreplace")
    if len(encoded) > MAX_SEGMENT:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        cut = encoded[: MAX_SEGMENT - 14]
        # Never cut through a %XX escape.
        pct = cut.rfind("%", len(cut) - 2)
        if pct != -1:
            cut = cut[:pct]
        encoded = f"{cut}~{digest}"
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def resource_uri(account: str, region: str, resource_type: str, name: str) -> str:
    """``aws/<account>/<region>/<type>/<name>``: relative, scheme-less, URL-safe.

    Every segment is percent-encoded (spaces, unicode, ``<>&"`` and ``/``
    included) so a name can neither add path segments nor form a scheme.
    """
    short_type = resource_type.removeprefix("aws.")
    parts = [account, region, short_type, name]
    return "aws/" + "/".join(_segment(p) for p in parts)


def location_hash(policy_id: str, resource_id: str) -> str:
    """GitHub's ``primaryLocationLineHash`` for a cloud resource.

    GitHub cannot hash a source line for an AWS object, so we give it one that
    depends only on what identifies the finding: same policy, same resource,
    same alert across scans.
    """
    digest = hashlib.sha256(f"{policy_id}\x00{resource_id}".encode("utf-8", "surrogatepass"))
    return f"{digest.hexdigest()[:16]}:1"


def display_name(name: str, resource_id: str) -> str:
    """The resource's name, else the last part of its ARN, else its id.

    Results written without a name carry the ARN there (Finding.from_dict);
    a URI must never be an ARN, so that counts as no name.
    """
    if name and name != resource_id and parse_arn(name) is None:
        return name
    arn = parse_arn(name) or parse_arn(resource_id)
    if arn is not None:
        return re.split(r"[:/]", arn[3])[-1]
    return resource_id


_ARN = re.compile(
    r"arn:[^:]*:(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<rest>.*)",
    re.DOTALL,  # resource names may hold newlines
)


def parse_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(service, region, account, resource part) of an ARN, or None."""
    m = _ARN.fullmatch(arn)
    if m is None:
        return None
    return m["service"], m["region"], m["account"], m["rest"]
