"""Background work of the assessments: thin, safe to run twice (even at once).

Each task imports its service inside its body; the services never import this module back.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def advance_cycles() -> dict:
    """Periodic (beat): open, close and repeat the assessment cycles whose time came."""
    from assessments.services import cycles

    return cycles.advance_cycles()


@shared_task(ignore_result=True)
def send_cycle_reminders() -> int:
    """Periodic (beat): remind members who have not answered a cycle closing soon."""
    from assessments.services import cycles

    return cycles.send_reminders()
