import redis


def test_redis_server_answers_on_loopback_and_forgets_everything_on_restart(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.rpush("queue", "message")
        assert client.connection_pool.connection_kwargs["host"] == "127.0.0.1"
        redis_server.restart()
        assert client.llen("queue") == 0
    finally:
        client.close()
