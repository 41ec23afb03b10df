from .routes_actions import ROUTES as ACTIONS
from .routes_committees import ROUTES as COMMITTEES
from .routes_core import ROUTES as CORE
from .routes_feedback import ROUTES as FEEDBACK
from .routes_help import ROUTES as HELP
from .routes_incentives import ROUTES as INCENTIVES
from .routes_metrics import ROUTES as METRICS
from .routes_notifications import ROUTES as NOTIFICATIONS

ROUTES = [*CORE, *NOTIFICATIONS, *METRICS, *ACTIONS, *COMMITTEES, *INCENTIVES, *FEEDBACK, *HELP]
