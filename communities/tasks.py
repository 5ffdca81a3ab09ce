"""Background work of the communities app: thin, taking ids, safe to run twice.

Invitation emails are sent by the outbox (core/outbox.py, core/tasks.py).
"""

from celery import shared_task


@shared_task
def lift_expired_sanctions() -> dict:
    """Periodic (beat): end suspensions and silences whose time is up."""
    from communities import services

    return services.lift_expired_sanctions()
