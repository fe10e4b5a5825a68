"""deploy/gunicorn.conf.py: its values, from the environment, and what it keeps out of logs."""

import gc
import io
import logging
import os
import runpy
from pathlib import Path
from unittest import mock

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
NAMES = (
    "COXA_WEB_BIND",
    "COXA_WEB_WORKERS",
    "COXA_WEB_TIMEOUT",
    "COXA_LOG_LEVEL",
    "PROMETHEUS_MULTIPROC_DIR",
)


def load(monkeypatch, **environment: str) -> dict[str, object]:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def as_gunicorn_reads_it(values: dict[str, object]) -> Config:
    """The settings gunicorn takes from the file (it skips names it does not know)."""
    config = Config()
    for name, value in values.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_the_defaults(monkeypatch):
    values = load(monkeypatch)
    assert values["wsgi_app"] == "coxa.config.wsgi:application"
    assert values["bind"] == ["127.0.0.1:8000"]
    assert values["worker_class"] == "sync"
    assert (values["timeout"], values["graceful_timeout"]) == (30, 30)
    assert values["control_socket_disable"] is True
    # Loaded once and forked, never recycled: a worker is ready at once (ADR 0030).
    assert (values["preload_app"], values["max_requests"]) == (True, 0)


def test_gunicorn_accepts_every_value(monkeypatch):
    config = as_gunicorn_reads_it(load(monkeypatch))
    assert config.workers >= 1
    assert config.forwarded_allow_ips == []
    assert config.accesslog is None


@pytest.mark.parametrize(("cpus", "workers"), [(1, 3), (2, 5), (4, 9), (5, 11), (6, 12), (64, 12)])
def test_two_workers_a_cpu_plus_one_at_most_twelve(monkeypatch, cpus, workers):
    assert load(monkeypatch)["default_workers"](cpus) == workers


def test_the_environment_sets_the_address_workers_and_timeout(monkeypatch):
    values = load(
        monkeypatch, COXA_WEB_BIND="0.0.0.0:9000", COXA_WEB_WORKERS="7", COXA_WEB_TIMEOUT="45"
    )
    assert (values["bind"], values["workers"], values["timeout"]) == (["0.0.0.0:9000"], 7, 45)


def test_the_log_level_follows_coxas(monkeypatch):
    assert load(monkeypatch, COXA_LOG_LEVEL="WARNING")["loglevel"] == "warning"


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("COXA_WEB_WORKERS", "0", "COXA_WEB_WORKERS=0 is below its minimum, 1"),
        ("COXA_WEB_WORKERS", "many", "COXA_WEB_WORKERS='many' is not a whole number"),
        ("COXA_WEB_WORKERS", "2.5", "COXA_WEB_WORKERS='2.5' is not a whole number"),
        ("COXA_WEB_TIMEOUT", "-1", "COXA_WEB_TIMEOUT=-1 is below its minimum, 1"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, name, value, said):
    with pytest.raises(SystemExit, match=said.replace("(", r"\(")):
        load(monkeypatch, **{name: value})


def test_blank_values_take_the_defaults(monkeypatch):
    values = load(monkeypatch, COXA_WEB_BIND="  ", COXA_WEB_TIMEOUT="")
    assert (values["bind"], values["timeout"]) == (["127.0.0.1:8000"], 30)


def test_no_access_log_nor_any_setting_that_would_turn_one_on(monkeypatch):
    # gunicorn's access line holds the path and query (a one-time link's token, H64, H81);
    # a logging config or syslog would switch it on too.
    config = as_gunicorn_reads_it(load(monkeypatch))
    assert config.accesslog is None
    assert not (config.logconfig)
    assert not (config.logconfig_dict)
    assert not (config.logconfig_json)
    assert config.syslog is False
    assert config.errorlog == "-"


def test_no_forwarded_header_is_believed_by_gunicorn(monkeypatch):
    # Coxa's settings alone decide what a proxy may say (COXA_TRUSTED_PROXY_*).
    config = as_gunicorn_reads_it(load(monkeypatch))
    assert config.forwarded_allow_ips == []
    assert config.secure_scheme_headers == {}


def test_gunicorns_error_log_hides_one_time_link_tokens(monkeypatch):
    values = load(monkeypatch)
    error_log = logging.getLogger("gunicorn.error")
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    error_log.addHandler(handler)
    kept = list(error_log.filters)
    try:
        values["post_worker_init"](object())
        values["post_worker_init"](object())  # a second worker's start adds no second filter
        assert len(error_log.filters) == len(kept) + 1
        error_log.error("Error handling request %s", "/questionnaire/s3cr3t-t0ken/?x=1")
        error_log.error("Error handling request %s %s", "GET", "/portal/welcome/an0ther-t0ken/")
    finally:
        error_log.removeHandler(handler)
        error_log.filters[:] = kept
    lines = written.getvalue()
    assert "s3cr3t-t0ken" not in lines
    assert "an0ther-t0ken" not in lines
    assert "/questionnaire/[hidden]" in lines
    assert "/portal/welcome/[hidden]" in lines


def test_the_master_loads_the_url_map_and_leaves_no_connection_to_the_workers(monkeypatch):
    values = load(monkeypatch)
    with (
        mock.patch("django.urls.get_resolver") as resolver,
        mock.patch("django.db.connections.close_all") as close_all,
    ):
        try:
            values["when_ready"](object())
            frozen = gc.get_freeze_count()
        finally:
            gc.unfreeze()
    assert resolver.call_count == 1
    assert close_all.call_count == 1
    assert frozen > 0  # shared with the workers, not walked by their garbage collector


# ------------------------------------------------------------------ /metrics (ADR 0031)
def test_the_workers_count_requests_in_this_masters_own_metrics_folder(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    values = load(monkeypatch)
    folder = tmp_path / f"coxa-web-metrics-{os.getpid()}"
    assert values["raw_env"] == [f"PROMETHEUS_MULTIPROC_DIR={folder}"]
    assert as_gunicorn_reads_it(values).env == {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    folder.mkdir()
    (folder / "histogram_4242.db").write_bytes(b"an earlier run's counts")
    values["on_starting"](object())
    assert list(folder.iterdir()) == []  # emptied: no earlier run's counts
    assert folder.stat().st_mode & 0o777 == 0o700  # this user's alone
    values["on_exit"](object())
    assert not folder.exists()


def test_a_metrics_folder_set_in_the_environment_is_used_and_kept(monkeypatch, tmp_path):
    values = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    assert values["raw_env"] == [f"PROMETHEUS_MULTIPROC_DIR={tmp_path / 'metrics'}"]
    values["on_starting"](object())  # made when missing
    values["on_exit"](object())
    assert (tmp_path / "metrics").is_dir()


def test_a_metrics_folder_that_is_a_link_elsewhere_stops_gunicorn(monkeypatch, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "metrics").symlink_to(tmp_path / "elsewhere")
    values = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    with pytest.raises(SystemExit, match="is not a folder of this user's"):
        values["on_starting"](object())


def test_a_stopped_worker_is_marked_dead_in_the_metrics_folder(monkeypatch, tmp_path):
    values = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    with mock.patch("prometheus_client.multiprocess.mark_process_dead") as mark:
        values["child_exit"](object(), mock.Mock(pid=4242))
    mark.assert_called_once_with(4242, str(tmp_path))
