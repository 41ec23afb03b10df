from django.shortcuts import get_object_or_404

from .models import Notification


def notifications_visible_to(user):
    """A person sees only their own in-app notifications."""
    return Notification.objects.filter(recipient=user, in_app=True)


def get_notification_for_user(user, pk) -> Notification:
    # Someone else's notification is "not found", not "forbidden": no probing.
    return get_object_or_404(notifications_visible_to(user), pk=pk)
