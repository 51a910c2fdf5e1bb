"""The writers' admin: briefs, entities, accounts and the audit trail, through real requests."""

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisory.accounts.models import Membership, Organisation, Role, User
from advisory.accounts.services import membership_assign
from advisory.briefs.models import Brief, BriefAuthor, BriefStatus, Mention, Series, Source
from advisory.briefs.services import brief_create
from advisory.entities.models import Alias, Entity, EntityKind, Region
from advisory.lib.markdown import word_count
from advisory.workflow.models import AuditEvent
from advisory.workflow.services import audit_event_record
from tests.factories import (
    AliasFactory,
    BriefFactory,
    EntityFactory,
    MentionFactory,
    OrganisationFactory,
    RegionFactory,
    SourceFactory,
    UserFactory,
    client_reader,
    staff_user,
)

pytestmark = pytest.mark.django_db

BRIEF_ADD = "admin:briefs_brief_add"
BRIEF_CHANGELIST = "admin:briefs_brief_changelist"
PREVIEW = "admin:briefs_brief_preview"


@pytest.fixture
def writer() -> User:
    return staff_user(role=Role.WRITER, username="writer", display_name="Wendy Writer")


@pytest.fixture
def writer_client(client: Client, writer: User) -> Client:
    client.force_login(writer)
    return client


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def inline_data(response: HttpResponse) -> dict[str, Any]:
    """What a browser posts back for the page's inlines as they stand: each saved row as is."""
    data: dict[str, Any] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        rows = formset.initial_forms
        data.update(management(formset.prefix, total=len(rows), initial=len(rows)))
        for form in rows:
            for name in form.fields:
                value = form[name].value()
                if value is None or value is False:
                    continue
                data[form.add_prefix(name)] = value.pk if isinstance(value, Model) else value
    return data


def add_rows(
    data: dict[str, Any], page: HttpResponse, prefix: str, rows: list[dict[str, Any]]
) -> None:
    """Fill new inline rows as a browser does: the row's defaults, then what was typed."""
    (formset,) = [
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    empty = formset.empty_form
    defaults = {
        name: empty[name].value() for name in empty.fields if empty[name].value() is not None
    }
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in {**defaults, **row}.items():
            data[f"{prefix}-{start + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(rows))


def brief_form(**fields: Any) -> dict[str, Any]:
    return {
        "title": "A brief",
        "summary": "",
        "body": "",
        "kind": "analysis",
        "access_tier": "1",
        "tags": "",
        "series": "",
        "series_position": "",
        **fields,
    }


def form_errors(response: HttpResponse) -> list[str]:
    errors = response.context["errors"] if response.context else []
    return [str(error) for error in errors]


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Markup()
    parser.feed(html)
    return parser.tags


# Briefs ---------------------------------------------------------------------------------


def test_writer_uses_the_brief_changelist_and_each_filter(
    writer_client: Client, writer: User
) -> None:
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    mine = brief_create(
        actor=writer, title="Militias in Baghdad", regions=[iraq], tags=["Militias"]
    )
    other = BriefFactory(title="Weekly outlook", kind="weekly_outlook", access_tier=2)
    url = reverse(BRIEF_CHANGELIST)

    def listed(query: str) -> set[str]:
        response = writer_client.get(f"{url}?{query}")
        assert response.status_code == 200, query
        return {brief.title for brief in response.context["cl"].result_list}

    assert listed("") == {mine.title, other.title}
    assert listed("status__exact=draft") == {mine.title, other.title}
    assert listed("status__exact=published") == set()
    assert listed(f"author={writer.pk}") == {mine.title}
    assert listed(f"region={iraq.pk}") == {mine.title}
    assert listed(f"region={middle_east.pk}") == {mine.title}, "a region finds its countries"
    assert listed("tag=militias") == {mine.title}
    assert listed("kind__exact=weekly_outlook") == {other.title}
    assert listed("access_tier__exact=2") == {other.title}
    assert listed("q=baghdad") == {mine.title}
    assert listed("author=nonsense") == set()

    page = writer_client.get(url).content.decode()
    assert '<td class="field-byline_names">Wendy Writer</td>' in page
    assert "Middle East and its countries" in page  # the region above Iraq is offered too


def test_brief_changelist_queries_do_not_grow_with_the_briefs(
    writer_client: Client,
    writer: User,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    region = RegionFactory()

    def make_briefs(count: int) -> None:
        for _ in range(count):
            brief = BriefFactory()
            BriefAuthor.objects.create(brief=brief, author=writer)
            BriefAuthor.objects.create(brief=brief, author=UserFactory(is_staff=True))
            brief.regions.add(region)
            brief.tags.add("iraq", "militias")

    url = reverse(BRIEF_CHANGELIST)
    make_briefs(3)
    writer_client.get(url)  # warms caches that last the process, such as content types
    with CaptureQueriesContext(connection) as three:
        assert writer_client.get(url).status_code == 200
    make_briefs(27)
    with django_assert_max_num_queries(len(three)) as thirty:
        response = writer_client.get(url)
    assert len(response.context["cl"].result_list) == 30
    assert len(thirty) == len(three)


def test_writer_loads_the_add_page_with_the_markdown_editor(writer_client: Client) -> None:
    response = writer_client.get(reverse(BRIEF_ADD))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-preview-url="{reverse(PREVIEW)}"' in page
    buttons = {
        attrs["data-md-action"]: attrs.get("aria-label")
        for tag, attrs in parsed_tags(page)
        if tag == "button" and "data-md-action" in attrs
    }
    assert set(buttons) == {
        "heading",
        "bold",
        "italic",
        "link",
        "bullets",
        "numbers",
        "quote",
        "footnote",
        "figure",
    }
    assert all(buttons.values()), "every toolbar button has an accessible name"
    assert 'role="toolbar"' in page
    assert "advisory/admin/markdown-editor.js" in page
    assert 'name="status"' not in page, "the workflow owns the status"


def test_writer_saves_a_new_brief_with_its_inlines(writer_client: Client, writer: User) -> None:
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")
    maliki = EntityFactory(name="Nuri al-Maliki")
    body = "## Even if Maliki loses\n\nIran still wins.[^1]\n\n[^1]: As analysts expect."
    add_page = writer_client.get(reverse(BRIEF_ADD))
    data = {
        **inline_data(add_page),
        **brief_form(
            title="Iraq’s Growing Foreign Militia Crisis",
            summary="Pro-Iran militias on Iraqi soil.",
            body=body,
            regions=[iraq.pk],
            tags="Iraq, Militias",
        ),
    }
    add_rows(
        data,
        add_page,
        "sources",
        [
            {
                "title": "Militia report",
                "publisher": "Reuters",
                "url": "https://example.org/r",
                "reliability": "B",
                "credibility": "2",
            }
        ],
    )
    add_rows(
        data,
        add_page,
        "mentions",
        [{"entity": maliki.pk, "role": "subject", "origin": "confirmed"}],
    )

    response = writer_client.post(reverse(BRIEF_ADD), data)

    assert response.status_code == 302, form_errors(response)
    brief = Brief.objects.get()
    assert brief.slug == "iraqs-growing-foreign-militia-crisis"
    assert brief.status == BriefStatus.DRAFT
    assert brief.word_count == word_count(body) > 0
    assert sorted(brief.tags.names()) == ["Iraq", "Militias"]
    assert list(brief.regions.all()) == [iraq]
    assert list(brief.authors.all()) == [writer]
    source = Source.objects.get(brief=brief)
    assert (source.title, source.publisher) == ("Militia report", "Reuters")
    assert (source.reliability, source.credibility) == ("B", 2)
    mention = Mention.objects.get(brief=brief)
    assert (mention.entity, mention.role) == (maliki, "subject")
    event = AuditEvent.objects.get(verb="brief.created")
    assert (event.actor, event.target_id) == (writer, str(brief.pk))
    assert response["Location"] == reverse(BRIEF_CHANGELIST)


def test_a_co_author_row_on_a_new_brief_comes_after_the_writer(
    writer_client: Client, writer: User
) -> None:
    colleague = staff_user(role=Role.WRITER, username="colleague")
    add_page = writer_client.get(reverse(BRIEF_ADD))
    data = {**inline_data(add_page), **brief_form(regions=[])}
    add_rows(data, add_page, "bylines", [{"author": colleague.pk}, {"author": writer.pk}])

    response = writer_client.post(reverse(BRIEF_ADD), data)

    assert response.status_code == 302, form_errors(response)
    brief = Brief.objects.get()
    assert [b.author for b in brief.bylines.order_by("position")] == [writer, colleague]


def test_editing_the_title_keeps_the_slug(writer_client: Client, writer: User) -> None:
    brief = brief_create(actor=writer, title="Holy weapons", body="One two three.")
    SourceFactory(brief=brief, title="A source")
    url = reverse("admin:briefs_brief_change", args=[brief.pk])
    page = writer_client.get(url)
    assert page.status_code == 200
    data = {
        **inline_data(page),
        **brief_form(title="Holy weapons: militia disarmament", body="One two three four."),
    }

    response = writer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    brief.refresh_from_db()
    assert (brief.title, brief.slug) == ("Holy weapons: militia disarmament", "holy-weapons")
    assert brief.word_count == 4
    assert brief.sources.count() == 1
    assert list(brief.authors.all()) == [writer]
    edited = AuditEvent.objects.get(verb="brief.edited")
    assert edited.data == {"fields": ["body", "title"]}


def test_the_change_page_shows_derived_fields_activity_and_client_preview_link(
    writer_client: Client, writer: User
) -> None:
    brief = brief_create(actor=writer, title="Holy weapons", body="word " * 500)
    response = writer_client.get(reverse("admin:briefs_brief_change", args=[brief.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 min" in page  # 500 words at 220 a minute
    assert "brief.created" in page
    assert reverse("admin:briefs_brief_preview_page", args=[brief.pk]) in page
    assert f'data-brief-id="{brief.pk}"' in page
    assert "holy-weapons" in page and 'name="slug"' not in page


@pytest.mark.parametrize("role", [Role.WRITER, Role.EDITOR, Role.DESK_ADMIN, "superuser"])
def test_nobody_may_delete_a_brief(client: Client, role: str) -> None:
    user = (
        User.objects.create_superuser("root", "root@example.org", "pw")
        if role == "superuser"
        else staff_user(role=role)
    )
    client.force_login(user)
    brief = BriefFactory()
    change = client.get(reverse("admin:briefs_brief_change", args=[brief.pk]))
    assert change.status_code == 200
    delete = reverse("admin:briefs_brief_delete", args=[brief.pk])
    assert delete not in change.content.decode()
    changelist = client.get(reverse(BRIEF_CHANGELIST))
    assert "delete_selected" not in changelist.content.decode()
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Brief.objects.filter(pk=brief.pk).exists()


# Preview ------------------------------------------------------------------------------


def test_preview_renders_the_posted_text_and_strips_anything_hostile(
    writer_client: Client,
) -> None:
    body = (
        "## Heading\n\nText[^1] with **bold**.\n\n"
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        '[click](javascript:alert(1)) and <a href="javascript:alert(2)">raw</a>\n\n'
        '![map](https://example.org/map.png "Diyala province")\n\n[^1]: A note.'
    )
    response = writer_client.post(
        reverse(PREVIEW),
        {"title": "<script>alert('t')</script>Title", "summary": "Dek", "body": body},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    tags = parsed_tags(html)
    names = [tag for tag, _ in tags]
    assert "script" not in names
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]
    hrefs = [attrs.get("href") or "" for _, attrs in tags] + [
        attrs.get("src") or "" for _, attrs in tags
    ]
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript")]
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;Title" in html
    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "footnote-ref" in html and "A note." in html
    assert "<figcaption>Diyala province</figcaption>" in html
    assert "Wendy Writer" in html, "a new brief is bylined to the writer"


def test_preview_of_a_saved_brief_shows_its_byline_and_sources(
    writer_client: Client, writer: User
) -> None:
    brief = brief_create(actor=writer, title="Saved", tags=["Iraq"])
    SourceFactory(brief=brief, title="Cited report", url="https://example.org/report")
    response = writer_client.post(
        reverse(PREVIEW), {"title": "Edited title", "body": "Edited", "brief": brief.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Edited title" in html and "Cited report" in html and "Iraq" in html


def test_preview_refuses_readers_gets_and_staff_without_brief_rights(client: Client) -> None:
    url = reverse(PREVIEW)
    client.force_login(client_reader())
    response = client.post(url, {"body": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    client.force_login(staff_user(role=Role.WRITER, username="w2"))
    assert client.get(url).status_code == 405

    client.force_login(UserFactory(username="bare", is_staff=True))
    assert client.post(url, {"body": "x"}).status_code == 403


def test_preview_needs_the_csrf_token(writer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(writer)
    assert client.post(reverse(PREVIEW), {"body": "x"}).status_code == 403


def test_preview_as_client_page(writer_client: Client, writer: User) -> None:
    brief = brief_create(actor=writer, title="Holy weapons", summary="The dek", body="# Top")
    url = reverse("admin:briefs_brief_preview_page", args=[brief.pk])

    response = writer_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"
    assert "advisory/brief.css" in html
    assert "Holy weapons" in html and "The dek" in html and "<h2>Top</h2>" in html
    assert "cannot see it until it is published" in html
    missing = reverse("admin:briefs_brief_preview_page", args=[brief.pk + 1000])
    assert writer_client.get(missing).status_code == 404

    reader = Client()
    reader.force_login(client_reader())
    assert reader.get(url).status_code == 302


def test_a_client_reader_cannot_reach_the_admin(client: Client) -> None:
    client.force_login(client_reader())
    for name in ("admin:index", BRIEF_CHANGELIST, BRIEF_ADD, "admin:entities_entity_changelist"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("admin:login"))


# Entities -----------------------------------------------------------------------------


def test_writer_uses_the_entity_pages(writer_client: Client) -> None:
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")
    maliki = EntityFactory(name="Nuri al-Maliki", country=iraq)
    AliasFactory(entity=maliki, name="Nouri al-Maliki")
    AliasFactory(entity=maliki, name="نوري المالكي")
    brief = BriefFactory(title="Maliki returns")
    MentionFactory(brief=brief, entity=maliki, role="subject")

    changelist = writer_client.get(reverse("admin:entities_entity_changelist"))
    assert changelist.status_code == 200
    listed = changelist.context["cl"].result_list
    assert [(e.name, e.alias_count, e.mention_count) for e in listed] == [("Nuri al-Maliki", 2, 1)]
    for query in ("kind__exact=person", f"country__id__exact={iraq.pk}", "q=Nouri"):
        response = writer_client.get(f"{reverse('admin:entities_entity_changelist')}?{query}")
        assert response.status_code == 200
        assert [e.name for e in response.context["cl"].result_list] == ["Nuri al-Maliki"]

    assert writer_client.get(reverse("admin:entities_entity_add")).status_code == 200
    change = writer_client.get(reverse("admin:entities_entity_change", args=[maliki.pk]))
    assert change.status_code == 200
    page = change.content.decode()
    assert reverse("admin:briefs_brief_change", args=[brief.pk]) in page
    assert "Maliki returns" in page
    delete = reverse("admin:entities_entity_delete", args=[maliki.pk])
    assert delete not in page, "writers may not delete entities"


def test_entity_autocomplete_finds_an_entity_by_alias(writer_client: Client) -> None:
    maliki = EntityFactory(name="Nuri al-Maliki")
    AliasFactory(entity=maliki, name="Nouri al-Maliki")
    AliasFactory(entity=maliki, name="Abu Esraa")
    kataib = EntityFactory(name="Kata'ib Hezbollah", kind=EntityKind.ARMED_GROUP)
    EntityFactory(name="Someone else")

    def found(term: str) -> list[str]:
        response = writer_client.get(
            reverse("admin:autocomplete"),
            {"term": term, "app_label": "briefs", "model_name": "mention", "field_name": "entity"},
        )
        assert response.status_code == 200
        return [result["text"] for result in response.json()["results"]]

    assert found("Nouri") == ["Nuri al-Maliki"]
    assert found("esraa") == ["Nuri al-Maliki"], "one result though two aliases could match"
    assert found("Kataib") == [kataib.name], "folded spellings match too"
    assert found("nobody") == []


def test_writer_adds_an_entity_with_aliases_through_the_services(
    writer_client: Client, writer: User
) -> None:
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")
    url = reverse("admin:entities_entity_add")
    add_page = writer_client.get(url)
    data = {
        **inline_data(add_page),
        "kind": "person",
        "name": "  Qais  al-Khazali ",
        "description": "Leader of Asa'ib Ahl al-Haq.",
        "country": iraq.pk,
    }
    add_rows(data, add_page, "aliases", [{"name": "Qays al-Khazali", "kind": "alias"}])

    response = writer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    entity = Entity.objects.get()
    assert (entity.name, entity.slug, entity.country) == (
        "Qais al-Khazali",
        "qais-al-khazali",
        iraq,
    )
    alias = Alias.objects.get(entity=entity)
    assert alias.normalised == "qays al khazali"
    verbs = set(AuditEvent.objects.filter(actor=writer).values_list("verb", flat=True))
    assert {"entity.created", "alias.saved"} <= verbs


def test_aliases_that_fold_to_the_same_name_are_a_form_error(writer_client: Client) -> None:
    entity = EntityFactory(name="Kata'ib Hezbollah")
    url = reverse("admin:entities_entity_change", args=[entity.pk])
    page = writer_client.get(url)
    data = {**inline_data(page), "kind": "person", "name": entity.name}
    add_rows(data, page, "aliases", [{"name": "Kataib Hezbollah"}, {"name": "KATA’IB HEZBOLLAH"}])

    response = writer_client.post(url, data)

    assert response.status_code == 200
    assert any("once folded" in error for error in form_errors(response))
    assert not Alias.objects.exists()


def test_an_entity_country_can_be_cleared(writer_client: Client, writer: User) -> None:
    entity = EntityFactory(country=RegionFactory())
    url = reverse("admin:entities_entity_change", args=[entity.pk])
    data = {**inline_data(writer_client.get(url)), "kind": "person", "name": "Renamed"}
    data.pop("country", None)

    response = writer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    entity.refresh_from_db()
    assert (entity.name, entity.country) == ("Renamed", None)
    event = AuditEvent.objects.get(verb="entity.updated", actor=writer)
    assert "country" in event.data["fields"]


# Accounts -----------------------------------------------------------------------------


def test_writers_pick_co_authors_among_staff_without_seeing_the_user_list(
    writer_client: Client,
) -> None:
    staff_user(role=Role.EDITOR, username="edith", display_name="Edith Editor")
    client_reader()
    response = writer_client.get(
        reverse("admin:autocomplete"),
        {"term": "", "app_label": "briefs", "model_name": "briefauthor", "field_name": "author"},
    )
    assert response.status_code == 200
    assert {r["text"] for r in response.json()["results"]} == {"Wendy Writer", "Edith Editor"}
    assert writer_client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_membership_refusals_are_form_errors_and_change_nothing(client: Client) -> None:
    desk_admin = staff_user(role=Role.DESK_ADMIN, username="admin")
    client.force_login(desk_admin)
    full = OrganisationFactory(name="Full client", seats=0)
    newcomer = UserFactory(username="newcomer")
    url = reverse("admin:accounts_membership_add")

    refused = client.post(
        url, {"user": newcomer.pk, "organisation": full.pk, "role": Role.CLIENT_READER}
    )
    assert refused.status_code == 200
    assert any("no free seat" in error for error in form_errors(refused))
    wrong_role = client.post(
        url, {"user": newcomer.pk, "organisation": full.pk, "role": Role.WRITER}
    )
    assert any("does not belong" in error for error in form_errors(wrong_role))
    assert not Membership.objects.filter(user=newcomer).exists()
    assert not AuditEvent.objects.filter(verb="membership.assigned", actor=desk_admin).exists()

    roomy = OrganisationFactory(name="Roomy client", seats=3)
    saved = client.post(
        url, {"user": newcomer.pk, "organisation": roomy.pk, "role": Role.CLIENT_READER}
    )
    assert saved.status_code == 302, form_errors(saved)
    newcomer.refresh_from_db()
    assert (newcomer.membership.organisation, newcomer.is_staff) == (roomy, False)
    assert newcomer.groups.filter(name="role: Client reader").exists()


def test_desk_admin_pages_and_their_limits(client: Client) -> None:
    desk_admin = staff_user(role=Role.DESK_ADMIN, username="admin")
    client.force_login(desk_admin)
    organisation = OrganisationFactory(name="Acme")
    reader = UserFactory(username="acme-reader", display_name="Anna Acme")
    membership_assign(actor=None, user=reader, organisation=organisation, role=Role.CLIENT_READER)
    root = User.objects.create_superuser("root", "root@example.org", "pw")

    organisation_page = client.get(
        reverse("admin:accounts_organisation_change", args=[organisation.pk])
    )
    assert organisation_page.status_code == 200
    assert "Anna Acme" in organisation_page.content.decode()
    user_page = client.get(reverse("admin:accounts_user_change", args=[reader.pk]))
    assert user_page.status_code == 200
    assert 'name="is_superuser"' not in user_page.content.decode(), "rights follow the role"
    assert client.post(reverse("admin:accounts_user_change", args=[root.pk])).status_code == 403
    membership = reader.membership
    delete = reverse("admin:accounts_membership_delete", args=[membership.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    reader = User.objects.get(pk=reader.pk)
    assert not Membership.objects.filter(user=reader).exists()
    assert not reader.groups.exists()
    assert AuditEvent.objects.filter(verb="membership.revoked", actor=desk_admin).exists()

    add = reverse("admin:accounts_organisation_add")
    response = client.post(
        add,
        {
            **inline_data(client.get(add)),
            "name": "Beta Corp",
            "kind": "client",
            "seats": "4",
            "tier": "1",
        },
    )
    assert response.status_code == 302, form_errors(response)
    beta = Organisation.objects.get(name="Beta Corp")
    assert beta.slug == "beta-corp"
    assert AuditEvent.objects.filter(verb="organisation.created", actor=desk_admin).exists()

    change = reverse("admin:accounts_organisation_change", args=[beta.pk])
    region = RegionFactory()
    response = client.post(
        change,
        {
            **inline_data(client.get(change)),
            "name": "Beta Corp",
            "kind": "client",
            "seats": "4",
            "tier": "2",
            "regions": [region.pk],
        },
    )
    assert response.status_code == 302, form_errors(response)
    beta.refresh_from_db()
    assert beta.tier == 2
    assert list(beta.regions.all()) == [region]
    updated = AuditEvent.objects.get(verb="organisation.updated", actor=desk_admin)
    assert updated.data == {"fields": ["tier", "regions"]}


# Audit trail --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.WRITER, "superuser"])
def test_audit_events_are_read_only_in_the_admin(client: Client, role: str) -> None:
    user = (
        User.objects.create_superuser("root", "root@example.org", "pw")
        if role == "superuser"
        else staff_user(role=role)
    )
    client.force_login(user)
    brief = BriefFactory(title="Tracked")
    event = audit_event_record(actor=user, verb="brief.edited", target=brief)
    changelist = reverse("admin:workflow_auditevent_changelist")
    change = reverse("admin:workflow_auditevent_change", args=[event.pk])

    listed = client.get(changelist, {"verb": "brief.edited", "actor__id__exact": user.pk})
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [event]
    assert client.get(changelist, {"q": "Tracked"}).context["cl"].result_count == 1
    view = client.get(change)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert client.post(change, {"verb": "forged"}).status_code == 403
    assert client.get(reverse("admin:workflow_auditevent_add")).status_code == 403
    delete = reverse("admin:workflow_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.verb == "brief.edited"


def test_preview_shows_the_linked_entities_and_the_series_neighbours(
    writer_client: Client, writer: User
) -> None:
    series = Series.objects.create(title="Militia Watch", slug="militia-watch")
    brief_create(actor=writer, title="Part one", series=series, series_position=1)
    middle = brief_create(actor=writer, title="Part two", series=series, series_position=2)
    brief_create(actor=writer, title="Part three", series=series, series_position=3)
    MentionFactory(brief=middle, entity=EntityFactory(name="Kata'ib Hezbollah"), role="subject")
    MentionFactory(brief=middle, entity=EntityFactory(name="Baghdad"), role="mentioned")
    url = reverse("admin:briefs_brief_preview_page", args=[middle.pk])

    html = writer_client.get(url).content.decode()

    assert "<strong>Kata&#x27;ib Hezbollah</strong>" in html
    assert "Baghdad" in html
    assert "Part 2 of the series <em>Militia Watch</em>" in html
    assert "Previous: Part one" in html and "Next: Part three" in html


IMPORT = "admin:briefs_brief_import"


def test_a_writer_imports_a_document_from_the_admin(writer_client: Client, writer: User) -> None:
    assert "Import a document" in writer_client.get(reverse(BRIEF_CHANGELIST)).content.decode()
    upload = SimpleUploadedFile(
        "basra.md", "# Basra protests\n\nIntro.\n\n• jobs\n• water\n".encode(), "text/markdown"
    )

    response = writer_client.post(reverse(IMPORT), {"document": upload})

    brief = Brief.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:briefs_brief_change", args=[brief.pk])
    assert (brief.title, brief.body, brief.status) == (
        "Basra protests",
        "Intro.\n\n- jobs\n- water",
        BriefStatus.DRAFT,
    )
    assert list(brief.authors.all()) == [writer]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4", "unsupported file type"),
        ("latin.txt", b"Caf\xe9 society", "is not UTF-8"),
        ("empty.md", b"   \n", "empty"),
        ("broken.docx", b"not a zip", "not a readable Word (.docx) document"),
    ],
)
def test_a_bad_document_is_a_form_error_and_creates_nothing(
    writer_client: Client, name: str, content: bytes, message: str
) -> None:
    upload = SimpleUploadedFile(name, content)
    response = writer_client.post(reverse(IMPORT), {"document": upload})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["document"])
    assert name in errors
    assert message in errors
    assert not Brief.objects.exists()


def test_readers_cannot_import(client: Client) -> None:
    client.force_login(client_reader())
    assert client.get(reverse(IMPORT)).status_code == 302


def test_editor_edits_relationships_and_designations_with_an_audit_trail(client: Client) -> None:
    editor = staff_user(role=Role.EDITOR, username="ed")
    client.force_login(editor)
    group, patron = EntityFactory(name="Kata'ib Hezbollah"), EntityFactory(name="IRGC")
    url = reverse("admin:entities_entity_change", args=[group.pk])
    page = client.get(url)
    data = {**inline_data(page), "kind": "armed_group", "name": group.name}
    add_rows(data, page, "designations", [{"authority": "US State", "programme": "FTO"}])
    add_rows(data, page, "relationships_as_subject", [{"object": patron.pk, "kind": "backed_by"}])

    response = client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert group.relationships_as_subject.get().object == patron
    designation = group.designations.get()
    verbs = list(AuditEvent.objects.filter(actor=editor).values_list("verb", flat=True))
    assert "relationship.created" in verbs
    assert "entity.records_edited" in verbs

    page = client.get(url)
    data = {**inline_data(page), "kind": "armed_group", "name": group.name}
    prefix = "designations"
    row = next(k for k, v in data.items() if k.startswith(prefix) and v == designation.pk)
    data[row.replace("-id", "-listed_on")] = "2009-07-02"
    response = client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    designation.refresh_from_db()
    assert str(designation.listed_on) == "2009-07-02"
    edits = AuditEvent.objects.filter(actor=editor, verb="entity.records_edited")
    assert edits.count() == 2
    assert edits.first().data["saved"] == ["designation: US State · FTO"]
