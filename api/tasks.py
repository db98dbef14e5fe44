"""Work for the worker: webhook deliveries and scans, and revoking a deactivated user's API tokens.

Beat runs ``webhooks_scan`` every minute and ``webhooks_scan_notice_deadlines`` daily; both only
call services, and every task is safe to run twice.
"""

from datetime import datetime

from celery import shared_task

from .services import tokens, webhook_delivery, webhooks


@shared_task(name="api.tasks.webhook_deliver", ignore_result=True)
def webhook_deliver(delivery_id: int) -> str | None:
    """One attempt; after a failure the next attempt is queued with the backoff as countdown."""
    attempt = webhook_delivery.webhook_delivery_attempt(delivery_id=delivery_id)
    if attempt is None:
        return None
    if attempt.retry_in is not None:
        webhook_deliver.apply_async((delivery_id,), countdown=attempt.retry_in)
    return attempt.delivery.status


@shared_task(name="api.tasks.webhooks_scan", ignore_result=True)
def webhooks_scan() -> int:
    """New events from the audit trail, then any delivery whose attempt is due (a lost task, a retry)."""
    queued = webhooks.webhooks_scan()
    for delivery_id in webhook_delivery.webhook_deliveries_due():
        webhook_deliver.delay(delivery_id)
    return queued


@shared_task(name="api.tasks.webhooks_scan_notice_deadlines", ignore_result=True)
def webhooks_scan_notice_deadlines() -> int:
    return webhooks.webhooks_scan_notice_deadlines()


@shared_task(name="api.tasks.api_tokens_revoke_for_user", ignore_result=True)
def api_tokens_revoke_for_user(user_id: int, before: str) -> int:
    """Queued by a deactivation: the user's tokens are revoked (their use is refused already)."""
    return tokens.api_tokens_revoke_for_user(user_id=user_id, before=datetime.fromisoformat(before))
