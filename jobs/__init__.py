"""RQ jobs: plain functions that take ids and primitives, re-read state and are idempotent.

Workers run them through `jobs.context.AppContextJob`, which provides the app context.
"""
