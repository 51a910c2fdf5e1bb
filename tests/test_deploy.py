"""The deployment files hold together. Container images cannot be pulled on our machines, so
compose.yaml and the Dockerfile are checked as files, not run; gunicorn's configuration is
loaded by gunicorn itself."""

import configparser
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from advisory.ops import access_log
from tests.commandline import REPO
from tests.e2e.stack import free_port, port_open

DEPLOY = REPO / "deploy"
APP_SERVICES = {"migrate", "web", "worker", "mail-worker", "beat"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def _env_example_names() -> set[str]:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    return {line.partition("=")[0] for line in lines if line and not line.startswith("#")}


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", [])
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_has_every_service_and_exactly_one_beat() -> None:
    services = _compose()["services"]
    assert set(services) == APP_SERVICES | {"postgres", "redis", "mailpit"}
    beats = [name for name, service in services.items() if " beat" in f" {_command(service)}"]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "--queues mail" in _command(services["mail-worker"])
    assert "--queues celery" in _command(services["worker"])
    assert _command(services["migrate"]) == "python manage.py migrate --noinput"


def test_compose_app_services_share_one_image_and_wait_for_their_services() -> None:
    services = _compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0", name
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_images_are_pinned_to_exact_releases() -> None:
    for name, service in _compose()["services"].items():
        if "image" in service and "build" not in service:
            image = service["image"]
            assert re.search(r":v?\d+\.\d+(\.\d+)?(-\w+)?$", image) or "@sha256:" in image, (
                name,
                image,
            )


def test_compose_reads_only_variables_env_example_lists() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert used <= _env_example_names(), used - _env_example_names()


def test_the_dockerfile_is_multi_stage_pinned_hash_checked_and_non_root() -> None:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    base = next(line for line in lines if line.startswith("ARG PYTHON_IMAGE="))
    assert re.fullmatch(
        r"ARG PYTHON_IMAGE=python:3\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base
    )
    stages = [line for line in lines if line.startswith("FROM ")]
    assert stages == ["FROM ${PYTHON_IMAGE} AS build", "FROM ${PYTHON_IMAGE} AS runtime"]
    text = "\n".join(lines)
    assert "--require-hashes" in text and "-r /tmp/requirements.lock" in text
    assert "COPY --from=build /venv /venv" in text
    assert "manage.py collectstatic --noinput" in text
    users = [line for line in lines if line.startswith("USER ")]
    assert users == ["USER advisory"]
    assert lines.index("USER advisory") > max(
        i for i, line in enumerate(lines) if line.startswith("RUN ")
    )


def test_the_image_lock_is_the_runtime_part_of_the_projects_lock() -> None:
    def pins(path: Path) -> dict[str, str]:
        text = path.read_text()
        blocks = re.findall(r"^([a-z0-9._-]+==\S+)((?: \\\n\s+--hash=\S+)+)", text, re.M)
        return {pin: " ".join(sorted(re.findall(r"sha256:\w+", hashes))) for pin, hashes in blocks}

    image, project = pins(DEPLOY / "requirements.lock"), pins(REPO / "requirements.lock")
    assert image, "no pins read"
    for pin, hashes in image.items():
        assert project.get(pin) == hashes, f"{pin} differs from requirements.lock"
    names = {pin.partition("==")[0] for pin in image}
    assert {"django", "gunicorn", "celery", "psycopg-binary", "django-csp", "django-otp"} <= names
    assert not names & {"pytest", "playwright", "mypy", "ruff", "bandit"}


def test_gunicorn_loads_its_configuration_and_the_app() -> None:
    env = {"SECRET_KEY": "x" * 60, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "gunicorn", "--check-config"]
    command += ["--config", "deploy/gunicorn.conf.py", "advisory.wsgi:application"]
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    printed = subprocess.run(
        [*command[:3], "--print-config", *command[4:]],
        cwd=REPO,
        env={**env, "WEB_CONCURRENCY": "5", "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    assert re.search(r"^workers\s+= 5$", printed, re.M), printed
    assert re.search(r"^worker_class\s+= sync$", printed, re.M)
    assert "x-request-id" in printed


def test_gunicorns_access_log_shows_no_token_that_opens_something() -> None:
    secret = "Zq9-secret_Token"
    addresses = [
        f"/digests/unsubscribe/{secret}/",
        f"/digests/preferences/{secret}/?tab=topics",
        f"/digests/confirm/{secret}/",
        f"/preview/{secret}/",
        f"/account/password-reset/confirm/MQ/{secret}/",
        f"/feeds/latest/?token={secret}",
        f"/feeds/regions/iraq/?page=2&token={secret}",
    ]
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "tests.wsgi_ok:application"),
        ],
        cwd=REPO,
        env={"SECRET_KEY": "x" * 60, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        for address in addresses:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{address}",
                headers={"Referer": f"https://advisory.example.com/digests/preferences/{secret}/"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    access_lines = [line for line in log.splitlines() if "request_id=req-12345678" in line]
    assert len(access_lines) == len(addresses), log
    assert secret not in log
    assert "GET /digests/unsubscribe/[redacted]/ HTTP/1.1" in log
    assert "GET /feeds/regions/iraq/?page=2&token=[redacted] HTTP/1.1" in log


_LOG_TEXT_PIECES = st.sampled_from(
    [
        "GET ",
        "/digests/",
        "confirm/",
        "unsubscribe/",
        "preferences/",
        "/preview/",
        "/account/password-reset/confirm/",
        "MQ/",
        "?",
        "&",
        "token=",
        "Token=",
        "page=2",
        "Zq9-secret",
        '"',
        " ",
        "#",
        "/",
    ]
)


@given(st.lists(_LOG_TEXT_PIECES, max_size=12).map("".join))
def test_access_log_texts_without_a_secrets_marker_are_returned_unsearched(text: str) -> None:
    """The quick check before the patterns leaves out only texts they could not change."""
    searched = access_log._SECRET_IN_QUERY.sub(
        rf"\g<keep>{access_log.REDACTED}",
        access_log._SECRET_IN_PATH.sub(rf"\g<keep>{access_log.REDACTED}", text),
    )
    assert access_log.redact_secrets(text) == searched


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginxs_access_log_shows_no_token_that_opens_something(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx" / "advisory.conf").read_text()
    assert re.search(r"access_log \S+ advisory;", site), "the site must use the redacting format"
    (tmp_path / "maps.conf").write_text(site.partition("upstream advisory_web")[0])
    port = free_port()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include {tmp_path}/maps.conf; server {{ listen 127.0.0.1:{port}; "
        f"access_log {tmp_path}/access.log advisory; location / {{ return 200 ok; }} }} }}\n"
    )
    secret = "Zq9-secret_Token"
    addresses = [
        f"/digests/unsubscribe/{secret}/",
        f"/digests/preferences/{secret}/?tab=topics",
        f"/preview/{secret}/",
        f"/account/password-reset/confirm/MQ/{secret}/",
        f"/feeds/regions/iraq/?page=2&token={secret}&x=1",
        "/briefs/?q=token",
    ]
    nginx = ["nginx", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")]
    subprocess.run(nginx, check=True, capture_output=True, timeout=30)
    try:
        for address in addresses:
            url = f"http://127.0.0.1:{port}{address}"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
    finally:
        subprocess.run([*nginx, "-s", "quit"], check=True, capture_output=True, timeout=30)
    log = (tmp_path / "access.log").read_text()
    assert len(log.splitlines()) == len(addresses), log
    assert secret not in log
    assert '"GET /feeds/regions/iraq/?page=2&token=[redacted]&x=1 HTTP/1.1"' in log
    assert '"GET /briefs/?q=token HTTP/1.1"' in log


def test_nginx_sets_proxy_headers_timeouts_upload_size_and_static() -> None:
    site = (DEPLOY / "nginx" / "advisory.conf").read_text()
    proxy = (DEPLOY / "nginx" / "advisory-proxy.conf").read_text()
    assert re.search(r"client_max_body_size \d+m;", site)
    assert "location /static/" in site and "alias /srv/advisory/static/;" in site
    assert "location = /readyz" in site and "deny all;" in site
    for directive in (
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Request-ID $request_id;",
        "proxy_read_timeout",
        "proxy_connect_timeout",
    ):
        assert directive in proxy, directive
    # Every block opened is closed.
    assert site.count("{") == site.count("}")


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_systemd_units_run_web_workers_per_queue_and_one_beat() -> None:
    web, worker, beat = (
        _unit(name)
        for name in ("advisory-web.service", "advisory-worker@.service", "advisory-beat.service")
    )
    for unit in (web, worker, beat):
        service = unit["Service"]
        assert service["User"] == "advisory"
        assert service["EnvironmentFile"] == "/etc/advisory/env"
        assert service["Restart"] == "on-failure"
        assert service["NoNewPrivileges"] == "true"
        assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert "gunicorn --config deploy/gunicorn.conf.py" in web["Service"]["ExecStart"]
    assert "worker --queues %i" in worker["Service"]["ExecStart"]
    assert " beat " in beat["Service"]["ExecStart"]
    assert "EXACTLY ONE" in (DEPLOY / "systemd" / "advisory-beat.service").read_text()
    names = _env_example_names()
    assert "WORKER_CONCURRENCY" in names


def test_env_example_lists_what_gunicorn_conf_reads() -> None:
    source = (DEPLOY / "gunicorn.conf.py").read_text()
    read = set(re.findall(r"os\.environ\.get\(\"([A-Z_]+)\"", source))
    assert read and read <= _env_example_names(), read - _env_example_names()
