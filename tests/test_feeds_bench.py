"""The feed benchmark runs (at a small size: CI proves it works; ``make bench`` measures)."""

import math

from tests.benchmarks.feeds import run


def test_the_benchmark_runs_and_reports_its_ratios():
    lines: list[str] = []
    ratios = run(events=300, stops=14, routes=2, serve_runs=10, out=lines.append)
    assert set(ratios) == {
        "first_build_vs_plain", "rebuild_vs_plain", "unchanged_200_vs_static",
        "unchanged_304_vs_static", "regions_first_vs_plain", "regions_rebuild_vs_plain",
    }  # fmt: skip
    assert all(value > 0 and math.isfinite(value) for value in ratios.values())
    report = "\n".join(lines)
    assert report.startswith("Kirab feed benchmark: 300 events, 14 stops, 2 routes")
    for label in ("plain icalendar build", "rebuild after one event changed",
                  "unchanged feed, 200", "unchanged feed, 304", "static file, 200"):  # fmt: skip
        assert label in report
