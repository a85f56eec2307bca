"""Durable remote operations: the queue, the thread worker, the Celery tasks."""
