"""What other apps may want to hear from the content side."""

from __future__ import annotations

from django.dispatch import Signal

# Sent (after the commit) when texts that documents show changed: a new action set, or updated
# translations of a questionnaire, an action set or the policy examples. The assessments app
# rebuilds the PDF action plans it keeps (``assessments.plan_delivery``).
content_changed = Signal()


def content_changed_send() -> None:
    from django.db import transaction

    transaction.on_commit(lambda: content_changed.send(sender=None))
