"""The one phone mask: 138****5678 on every page, export, log and upstream record (pure)."""


def mask_phone(phone: str | None) -> str:
    """138****5678; anything that is not a full number shows nothing identifying."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
