"""benchmarks/http.py at its smallest: it seeds SQLite, starts gunicorn, signs in, measures a
page with wrk and counts every page's queries, and its table has a row for every page. It
asserts nothing about speed."""

import json

from benchmarks import http as http_benchmark


def test_the_benchmark_measures_over_http_and_tables_every_page(tmp_path, capsys):
    figures = tmp_path / "figures.json"
    http_benchmark.main(
        ["--database", "sqlite", "--assets", "200", "--people", "40", "--loans", "30",
         "--seconds", "1", "--warmup", "0", "--only", "asset", "--no-files",
         "--json", str(figures)]
    )  # fmt: skip

    result = json.loads(figures.read_text())["results"]["sqlite"]
    asset = result["pages"]["asset"]
    assert asset["path"].startswith("/a/TRUST-")
    assert asset["p50_ms"] > 0 and asset["rps_16"] > 0
    assert asset["errors"] == 0 and result["server_errors"] == 0
    # The 16 connections' run says how the work was shared between the two workers.
    assert 0.5 <= asset["busiest_worker_share"] <= 1
    assert asset["rps_16_made_again"] in range(http_benchmark.THROUGHPUT_TRIES)
    # Queries are counted for every page; the anonymous login page runs none.
    assert set(result["queries"]) == {key for key, _ in http_benchmark.PAGES}
    assert result["queries"]["login"] == 0
    assert result["queries"]["asset"] > 0
    table = capsys.readouterr().out
    for _key, label in http_benchmark.PAGES:
        assert f"| {label} |" in table
