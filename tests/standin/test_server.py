"""The server itself: life cycle, authentication, headers, unknown URLs, running it alone."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import openai
import pytest

import ocs_assistant_plugin.testing
from ocs_assistant_plugin.testing import OpenAIStandIn


def test_serves_on_loopback_at_a_free_port_under_v1():
    with OpenAIStandIn() as first, OpenAIStandIn() as second:
        assert first.base_url.startswith("http://127.0.0.1:")
        assert first.base_url.endswith("/v1")
        assert first.port != second.port
        with openai.OpenAI(api_key=first.api_key, base_url=first.base_url,
                           max_retries=0) as client:
            client.files.create(file=("a.txt", b"a"), purpose="assistants")
        with openai.OpenAI(api_key=second.api_key, base_url=second.base_url,
                           max_retries=0) as client:
            assert client.files.list().data == []  # separate data
    assert not first.running


def test_start_and_stop_without_with():
    standin = OpenAIStandIn(api_key="sk-custom").start()
    try:
        with openai.OpenAI(api_key="sk-custom", base_url=standin.base_url,
                           max_retries=0) as client:
            assert client.files.list().data == []
    finally:
        standin.stop()
    standin.stop()  # stopping twice is harmless
    with pytest.raises(RuntimeError):
        standin.base_url


def test_stop_returns_while_a_request_is_held_and_a_connection_idles():
    standin = OpenAIStandIn().start()
    client = openai.OpenAI(api_key=standin.api_key, base_url=standin.base_url, max_retries=0,
                           timeout=0.3)
    try:
        client.files.list()  # leaves an idle keep-alive connection
        standin.inject_fault(kind="timeout", hold=60)
        with pytest.raises(openai.APITimeoutError):
            client.files.list()
        standin.stop()  # joins every handler thread: must not wait the 60 s
        assert not standin.running
    finally:
        client.close()
        standin.stop()


def test_wrong_key_is_401_invalid_api_key(make_client):
    client = make_client(api_key="sk-not-the-right-key")

    with pytest.raises(openai.AuthenticationError) as caught:
        client.files.list()

    body = caught.value.body
    assert body["code"] == "invalid_api_key" and body["type"] == "invalid_request_error"
    assert body["param"] is None
    assert body["message"].startswith("Incorrect API key provided: sk-")
    assert "sk-not-the-right-key" not in body["message"]  # echoed masked


def test_missing_key_is_401(openai_client):
    with pytest.raises(openai.AuthenticationError) as caught:
        openai_client.files.list(extra_headers={"Authorization": ""})

    assert "didn't provide an API key" in caught.value.message


def test_unknown_url_is_404(openai_client):
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.get("/models", cast_to=object)

    assert caught.value.body["message"] == "Invalid URL (GET /v1/models)"


def test_responses_carry_a_request_id(openai_client):
    raw = openai_client.files.with_raw_response.list()

    assert raw.headers["x-request-id"].startswith("req_")
    assert raw.request_id == raw.headers["x-request-id"]


def test_openai_beta_header_is_accepted_either_way(openai_client):
    openai_client.vector_stores.list(extra_headers={"OpenAI-Beta": "assistants=v2"})
    openai_client.files.list(extra_headers={"OpenAI-Beta": "assistants=v2"})
    openai_client.vector_stores.list(extra_headers={"OpenAI-Beta": openai.omit})


def test_runs_alone_from_the_command_line():
    package_root = Path(ocs_assistant_plugin.testing.__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(package_root), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen(
        [sys.executable, "-m", "ocs_assistant_plugin.testing", "--port", "0",
         "--api-key", "sk-cli"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    try:
        banner = process.stdout.readline()  # printed once the port is listening
        assert "serving at http://127.0.0.1:" in banner, process.stderr.read()
        base_url = banner.split("serving at ", 1)[1].strip()
        with openai.OpenAI(api_key="sk-cli", base_url=base_url, max_retries=0,
                           timeout=5) as client:
            assert client.files.create(file=("a.txt", b"a"), purpose="assistants").bytes == 1
        process.send_signal(signal.SIGINT)  # Ctrl-C
        process.wait(timeout=10)
        out = banner + process.stdout.read()  # through the same buffer readline() used
        err = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == 0, err
    assert "OPENAI_API_KEY=sk-cli" in out and out.rstrip().endswith("stopped")
