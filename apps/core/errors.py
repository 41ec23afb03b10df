class StaleEdit(Exception):
    """A save from an outdated version: someone else changed the object meanwhile."""

    def __init__(self, obj, current_version: int | None = None):
        self.obj = obj
        self.current_version = current_version
        super().__init__(f"{type(obj).__name__} {obj.pk} changed meanwhile (now v{current_version})")


class BatchTooLarge(Exception):
    """An ingest batch beyond its limit (the API answers 413)."""

    def __init__(self, limit: int, noun: str = "rows"):
        self.limit = limit
        super().__init__(f"a batch may hold at most {limit} {noun}")


class BadPayload(Exception):
    """An ingest body that is not a list of records at all (malformed JSON or CSV, binary data)."""
