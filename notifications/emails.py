"""The e-mails: a subject, a plain-text and an HTML part from ``emails/<name>-…`` templates, with
absolute links back into the portal and, on digests, a signed one-click unsubscribe (RFC 8058)."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from . import links

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
DIGEST_TEMPLATES = {"manager": "digest-manager", "vendor": "digest-vendor", "summary": "digest-summary"}


def unsubscribe_token(user_id: int) -> str:
    """A signed token naming the person; it does not expire (an old digest's link still works)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user_id))


def unsubscribe_user_id(token: str) -> int | None:
    """The person a signed unsubscribe token was made for; None when it was tampered with."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def unsubscribe_url(user_id: int) -> str:
    return links.absolute(links.page("notifications:unsubscribe", unsubscribe_token(user_id)))


def _render(name: str, context: dict) -> tuple[str, str, str]:
    subject = get_template(f"emails/{name}-subject.txt").render(context)
    text = get_template(f"emails/{name}-body.txt").render(context)
    html = get_template(f"emails/{name}-body.html").render(context)
    return " ".join(subject.split()), text, html


def _message(*, name: str, context: dict, to: str, headers: dict | None = None) -> EmailMultiAlternatives:
    subject, text, html = _render(name, context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


def _common(user) -> dict:
    return {
        "user": user,
        "name": user.get_short_name(),
        "portal_name": settings.PORTAL_NAME,
        "portal_url": links.absolute("/"),
        "preferences_url": links.absolute(links.named("notifications:preferences")),
        "notifications_url": links.absolute(links.named("notifications:list")),
    }


class DigestRenderer:
    """Renders a batch of digests. People with the same portfolio and period share their sections
    (the same list object), which are rendered once per batch and placed into each person's e-mail."""

    def __init__(self):
        self._sections: dict[int, tuple[str, str]] = {}

    def _rendered_sections(self, sections) -> tuple[str, str]:
        key = id(sections)  # the digests, and so their sections, live as long as the batch
        if key not in self._sections:
            context = {"sections": sections}
            self._sections[key] = (
                get_template("emails/_digest_sections.txt").render(context),
                mark_safe(get_template("emails/_digest_sections.html").render(context)),  # noqa: S308
            )
        return self._sections[key]

    def message(self, *, user, digest, ledger_id: int) -> EmailMultiAlternatives:
        """One digest e-mail; its ``List-Unsubscribe`` link works with one POST, without signing in."""
        unsubscribe = unsubscribe_url(user.pk)
        text, html = self._rendered_sections(digest.sections)
        context = _common(user) | {
            "digest": digest,
            "unsubscribe_url": unsubscribe,
            "sections_txt": text,
            "sections_html": html,
        }
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Portal-Digest": f"{digest.kind}/{ledger_id}",
            "Auto-Submitted": "auto-generated",
        }
        return _message(name=DIGEST_TEMPLATES[digest.kind], context=context, to=user.email, headers=headers)


def digest_message(*, user, digest, ledger_id: int) -> EmailMultiAlternatives:
    return DigestRenderer().message(user=user, digest=digest, ledger_id=ledger_id)


def notification_message(*, notification) -> EmailMultiAlternatives:
    """The e-mail sent straight away for one notification."""
    user = notification.recipient
    context = _common(user) | {
        "notification": notification,
        "url": links.absolute(notification.url),
        "kind": notification.get_kind_display(),
    }
    headers = {"X-Portal-Notification": str(notification.pk), "Auto-Submitted": "auto-generated"}
    return _message(name="notification", context=context, to=user.email, headers=headers)
