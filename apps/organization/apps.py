from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.registry import NavEntry, registry


class OrganizationConfig(AppConfig):
    name = "apps.organization"
    label = "organization"
    verbose_name = _("Organisation")

    def ready(self):
        # api_auth: the token scheme in the OpenAPI description, registered on import.
        from . import api_auth, hooks  # noqa: F401

        registry.add_nav(
            NavEntry(_("Organisation"), "organization:department-list", roles.everyone, order=80)
        )
        registry.add_nav(NavEntry(_("People"), "organization:person-list", roles.is_cx_leader, order=90))
        registry.add_nav(NavEntry(_("Channels"), "organization:channel-list", roles.is_cx_leader, order=100))
        # The API belongs to no app; its tokens are the organisation's. In the user menu,
        # not the main navigation: most readers never use it.
        registry.add_nav(NavEntry(_("API"), "api-docs", roles.everyone, order=110, main=False))
        registry.add_search(hooks.search_departments, order=40)
        registry.add_search(hooks.search_people, order=50)
