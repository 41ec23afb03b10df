from .routes_core import ROUTES as CORE
from .routes_notifications import ROUTES as NOTIFICATIONS

ROUTES = [*CORE, *NOTIFICATIONS]
