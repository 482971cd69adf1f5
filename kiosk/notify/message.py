"""The SMS text: the hall's template with the case's facts (pure)."""
import re

from kiosk.privacy import mask_phone

PLACEHOLDERS = ("hall", "case_no", "url", "short_code", "deadline")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class TemplateError(ValueError):
    pass


def render(template: str, **facts: str) -> str:
    """Fills {hall} {case_no} {url} {short_code} {deadline}; anything else is refused."""
    try:
        return template.format_map({name: facts.get(name, "") for name in PLACEHOLDERS})
    except (KeyError, ValueError, IndexError) as exc:
        raise TemplateError(f"SMS template: unknown or broken placeholder ({exc}); "
                            f"known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}") from exc


def check_template(template: str) -> None:
    if not isinstance(template, str) or "{url}" not in template:
        raise TemplateError("SMS template must be text containing {url}")
    render(template, **{name: "x" for name in PLACEHOLDERS})


def scrub(text: str) -> str:
    """Masks any mobile number in a text bound for a log or the database."""
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text or "")
