"""The inbox: everyone reads and marks their own; someone else's row is not found."""

from .harness import Route, expect


def _own(w):
    return {"pk": w.hugo_notification.pk}


ROUTES = [
    Route("notifications:inbox", read=expect(200), write=expect(405)),
    Route("notifications:read-all", read=expect(405), write=expect(302)),
    # Only Hugo (head_own) owns the notification; everyone else gets 404.
    Route("notifications:open", read=expect(404, head_own=302), write=expect(405), kwargs=_own),
    Route("notifications:read", read=expect(405), write=expect(404, head_own=302), kwargs=_own),
]
