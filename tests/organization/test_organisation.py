"""Organisation pages and services: history, archive, stale edits, API."""

import pytest
from django.urls import reverse

from apps.core import history
from apps.core.errors import StaleEdit
from apps.core.models import HistoryEntry
from apps.organization import services
from apps.organization.models import Department

pytestmark = pytest.mark.django_db


def test_history_appears_on_the_department_page_after_an_edit(client, p):
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:department-edit", args=[p.service.pk]),
        {"code": "SERVICE", "name": "Customer Care", "parent": "", "version": p.service.version},
    )
    assert response.status_code == 302
    page = client.get(reverse("organization:department-detail", args=[p.service.pk])).content.decode()
    assert "Customer Care" in page
    assert "<del>Customer Service</del>" in page
    assert "Alice Leader" in page


def test_stale_edit_is_refused_and_keeps_the_users_input(client, p):
    services.department_update(department=p.service, by=p.alice, version=1, name="First edit")
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:department-edit", args=[p.service.pk]),
        {"code": "SERVICE", "name": "Second edit", "parent": "", "version": 1},
    )
    assert response.status_code == 200
    assert "Someone else saved this" in response.content.decode()
    assert 'value="Second edit"' in response.content.decode()
    assert Department.objects.get(pk=p.service.pk).name == "First edit"


def test_conditional_update_of_the_service_is_recorded_in_history(p):
    services.department_update(department=p.website, by=p.alice, version=1, parent=p.service)
    entry = history.history_for(p.website)[0]
    assert entry.actor == p.alice
    assert entry.changes["parent"]["before"] is None
    assert entry.changes["parent"]["after"] == "Customer Service"
    with pytest.raises(StaleEdit):
        services.department_update(department=p.website, by=p.alice, version=1, name="lost")


def test_department_cannot_sit_under_its_own_descendant(p):
    services.department_update(department=p.website, by=p.alice, version=1, parent=p.service)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.department_update(department=p.service, by=p.alice, version=1, parent=p.website)


def test_departments_are_archived_never_deleted(client, p):
    client.force_login(p.alice)
    client.post(reverse("organization:department-archive", args=[p.website.pk]))
    p.website.refresh_from_db()
    assert p.website.archived
    assert HistoryEntry.objects.filter(object_id=str(p.website.pk), action="archive").exists()
    with pytest.raises(TypeError):
        p.website.delete()
    listing = client.get(reverse("organization:department-list")).content.decode()
    assert "Website" not in listing


def test_person_roles_are_granted_and_recorded(client, p):
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:person-edit", args=[p.carl.pk]),
        {
            "email": p.carl.email,
            "display_name": p.carl.display_name,
            "language": "en",
            "is_active": "on",
            "roles": ["contributor"],
            "headed_departments": [p.website.pk, p.service.pk],
            "version": p.carl.version,
        },
    )
    assert response.status_code == 302
    heads = set(p.carl.role_grants.filter(role="department_head").values_list("department__code", flat=True))
    assert heads == {"SERVICE", "WEBSITE"}
    assert any("roles" in e.changes for e in history.history_for(p.carl))


def test_form_errors_show_next_to_the_field(client, p):
    client.force_login(p.alice)
    response = client.post(
        reverse("organization:department-create"), {"code": "SERVICE", "name": "", "version": 1}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_errors"' in body


def test_api_edit_requires_the_current_version(api, p):
    client = api(p.alice_token)
    stale = client.patch("/api/v1/departments/SERVICE/", {"name": "X", "version": 7}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    missing = client.patch("/api/v1/departments/SERVICE/", {"name": "X"}, format="json")
    assert missing.status_code == 400
    assert "version" in missing.json()
    ok = client.patch("/api/v1/departments/SERVICE/", {"name": "X", "version": 1}, format="json")
    assert ok.status_code == 200
    assert ok.json()["version"] == 2


def test_api_duplicate_code_is_a_400_naming_the_field(api, p):
    response = api(p.alice_token).post("/api/v1/channels/", {"code": "PHONE", "name": "x"}, format="json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_revoked_token_no_longer_authenticates(api, p):
    from apps.organization.models import ApiToken

    token = ApiToken.objects.get(user=p.hugo)
    services.token_revoke(token=token, by=p.hugo)
    assert api(p.hugo_token).get("/api/v1/departments/").status_code == 401


def test_tokens_are_stored_hashed(p):
    from apps.organization.models import ApiToken

    assert not ApiToken.objects.filter(key_hash=p.alice_token).exists()
    assert ApiToken.objects.filter(prefix=p.alice_token[:8]).exists()


def test_system_token_cannot_read_departments(api, p):
    assert api(p.sam_token).get("/api/v1/departments/").status_code == 403
