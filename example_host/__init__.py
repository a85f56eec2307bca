"""A small chatbot platform that uses ocs-assistant-plugin the way a real host would.

``python -m example_host`` (what ``make run`` runs) starts it with demo data;
``flask --app example_host seed-demo`` adds the demo data to a configured database.
"""
from .app import create_app

__all__ = ["create_app"]
