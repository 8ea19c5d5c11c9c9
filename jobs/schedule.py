"""The periodic jobs, declared in one place and run by exactly one clock process:

    rq cron jobs/schedule.py --url $REDIS_URL

Cron strings are in UTC.
"""

from rq import cron

from jobs.health import record_heartbeat

cron.register(record_heartbeat, queue_name="default", cron="*/5 * * * *")
