"""Help pages: every signed-in person reads them; anonymous users sign in first; nothing
to write (a POST is 405)."""

from .harness import Route, expect

EVERYONE = expect(200)
READ_ONLY = expect(405)

ROUTES = [
    Route("help:index", read=EVERYONE, write=READ_ONLY),
    Route("help:area", read=EVERYONE, write=READ_ONLY, kwargs=lambda w: {"area": "hierarchy"}),
    Route("help:csv-template", read=EVERYONE, write=READ_ONLY),
]
