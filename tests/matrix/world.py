"""The objects the matrix runs against: personas plus, per app, one object in the
"own" department (Customer Service) and one in the "other" (Website)."""

from types import SimpleNamespace

from apps.notifications.models import Notification
from apps.organization.models import ApiToken
from tests.personas import make_personas


def build_world() -> SimpleNamespace:
    p = make_personas()
    world = SimpleNamespace(**vars(p))
    world.alice_token_obj = ApiToken.objects.get(user=p.alice)
    world.hugo_notification = Notification.objects.create(
        recipient=p.hugo, kind="test", subject="For Hugo", url="/"
    )
    world.actors = {
        "cx_leader": p.alice,
        "executive": p.erin,
        "head_own": p.hugo,
        "head_other": p.wanda,
        "contributor_own": p.cora,
        "contributor_other": p.carl,
    }
    return world
