"""What free text citizens type may contain (pure): no control characters.

They cannot be typed on a keyboard, only injected, and XML 1.0 cannot carry them: a
comment with one would break every XML upstream (the Fujian profile) later, in the sync
daemon, far from the person who could correct it. Refused where the text comes in.
"""
import re

# C0 controls except tab, newline and carriage return; DEL and C1; non-characters and lone
# surrogates that no XML document may contain.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(text: str) -> bool:
    return bool(_FORBIDDEN.search(text))
