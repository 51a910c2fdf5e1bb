import re

from tests.commandline import REPO as ROOT
from tests.commandline import manage

ENV_EXAMPLE = ROOT / "deploy" / "env.example"


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_env_example_lists_every_variable_settings_reads() -> None:
    source = (ROOT / "advisory" / "settings.py").read_text()
    read = set(re.findall(r"env\.\w+\(\s*\"([A-Z_]+)\"", source))
    assert read, "the pattern found no variables: it no longer matches settings.py"
    assert read <= set(_env_example()), read - set(_env_example())


def test_check_deploy_is_clean_with_production_values() -> None:
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=_env_example())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_debug_is_off_unless_set() -> None:
    env = {"SECRET_KEY": "x" * 60}
    code = "from django.conf import settings; print(settings.DEBUG)"
    result = manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.strip() == "False", result.stderr


def test_without_redis_the_demo_uses_a_serverless_broker_and_local_cache() -> None:
    code = (
        "from django.conf import settings;"
        "print(settings.CELERY_BROKER_URL, settings.CACHES['default']['BACKEND'],"
        " settings.DATABASES['default']['ENGINE'])"
    )
    result = manage("shell", "-v", "0", "-c", code, env={"SECRET_KEY": "x" * 60})
    assert result.stdout.split() == [
        "filesystem://",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.db.backends.sqlite3",
    ], result.stderr


def test_postgresql_options_from_the_url_are_kept_beside_preparing() -> None:
    code = (
        "from django.conf import settings;"
        " print(sorted(settings.DATABASES['default']['OPTIONS'].items()))"
    )
    env = {
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://advisory@db.internal:5432/advisory?sslmode=require",
    }
    result = manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.strip() == "[('prepare_threshold', 5), ('sslmode', 'require')]", (
        result.stdout + result.stderr
    )
