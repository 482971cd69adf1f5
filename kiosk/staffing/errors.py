class StaffingError(Exception):
    """A refused clerk action, with a message the clerk or manager can act on."""

    def __init__(self, code: str, message, status: int = 400):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.status = status

    def to_json(self) -> dict:
        return {"error": self.code, "message": self.message}
