from .models import Notification


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": None}
    count = Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()
    return {"notifications_unread": count}
