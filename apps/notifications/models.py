"""The outbox (DESIGN §3 notifications, §5 mail outbox).

A row is written in the same transaction as the event it announces, so a rolled-back
event leaves no notification; a job claims unsent rows with a conditional UPDATE and
e-mails them, so a broker outage delays mail but loses nothing."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What each kind of notification is, for the inbox (a kind not listed shows as it is).
KIND_LABELS = {
    "plan_owner": _("plan you own"),
    "plan_new": _("new plan"),
    "plan_contributor": _("plan your department contributes to"),
    "plan_status": _("plan status"),
    "milestone_owner": _("milestone you own"),
    "decision_owner": _("decision assigned to you"),
    "target_proposal": _("target change proposed"),
    "minutes": _("minutes"),
    "metric_red": _("metric turned red"),
    "metric_red_committee": _("metric turned red (committee)"),
    "digest": _("daily reminder"),
    "password_reset": _("password reset"),
    "feedback_routed": _("feedback routed"),
    "feedback_triage": _("feedback to triage"),
    "feedback_escalation": _("feedback overdue"),
    "feedback_spike": _("feedback spike"),
    "feedback_spike_agenda": _("feedback spike for the agenda"),
    "incentive_plan_submitted": _("bonus plan to approve"),
    "incentive_plan_sent_back": _("bonus plan sent back"),
    "incentive_plan_approved": _("bonus plan approved"),
    "incentive_plan_closed": _("bonus plan closed"),
    "incentive_plan_amended": _("bonus plan amended"),
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # Two events with the same key make one notification (e.g. one digest a day).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Mail delivery state.
    send_email = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    # Shown in the inbox; a password-reset mail is not.
    in_app = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(emailed_at__isnull=True, send_email=True),
                name="notification_unsent_idx",
            ),
            models.Index(
                fields=["recipient", "read_at"],
                condition=models.Q(in_app=True),
                name="notification_inbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.subject}"

    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))
