"""Why a rating was refused: a machine code, an HTTP status and a message a citizen can read."""


class RatingError(Exception):
    status = 422

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def to_json(self) -> dict:
        return {"error": self.code, "message": str(self.message)}


class AlreadyRated(RatingError):
    """一次一评: the case (or the invitation) already has its rating."""

    status = 409


class NotFound(RatingError):
    status = 404
