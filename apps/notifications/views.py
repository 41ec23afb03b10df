from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core.tables import Column, Table

from . import permissions, services


@require_safe
def inbox(request):
    qs = permissions.notifications_visible_to(request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    table = Table(
        request,
        qs,
        [
            Column("created_at", _("When"), sort="created_at"),
            Column("subject", _("Subject"), sort="subject", template="notifications/_subject_cell.html"),
            Column("kind", _("Kind"), sort="kind", value=lambda n: n.kind_label()),
            Column("read_at", _("Read"), sort="read_at", template="notifications/_read_cell.html"),
        ],
        default_sort="-created_at",
        export_name="notifications",
        row_class=lambda n: "" if n.read_at else "unread",
    )
    if table.wants_csv():
        return table.csv_response()
    return render(request, "notifications/inbox.html", table.context())


@require_safe
def open_notification(request, pk):
    """Mark read, then go to the object it is about."""
    notification = permissions.get_notification_for_user(request.user, pk)
    services.notification_mark_read(recipient=request.user, pk=notification.pk)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "notifications:inbox"
    return redirect(target)


@require_POST
def mark_read(request, pk):
    notification = permissions.get_notification_for_user(request.user, pk)
    services.notification_mark_read(recipient=request.user, pk=notification.pk)
    if request.htmx:
        return render(request, "notifications/_read_cell.html", {"row": notification, "cell": True})
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request):
    services.notification_mark_read(recipient=request.user)
    return redirect("notifications:inbox")
