"""Background work for notifications (registered at start-up by core.jobs.import_job_modules):

- notifications.email            one notification's e-mail, at its recipient's delay
- notifications.community_post   "every new post" notifications, one batch of members per job
- notifications.digest           one person's digest (run together with the other ready ones)
- notifications.digest_schedule  every hour: a digest job for everyone due
"""

from __future__ import annotations

from datetime import timedelta

from essaim.core.jobs import job
from essaim.core.models import Job

from . import actions


@job(actions.EMAIL_JOB)
def send_notification_email(row: Job) -> None:
    actions.do_email_notification(int(row.payload["notification_id"]))


@job(actions.COMMUNITY_POST_JOB)
def fan_out_community_post(row: Job) -> None:
    actions.do_fan_out_post(int(row.payload["post_id"]), int(row.payload.get("after") or 0))


@job(actions.DIGEST_JOB, lease=timedelta(minutes=15))
def send_digests(row: Job) -> None:
    actions.do_send_digests(row)


@job(actions.DIGEST_SCHEDULE_JOB, every=timedelta(hours=1))
def schedule_digests(row: Job) -> None:
    actions.do_schedule_digests()
