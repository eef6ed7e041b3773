"""The password-reset request: Django's form, with a few e-mails per address an hour."""

from django.contrib.auth.forms import PasswordResetForm

from plm_workflow.profiles.resets import password_reset_send_allow


class ThrottledPasswordResetForm(PasswordResetForm):
    """Send a reset e-mail only while the address has sends left in the hour.

    The page that follows is the same whether the address exists, got its e-mail or had its
    share already: nobody learns which.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        if password_reset_send_allow(address=to_email):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )
