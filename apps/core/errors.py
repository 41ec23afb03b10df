class StaleEdit(Exception):
    """A save from an outdated version: someone else changed the object meanwhile."""

    def __init__(self, obj, current_version: int | None = None):
        self.obj = obj
        self.current_version = current_version
        super().__init__(f"{type(obj).__name__} {obj.pk} changed meanwhile (now v{current_version})")
