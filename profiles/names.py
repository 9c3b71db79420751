"""Name normalisation shared by the catalogs: "Nvidia H100-SXM5 80GB GPU" -> "h100sxm580gb"."""

import re

_NOISE = re.compile(r"\b(nvidia|amd|instinct|tesla|gpu|geforce)\b")


def squash(name: str) -> str:
    """Lower-case, drop vendor words and every non-alphanumeric character."""
    return re.sub(r"[^a-z0-9]", "", _NOISE.sub(" ", name.lower()))
