import pytest


@pytest.mark.postgresql
def test_postgres_server_accepts_connections_on_loopback(postgres_server):
    with postgres_server.connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        addr = conn.execute("SELECT inet_server_addr()").fetchone()[0]
    assert version.split(".")[0].isdigit()
    assert str(addr) == "127.0.0.1"


def test_database_url_is_empty_database_for_each_backend(database_url):
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
