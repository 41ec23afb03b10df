from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import NavEntry, registry


class OrganizationConfig(AppConfig):
    name = "apps.organization"
    label = "organization"
    verbose_name = _("Organisation")

    def ready(self):
        from . import api_auth  # noqa: F401  (the token scheme in the OpenAPI description)

        registry.add_nav(
            NavEntry(_("Organisation"), "organization:department-list", roles.everyone, order=80)
        )
        registry.add_nav(NavEntry(_("People"), "organization:person-list", roles.is_cx_leader, order=90))
        registry.add_nav(NavEntry(_("Channels"), "organization:channel-list", roles.is_cx_leader, order=100))
        # The API belongs to no app; its tokens are the organisation's.
        registry.add_nav(NavEntry(_("API"), "api-docs", roles.everyone, order=110))
