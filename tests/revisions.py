"""A migration test's two revisions, read from the revision's own file: the one before it
(to upgrade to and fill with data) and its own."""
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def revisions(name: str) -> tuple[str, str]:
    """(down_revision, revision) of the revision file named *_<name>.py."""
    path = next(VERSIONS.glob(f"*_{name}.py"))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace["down_revision"], namespace["revision"]
