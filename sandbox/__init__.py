"""Kontor's local Amazon: Login with Amazon, Seller Central consent, Reports and Sellers API.

Run it with `flask sandbox run --port 5001`; build it with `create_sandbox_app(config)`.
"""

from sandbox.app import create_sandbox_app

__all__ = ["create_sandbox_app"]
