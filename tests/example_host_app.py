"""The example host app as its tests build it: on a test database and the stand-in, outbox run
in-process. Used by tests/example_host and by the browser tests that drive the example host."""
from __future__ import annotations


def create_example_app(database_url: str, openai_standin, instance_path, **config):
    """The example host's app; ``config`` adds to or overrides the test settings."""
    from example_host import create_app

    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "OCS_ASSISTANTS_OPENAI_API_KEY": openai_standin.api_key,
        "OCS_ASSISTANTS_OPENAI_BASE_URL": openai_standin.base_url,
        "OCS_ASSISTANTS_OPENAI_MAX_RETRIES": 0,
        "OCS_ASSISTANTS_TASK_BACKEND": "eager",
        **config,
    }, instance_path=str(instance_path))


def dispose_example_app(app) -> None:
    """Close the app's database session and connections (the test's database is dropped next)."""
    from example_host.models import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
