from django.contrib.auth.forms import PasswordResetForm
from django.template import loader

from .services import notify


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the outbox like every other mail, so a mail
    server outage delays it instead of losing it. It is not shown in the inbox."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        # Rendered in the language of the request, which is the recipient's own.
        notify(
            recipient=context["user"],
            kind="password_reset",
            subject=lambda: subject,
            body=lambda: body,
            in_app=False,
        )
