"""The periodic jobs, declared in one place and run by exactly one clock process:

    rq cron jobs/schedule.py --url $REDIS_URL

Cron strings are in UTC.
"""

from rq import cron

from jobs.health import record_heartbeat
from jobs.rates import refresh_ecb_rates

cron.register(record_heartbeat, queue_name="default", cron="*/5 * * * *")
# The ECB publishes its reference rates around 16:00 CET on working days.
cron.register(refresh_ecb_rates, queue_name="default", cron="30 16 * * *")
