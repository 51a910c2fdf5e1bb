"""Schemathesis against /api/schema/: generated requests, valid and invalid, to every operation,
authenticated by a desk writer's API token so the closed doors are walked through too.

Every answer must be no server error, a status the schema lists, and a body and headers of
the shape the schema gives. Data the schema cannot know (which slugs exist, a value the
service refuses) may earn a 400 from valid-looking input, so the check that valid data is
always accepted is left out; the others run as Schemathesis ships them.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi import checks

from advisory.accounts.models import AccessTier, Role
from advisory.accounts.services import api_token_create, follow_add
from advisory.wsgi import application
from tests.factories import EntityFactory, RegionFactory, published_brief, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


# Loaded at collection, straight from the WSGI application: one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _connection_kept_open() -> Iterator[None]:
    """The requests reach the WSGI application in this test's transaction: Django must not
    close the connection at the end of each, which its test client also prevents."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token() -> str:
    """A writer (who may read everything, follow, subscribe and draft) and some content."""
    region = RegionFactory(slug="iraq", name="Iraq", iso_code="IQ")
    entity = EntityFactory(slug="nuri-al-maliki", name="Nuri al-Maliki")
    published_brief(
        title="Baghdad after the vote", regions=[region], tags=["elections"], subjects=[entity]
    )
    published_brief(title="An open outlook", access_tier=AccessTier.PUBLIC)
    writer = staff_user(Role.WRITER, username="fuzzwriter")
    follow_add(actor=writer, target=entity)
    return api_token_create(actor=writer, name="Schemathesis")[1]


CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_within_its_schema(case: schemathesis.Case, token: str) -> None:
    try:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    except FailureGroup as group:
        # A generated body over the API's size limit is refused with 413, which Schemathesis's
        # negative-data check does not count among rejections; every other failure stands.
        if not all(_refused_as_too_large(failure) for failure in group.exceptions):
            raise


def _refused_as_too_large(failure: Exception) -> bool:
    return isinstance(failure, AcceptedNegativeData) and failure.status_code == 413
