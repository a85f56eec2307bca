"""``python -m ocs_assistant_plugin.testing``: run the OpenAI stand-in alone until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import DEFAULT_API_KEY, OpenAIStandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocs_assistant_plugin.testing",
                                     description="Run the local OpenAI stand-in.")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the bearer key to accept")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every request")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--no-assistants-api", dest="assistants_api", action="store_false",
                        help="answer the Assistants API paths as OpenAI does since it switched "
                             "that API off (404 Invalid URL)")
    args = parser.parse_args(argv)

    standin = OpenAIStandIn(args.host, args.port, api_key=args.api_key, latency=args.latency,
                            verbose=args.verbose, assistants_api=args.assistants_api)
    standin.start()
    print(f"OpenAI stand-in serving at {standin.base_url}", flush=True)
    print(f"  OPENAI_BASE_URL={standin.base_url}", flush=True)
    print(f"  OPENAI_API_KEY={standin.api_key}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
