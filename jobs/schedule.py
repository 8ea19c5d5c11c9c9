"""The periodic jobs, declared in one place and run by exactly one clock process:

    rq cron jobs/schedule.py --url $REDIS_URL

Cron strings are in UTC.
"""

from rq import cron

from jobs.daily_sync import enqueue_daily_syncs
from jobs.health import record_heartbeat
from jobs.rates import refresh_ecb_rates

cron.register(record_heartbeat, queue_name="default", cron="*/5 * * * *")
# The ECB publishes its reference rates around 16:00 CET on working days.
cron.register(refresh_ecb_rates, queue_name="default", cron="30 16 * * *")
# Every hour; the job itself acts in the hour SYNC_HOUR_UTC only (the app's config, which this
# file cannot read) and enqueues each connection once a day however often it fires.
cron.register(enqueue_daily_syncs, queue_name="default", cron="0 * * * *")
