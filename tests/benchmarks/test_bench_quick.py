"""``make bench`` on tiny sizes: every scenario runs, against the stand-in in its own process,
and the table is printed and written. The figures themselves are not checked here: timings
belong to the benchmark, never to tests."""
from __future__ import annotations

import json

from benchmarks.__main__ import main, round_trips


def logged(*spans):
    """A request log whose requests start and finish at these event numbers."""
    return [{"started": start, "finished": end} for start, end in spans]


def test_round_trips_count_the_longest_chain_of_requests_that_waited_on_another():
    assert round_trips([]) == 0
    assert round_trips(logged((1, 4), (2, 5), (3, 6))) == 1  # all sent before any answer
    assert round_trips(logged((1, 2), (3, 4), (5, 6))) == 3  # one after another
    # two at once, then one that waited for the first of them, then one that waited for it
    assert round_trips(logged((1, 3), (2, 6), (4, 5), (7, 8))) == 3


def test_the_benchmark_runs_every_scenario_on_tiny_sizes(tmp_path, capsys):
    assert main(["--quick", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    scenarios = [row["scenario"] for row in results["rows"]]
    for expected in ("sync check, 0 files, in sync", "sync check, 3 files, drifted",
                     "import, 3 files", "import, 2 files", "release clone, 3 files",
                     "archive, 4 unshared files",
                     "archive vetting, 3 versions", "bulk audit, 3 assistants x 2 files"):
        assert any(s.startswith(expected) for s in scenarios), (expected, scenarios)
    replayed = [row for row in results["rows"] if row["open_chat_studio_replay"]]
    assert "import, 2 files" in [row["scenario"] for row in replayed]
    assert replayed and all(row["open_chat_studio_replay"]["requests"] > 0 for row in replayed)
    assert {g["goal"].split(" ")[0] for g in results["goals"]} >= {"archive", "vetting", "bulk"}
    table = (tmp_path / "results.md").read_text()
    assert "| scenario | requests | round trips |" in table
    assert table in capsys.readouterr().out


def test_only_runs_the_scenarios_named(tmp_path):
    assert main(["--quick", "--only", "import", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    assert [row["scenario"] for row in results["rows"]] == ["import, 2 files"]
    assert results["command"] == "python -m benchmarks --quick --only import"
