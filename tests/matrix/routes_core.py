"""Expectations for the core pages, sign-in, organisation pages and their API."""

from .harness import LOGIN, Route, api_cx_only, api_expect, cx_only, expect

EVERYONE = expect(200)
READ_ONLY = expect(405)  # a write to a page that only shows something


def _department_data(w):
    return {"code": "NEWDEPT", "name": "New department", "parent": "", "version": 1}


def _department_edit_data(w):
    return {"code": w.service.code, "name": "Renamed", "parent": "", "version": w.service.version}


def _channel_data(w):
    return {"code": "KIOSK", "name": "Kiosk", "version": 1}


def _person_data(w):
    return {
        "email": "new.person@example.com",
        "display_name": "New Person",
        "language": "en",
        "is_active": "on",
        "roles": ["contributor"],
        "version": 1,
    }


def _person_edit_data(w):
    return {**_person_data(w), "email": w.cora.email, "version": w.cora.version}


ROUTES = [
    Route("home", read=EVERYONE, write=READ_ONLY),
    Route("landing", read=expect(302), write=READ_ONLY),  # on to my work or the overview
    Route("my-work", read=EVERYONE, write=READ_ONLY),
    Route("search", read=EVERYONE, write=READ_ONLY),
    # The departments scoreboard (issue 24): everyone reads; its bonus column is tested
    # per role in tests/dashboards.
    Route("department-progress", read=EVERYONE, write=READ_ONLY),
    Route("health", read=expect(200, anonymous=200), write=expect(405, anonymous=405)),
    Route("language-set", read=expect(405), write=expect(302), data=lambda w: {"language": "es"}),
    # Sign-in pages: anonymous users reach them; signed-in users are sent on.
    Route(
        "login",
        read=expect(302, anonymous=200),
        write=expect(302, anonymous=200),
        data=lambda w: {"username": "nobody@example.com", "password": "wrong"},
    ),
    # Signing out ends on the sign-in page, whoever asks.
    Route("logout", read=expect(405), write=expect(LOGIN)),
    Route(
        "password_change",
        read=EVERYONE,
        write=expect(200),
        data=lambda w: {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    ),
    Route("password_change_done", read=EVERYONE, write=READ_ONLY),
    Route(
        "password_reset",
        read=expect(200, anonymous=200),
        write=expect(302, anonymous=302),
        data=lambda w: {"email": "nobody@example.com"},
    ),
    Route("password_reset_done", read=expect(200, anonymous=200), write=expect(405, anonymous=405)),
    Route(
        "password_reset_confirm",
        read=expect(200, anonymous=200),
        write=expect(200, anonymous=200),
        kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"},
        data=lambda w: {},
    ),
    Route("password_reset_complete", read=expect(200, anonymous=200), write=expect(405, anonymous=405)),
    # Organisation pages: everyone reads; the CX leader edits.
    Route("organization:department-list", read=EVERYONE, write=READ_ONLY),
    Route(
        "organization:department-detail",
        read=EVERYONE,
        write=READ_ONLY,
        kwargs=lambda w: {"pk": w.service.pk},
    ),
    Route("organization:department-create", read=cx_only(200), write=cx_only(302), data=_department_data),
    Route(
        "organization:department-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.service.pk},
        data=_department_edit_data,
    ),
    Route(
        "organization:department-archive",
        read=expect(405),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.website.pk},
    ),
    Route("organization:channel-list", read=EVERYONE, write=READ_ONLY),
    Route("organization:channel-create", read=cx_only(200), write=cx_only(302), data=_channel_data),
    Route(
        "organization:channel-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.phone.pk},
        data=lambda w: {"code": "PHONE", "name": "Telephone", "version": w.phone.version},
    ),
    Route(
        "organization:channel-archive",
        read=expect(405),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.web.pk},
    ),
    Route("organization:person-list", read=cx_only(200), write=expect(405)),
    Route("organization:person-create", read=cx_only(200), write=cx_only(302), data=_person_data),
    Route(
        "organization:person-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.cora.pk},
        data=_person_edit_data,
    ),
    # Everyone manages their own tokens; revoking another person's token is refused.
    Route("organization:token-list", read=EVERYONE, write=expect(200), data=lambda w: {"name": "my token"}),
    Route(
        "organization:token-revoke",
        read=expect(405),
        write=expect(403, cx_leader=302),
        kwargs=lambda w: {"pk": w.alice_token_obj.pk},
    ),
    # API
    Route("api-schema", read=api_expect(200), write=api_expect(405), api=True),
    Route("api-docs", read=api_expect(200), write=api_expect(405), api=True),
    Route("api-redoc", read=api_expect(200), write=api_expect(405), api=True),
    Route("api:api-root", read=api_expect(200), write=api_expect(405), api=True),
    Route(
        "api:department-list",
        read=api_expect(200),
        write=api_cx_only(201),
        api=True,
        json=True,
        data=lambda w: {"code": "API_DEPT", "name": "From the API"},
    ),
    Route(
        "api:department-detail",
        read=api_expect(200),
        write=api_cx_only(200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"code": w.service.code},
        data=lambda w: {"name": "Renamed", "version": w.service.version},
    ),
    Route(
        "api:channel-list",
        read=api_expect(200),
        write=api_cx_only(201),
        api=True,
        json=True,
        data=lambda w: {"code": "KIOSK", "name": "Kiosk"},
    ),
    Route(
        "api:channel-detail",
        read=api_expect(200),
        write=api_cx_only(200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"code": w.phone.code},
        data=lambda w: {"name": "Telephone", "version": w.phone.version},
    ),
]
