"""deploy/compose.yaml and deploy/Containerfile: read as data and checked.

No container runtime is needed (nor used): the files are parsed and their promises checked,
a read-only web process, nothing listening beyond this host, pinned images, a database
server the image's pg_dump can back up, an image that runs as no root.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
CONTAINERFILE = (DEPLOY / "Containerfile").read_text()
COXA_SERVICES = {"migrate", "web", "worker", "scheduler"}
# A tag naming at least a minor release (15.13-bookworm, 0.1.0), or a digest.
PINNED = re.compile(r"[^:@\s]+(:\d+\.\d+[\w.-]*|@sha256:[0-9a-f]{64})")


def instructions(text: str) -> list[tuple[str, str]]:
    """The Containerfile's instructions, continuation lines joined, comments left out."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


RUNTIME = instructions(CONTAINERFILE.split(" AS build", 1)[1])


# ------------------------------------------------------------------ compose
def test_every_service_the_brief_names_is_there():
    assert set(SERVICES) == {"postgres", "redis", *COXA_SERVICES}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck_or_waits_for_one(name):
    service = SERVICES[name]
    check = service.get("healthcheck", {})
    assert (check.get("test") and not check.get("disable")) or service.get("depends_on"), name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned(name):
    image = SERVICES[name]["image"]
    assert PINNED.fullmatch(image), f"{name}: {image} is not pinned to a release"


def test_no_port_listens_beyond_this_host():
    published = [p for s in SERVICES.values() for p in s.get("ports", [])]
    assert published == ["127.0.0.1:8000:8000"]  # the web port, for the reverse proxy
    assert all(isinstance(p, str) and p.startswith("127.0.0.1:") for p in published)


def test_coxas_processes_run_read_only_from_one_image_and_one_environment():
    for name in COXA_SERVICES:
        service = SERVICES[name]
        assert service["read_only"] is True, name
        assert service["tmpfs"] == ["/tmp"], name  # noqa: S108
        assert service["volumes"] == ["coxa-var:/var/lib/coxa"], name
        assert service["env_file"] == "coxa.env", name
        assert service["image"] == SERVICES["web"]["image"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert service["cap_drop"] == ["ALL"], name


def test_each_process_runs_its_command():
    assert {n: SERVICES[n]["command"] for n in COXA_SERVICES} == {
        "migrate": ["migrate"],
        "web": ["web"],
        "worker": ["worker"],
        "scheduler": ["scheduler"],
    }


def test_migrations_run_once_before_the_processes_that_use_them():
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("web", "worker", "scheduler"):
        waits = SERVICES[name]["depends_on"]
        assert waits["migrate"] == {"condition": "service_completed_successfully"}, name
        assert waits["postgres"] == {"condition": "service_healthy"}, name


def test_the_processes_without_a_port_do_not_inherit_the_web_check():
    # The image's HEALTHCHECK asks /healthz on port 8000, which only web answers.
    for name in ("migrate", "worker", "scheduler"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}, name


def test_coxa_reaches_postgresql_and_redis_by_their_service_names():
    environment = SERVICES["web"]["environment"]
    assert environment["COXA_DATABASE_URL"].startswith("postgres://coxa:${POSTGRES_PASSWORD:?")
    assert environment["COXA_DATABASE_URL"].endswith("@postgres:5432/coxa")
    assert environment["COXA_CACHE_URL"] == "redis://redis:6379/0"
    assert SERVICES["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert set(COMPOSE["volumes"]) == {"postgres-data", "coxa-var"}


def test_the_web_process_stops_after_gunicorn_has_let_requests_finish():
    seconds = int(SERVICES["web"]["stop_grace_period"].removesuffix("s"))
    assert seconds > 30  # gunicorn's graceful_timeout


def test_the_database_server_is_a_version_the_images_pg_dump_can_back_up():
    server = re.fullmatch(r"postgres:(\d+)\.\d+[\w.-]*", SERVICES["postgres"]["image"])
    client = re.search(r"postgresql-client-(\d+)", CONTAINERFILE)
    assert server
    assert client
    assert server.group(1) == client.group(1)


def test_the_example_environment_file_is_one_compose_and_systemd_both_read():
    lines = (DEPLOY / "coxa.env.example").read_text().splitlines()
    settings = [line for line in lines if line and not line.startswith("#")]
    for line in settings:
        name, _, value = line.partition("=")
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), line
        assert not value.startswith(("'", '"')), line  # quotes are read differently
    names = {line.partition("=")[0] for line in settings}
    assert {"POSTGRES_PASSWORD", "COXA_SECRET_KEY", "COXA_ALLOWED_HOSTS"} <= names
    assert "COXA_DEBUG=false" in settings


def test_the_example_environment_names_only_settings_coxa_knows():
    documented = set(
        re.findall(r"^#?\s*(COXA_[A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    named = set(
        re.findall(r"^#?\s*(COXA_[A-Z_]+)=", (DEPLOY / "coxa.env.example").read_text(), re.M)
    )
    assert "COXA_METRICS_TOKEN" in named
    assert named <= documented


# ------------------------------------------------------------------ the image
def test_the_image_is_built_on_python_3_11_slim_bookworm():
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in CONTAINERFILE
    froms = [rest for keyword, rest in instructions(CONTAINERFILE) if keyword == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}"]


def test_the_image_installs_coxa_from_the_source_without_the_development_extras():
    runs = " ".join(rest for keyword, rest in instructions(CONTAINERFILE) if keyword == "RUN")
    assert 'pip install "/src[analytics]"' in runs
    assert "[dev" not in CONTAINERFILE
    assert "-e " not in runs


def test_the_image_has_the_libraries_weasyprint_draws_with():
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(
        r"^pdf-libs:.*?install -y -qq --no-install-recommends ([^>]+)>", makefile, re.M | re.S
    )
    assert target
    runs = " ".join(rest for keyword, rest in RUNTIME if keyword == "RUN")
    for package in target.group(1).split():
        assert f" {package} " in f" {runs} ", package


def test_the_image_runs_as_a_user_that_is_not_root():
    users = [rest for keyword, rest in RUNTIME if keyword == "USER"]
    assert len(users) == 1
    uid, _, gid = users[0].partition(":")
    assert uid.isdigit()
    assert int(uid) > 0
    assert gid.isdigit()
    assert int(gid) > 0
    # Nothing runs after it as anyone else.
    last = max(i for i, (keyword, _) in enumerate(RUNTIME) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in RUNTIME[last:])


def test_the_image_keeps_static_files_outside_the_writable_volume():
    env = " ".join(rest for keyword, rest in RUNTIME if keyword == "ENV")
    assert "COXA_VAR_DIR=/var/lib/coxa" in env
    assert "COXA_STATIC_ROOT=/opt/coxa/static" in env
    runs = [rest for keyword, rest in RUNTIME if keyword == "RUN"]
    assert any("coxa collectstatic --no-input" in r for r in runs)
    assert ("VOLUME", '["/var/lib/coxa"]') in RUNTIME


def test_the_image_checks_its_health_and_starts_through_the_entrypoint():
    check = [rest for keyword, rest in RUNTIME if keyword == "HEALTHCHECK"]
    assert len(check) == 1
    assert '/opt/coxa/deploy/healthcheck.py"]' in check[0]
    assert ("ENTRYPOINT", '["/opt/coxa/deploy/entrypoint.sh"]') in RUNTIME
    assert ("CMD", '["web"]') in RUNTIME


def test_the_build_context_leaves_local_state_and_secrets_out():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") :][:5] == [
        "*",
        "!pyproject.toml",
        "!README.md",
        "!coxa/",
        "!deploy/",
    ]
    assert "deploy/coxa.env" in ignored


def test_the_worker_yields_the_cpu_to_the_web_container():
    """ADR 0032: each container is a control group, where the worker's nice value stops."""
    web = SERVICES["web"].get("cpu_shares", 1024)
    assert SERVICES["worker"]["cpu_shares"] * 4 < web
