import datetime
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from advisory.accounts.admin import acting_user, adopt_saved
from advisory.accounts.selectors import user_role
from advisory.briefs.estimative import estimative_flags
from advisory.briefs.importers import DocumentError, read_document
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefKind,
    BriefStatus,
    KeyJudgment,
    Mention,
    Scenario,
    Series,
    Source,
)
from advisory.briefs.presence import brief_editors_heartbeat
from advisory.briefs.scales import active_scale, source_grade
from advisory.briefs.selectors import (
    BriefLinks,
    ProposedJudgment,
    brief_audit_events,
    brief_authors_listed,
    brief_changes_since,
    brief_estimative_review,
    brief_links,
    brief_reading,
    brief_reading_draft,
    brief_regions_listed,
    brief_tags_listed,
    briefs_in_region,
    briefs_with_bylines,
    judgment_change_problems,
    live_snapshot,
    preview_links_of,
)
from advisory.briefs.services import (
    EDITABLE_FIELDS,
    PREVIEW_LINK_MAX_DAYS,
    EditConflict,
    brief_create,
    brief_mentions_suggest,
    brief_revision_record,
    brief_update,
    mention_confirm,
    mention_reject,
    preview_link_create,
    preview_link_revoke,
)
from advisory.briefs.widgets import CONFIRM, EntityLinksField, MarkdownEditor
from advisory.entities.models import Entity, Region
from advisory.lib.diff import FieldChange
from advisory.workflow import services as workflow
from advisory.workflow.services import EDITOR_ROLES
from advisory.workflow.transitions import TRANSITIONS, Action, actions_available


class AuthorListFilter(admin.SimpleListFilter):
    title = "author"
    parameter_name = "author"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(user.pk), user.byline) for user in brief_authors_listed()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Brief]) -> QuerySet[Brief]:
        value = self.value()
        if not value:
            return queryset
        return (
            queryset.filter(bylines__author_id=int(value)) if value.isdigit() else queryset.none()
        )


class RegionListFilter(admin.SimpleListFilter):
    """Regions and countries in use; a region also finds the briefs about its countries."""

    title = "region"
    parameter_name = "region"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(region.pk), self._label(region)) for region in brief_regions_listed()]

    @staticmethod
    def _label(region: Region) -> str:
        return (
            f"{region.name} and its countries" if region.kind == Region.Kind.REGION else region.name
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet[Brief]) -> QuerySet[Brief]:
        value = self.value()
        if not value:
            return queryset
        return briefs_in_region(queryset, value) if value.isdigit() else queryset.none()


class TagListFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(tag.slug, tag.name) for tag in brief_tags_listed()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Brief]) -> QuerySet[Brief]:
        value = self.value()
        return queryset.filter(tags__slug=value) if value else queryset


class BriefAuthorInline(admin.TabularInline):
    model = BriefAuthor
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    extra = 0
    verbose_name = "author"
    verbose_name_plural = "authors (whoever creates a brief is its first author)"


def _likelihood_field(label: str) -> forms.ChoiceField:
    """A likelihood chosen from the desk's scale, each term with its range."""
    scale = active_scale()
    return forms.ChoiceField(
        label=label,
        choices=[("", "---------"), *scale.choices],
        help_text=f"A term of the {scale.name}.",
    )


class KeyJudgmentForm(forms.ModelForm):
    """A judgment rated on the desk's scale: a likelihood term and a confidence level."""

    class Meta:
        model = KeyJudgment
        fields = (
            "statement",
            "likelihood",
            "confidence",
            "sources",
            "assumptions",
            "change_reason",
            "position",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["likelihood"] = _likelihood_field("Likelihood")
        # A judgment written before the scale existed may stay unrated until a writer rates
        # it (review lists it); every other judgment is rated.
        unrated_before = self.instance.pk is not None and not self.instance.likelihood
        self.fields["likelihood"].required = not unrated_before
        self.fields["confidence"].required = not unrated_before

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        if bool(cleaned.get("likelihood")) != bool(cleaned.get("confidence")):
            self.add_error(None, "Give the judgment both a likelihood and a confidence level.")
        # The term was chosen from the desk's scale: the record names that scale beside it.
        self.instance.scale = active_scale().code if cleaned.get("likelihood") else ""
        return cleaned


class KeyJudgmentFormSet(forms.BaseInlineFormSet):
    """Refuses to save a change of a published judgment's likelihood or confidence that does not
    say what changed and why; the whole page comes back with what the writer typed."""

    def clean(self) -> None:
        super().clean()
        brief = self.instance
        if brief.pk is None or brief.live_revision_id is None:
            return
        forms_by_pk: dict[int, forms.ModelForm] = {}
        proposed = []
        for form in self.forms:
            if form.instance.pk is None or not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            forms_by_pk[form.instance.pk] = form
            proposed.append(
                ProposedJudgment(
                    pk=form.instance.pk,
                    scale=form.instance.scale,
                    likelihood=data["likelihood"],
                    confidence=data["confidence"],
                    change_reason=data.get("change_reason") or "",
                )
            )
        problems = judgment_change_problems(live=live_snapshot(brief), proposed=proposed)
        for pk, message in problems.items():
            forms_by_pk[pk].add_error("change_reason", message)


class GradedSourcesField(forms.ModelMultipleChoiceField):
    """Sources offered as evidence, each with its grade."""

    def label_from_instance(self, obj: Any) -> str:
        grade = source_grade(obj.reliability, obj.credibility)
        return f"{grade or 'ungraded'} · {obj.title}"


class KeyJudgmentInline(admin.StackedInline):
    model = KeyJudgment
    form = KeyJudgmentForm
    formset = KeyJudgmentFormSet
    extra = 1
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "sources":
            # The evidence is among this brief's own sources, as saved: a source added in the
            # same edit is offered once the brief is saved.
            brief_id = (request.resolver_match.kwargs if request.resolver_match else {}).get(
                "object_id"
            )
            kwargs["queryset"] = (
                Source.objects.filter(brief_id=brief_id) if brief_id else Source.objects.none()
            )
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["help_text"] = (
                "The brief's sources that support the judgment (save first to cite a new one)."
            )
            kwargs["form_class"] = GradedSourcesField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SourceForm(forms.ModelForm):
    """A source with its Admiralty grade, both halves of it."""

    url = forms.URLField(required=False, max_length=1000, assume_scheme="https")

    class Meta:
        model = Source
        fields = (
            "title",
            "publisher",
            "url",
            "published_on",
            "reliability",
            "credibility",
            "note",
            "position",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A source cited before grading existed may stay ungraded until a writer grades it.
        ungraded_before = self.instance.pk is not None and not self.instance.reliability
        self.fields["reliability"].required = not ungraded_before
        self.fields["credibility"].required = not ungraded_before

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        if bool(cleaned.get("reliability")) != bool(cleaned.get("credibility")):
            self.add_error(
                None, "Grade both the source's reliability and the information's credibility."
            )
        return cleaned


class SourceInline(admin.TabularInline):
    model = Source
    form = SourceForm
    extra = 1


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = (
            "title",
            "likelihood",
            "description",
            "drivers",
            "indicators",
            "review_on",
            "position",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["likelihood"] = _likelihood_field("Likelihood")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        self.instance.scale = active_scale().code if cleaned.get("likelihood") else ""
        return cleaned


class ScenarioInline(admin.StackedInline):
    model = Scenario
    form = ScenarioForm
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}


class MentionInline(admin.TabularInline):
    model = Mention
    fields = ("entity", "role", "origin")
    autocomplete_fields = ("entity",)
    extra = 1


class PreviewForm(forms.Form):
    """What the editor's live preview posts: the text as it stands in the form."""

    title = forms.CharField(required=False, max_length=255)
    summary = forms.CharField(required=False)
    body = forms.CharField(required=False, strip=False)
    kind = forms.ChoiceField(choices=BriefKind.choices, required=False)
    brief = forms.ModelChoiceField(queryset=Brief.objects.all(), required=False)


IMPORT_MAX_BYTES = 10 * 1024 * 1024


class BriefAdminForm(forms.ModelForm):
    """The brief's edit form, which refuses to overwrite a save made since it was opened."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    entity_links = EntityLinksField()
    conflict_changes: list[FieldChange] = []
    # What the linker found in the saved brief; set on the class BriefAdmin.get_form makes.
    link_report: BriefLinks | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version
        self.fields["entity_links"].widget.report = self.link_report

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        loaded = cleaned.get("loaded_version")
        if self.instance.pk is None or loaded is None:
            return cleaned
        # The admin validates and saves in one transaction: holding the row from here on
        # means no other save can slip in between this check and this save.
        stored = Brief.objects.select_for_update().get(pk=self.instance.pk)
        if stored.version != loaded:
            self.conflict_changes = brief_changes_since(stored, loaded)
            self.add_error(None, EditConflict(stored))
        return cleaned


class PreviewLinkForm(forms.Form):
    label = forms.CharField(required=False, max_length=200)
    days = forms.IntegerField(min_value=1, max_value=PREVIEW_LINK_MAX_DAYS, initial=7)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.value, a.value) for a in Action])
    reason = forms.CharField(required=False, max_length=5000)
    # Approving with estimative-language flags: the editor ticks that they read them, for the
    # revision whose flags the page showed.
    acknowledge_flags = forms.BooleanField(required=False)
    flags_revision = forms.IntegerField(required=False, min_value=1)
    correction_note = forms.CharField(required=False, max_length=5000)
    publish_at = forms.DateTimeField(required=False)


class ImportForm(forms.Form):
    document = forms.FileField(
        label="Document",
        help_text="A Markdown (.md), plain-text (.txt) or Word (.docx) file of at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.txt,.docx"}),
    )

    def clean_document(self) -> UploadedFile:
        document: UploadedFile = self.cleaned_data["document"]
        if document.size is not None and document.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return document


@admin.register(Brief)
class BriefAdmin(admin.ModelAdmin):
    form = BriefAdminForm
    list_display = ("title", "status", "kind", "tier", "byline_names", "updated")
    list_filter = (
        "status",
        AuthorListFilter,
        RegionListFilter,
        TagListFilter,
        "kind",
        "access_tier",
    )
    search_fields = ("title", "summary", "body", "slug")
    ordering = ("-modified_at",)
    autocomplete_fields = ("regions", "series")
    # Sources come before the judgments that cite them.
    inlines = (BriefAuthorInline, SourceInline, KeyJudgmentInline, ScenarioInline, MentionInline)
    readonly_fields = (
        "slug",
        "word_count",
        "reading_time",
        "status",
        "publish_at",
        "published_at",
        "content_updated_at",
        "created_by",
        "created_at",
        "last_edited_by",
        "modified_at",
        "recent_activity",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Brief | None = None) -> Any:
        classification = (
            "Classification",
            {"fields": ("kind", "access_tier", "regions", "tags", ("series", "series_position"))},
        )
        if obj is None:
            return ((None, {"fields": ("title", "summary", "body")}), classification)
        return (
            (None, {"fields": ("title", "slug", "summary", "body", "loaded_version")}),
            (
                "Entity links found in the text",
                {
                    "fields": ("entity_links",),
                    "description": "Names of recorded entities, in any spelling, found when the "
                    "brief was last saved. A sure link is suggested; a short or ambiguous name "
                    "is only offered. A rejected link is never suggested again for this brief.",
                },
            ),
            classification,
            ("Length", {"fields": (("word_count", "reading_time"),)}),
            (
                "Status",
                {
                    "description": "The review workflow sets these.",
                    "fields": (
                        "status",
                        ("publish_at", "published_at"),
                        "content_updated_at",
                        ("created_by", "created_at"),
                        ("last_edited_by", "modified_at"),
                    ),
                },
            ),
            ("Recent activity", {"fields": ("recent_activity",)}),
        )

    def get_form(
        self, request: HttpRequest, obj: Brief | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        editor = MarkdownEditor(
            preview_url=reverse("admin:briefs_brief_preview"),
            brief_id=obj.pk if obj is not None else None,
        )
        summary = forms.Textarea(attrs={"rows": 3, "cols": 80})
        kwargs["widgets"] = {"body": editor, "summary": summary, **kwargs.get("widgets", {})}
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            # modelform_factory made this class for this request alone.
            form.link_report = brief_links(  # type: ignore[attr-defined]
                brief=obj, title=obj.title, summary=obj.summary, body=obj.body
            )
        return form

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brief]:
        return briefs_with_bylines(super().get_queryset(request))

    def has_delete_permission(self, request: HttpRequest, obj: Brief | None = None) -> bool:
        # Briefs are withdrawn or archived through the workflow, never deleted.
        return False

    @admin.display(description="tier", ordering="access_tier")
    def tier(self, obj: Brief) -> str:
        return obj.get_access_tier_display()

    @admin.display(description="authors")
    def byline_names(self, obj: Brief) -> str:
        return ", ".join(byline.author.byline for byline in obj.bylines.all())

    @admin.display(description="updated", ordering="modified_at")
    def updated(self, obj: Brief) -> datetime.datetime:
        return obj.modified_at

    @admin.display(description="reading time")
    def reading_time(self, obj: Brief) -> str:
        return f"{obj.reading_minutes} min"

    @admin.display(description="recent activity")
    def recent_activity(self, obj: Brief) -> str:
        events = brief_audit_events(obj)
        if not events:
            return "Nothing recorded yet."
        rows = format_html_join(
            "",
            '<tr><td><time datetime="{}">{}</time></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    event.created_at.isoformat(),
                    f"{localtime(event.created_at):%Y-%m-%d %H:%M}",
                    event.actor.byline if event.actor else "system",
                    event.verb,
                    event.reason,
                )
                for event in events
            ),
        )
        return format_html(
            "<table><caption>Latest events, newest first</caption><thead><tr>"
            '<th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th>'
            '<th scope="col">Reason</th></tr></thead><tbody>{}</tbody></table>',
            rows,
        )

    def save_model(self, request: HttpRequest, obj: Brief, form: Any, change: bool) -> None:
        data = form.cleaned_data
        actor = acting_user(request)
        if change:
            changed = set(form.changed_data)
            brief_update(
                actor=actor,
                brief=obj,
                regions=data["regions"] if "regions" in changed else None,
                tags=data["tags"] if "tags" in changed else None,
                record_revision=False,
                expected_version=data["loaded_version"],
                **{name: data[name] for name in EDITABLE_FIELDS if name in changed},
            )
        else:
            brief = brief_create(
                actor=actor,
                regions=data["regions"],
                tags=data["tags"],
                record_revision=False,
                **{name: data[name] for name in EDITABLE_FIELDS},
            )
            # obj is form.instance, which the inlines attach to: it becomes the saved brief.
            adopt_saved(obj, brief)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has set regions and tags: form.save_m2m() would only set them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change)
        actor = acting_user(request)
        brief = form.instance
        decisions: dict[int, str] = form.cleaned_data.get("entity_links") or {}
        for entity_id, entity in Entity.objects.in_bulk(list(decisions)).items():
            if decisions[entity_id] == CONFIRM:
                mention_confirm(actor=actor, brief=brief, entity=entity)
            else:
                mention_reject(actor=actor, brief=brief, entity=entity)
        text_changed = not change or bool({"title", "summary", "body"} & set(form.changed_data))
        brief_mentions_suggest(actor=actor, brief=brief, text_changed=text_changed)
        # The revision keeps the brief with its inlines and links as they now stand.
        brief_revision_record(actor=actor, brief=brief)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not BriefAuthor or change:
            super().save_formset(request, form, formset, change)
            return
        # brief_create made the writer the first author; the rows add co-authors after them.
        brief = form.instance
        taken = set(BriefAuthor.objects.filter(brief=brief).values_list("author_id", flat=True))
        for byline in formset.save(commit=False):
            if byline.author_id in taken:
                continue
            byline.position = len(taken)
            byline.save()
            taken.add(byline.author_id)

    def _brief_or_404(self, request: HttpRequest, object_id: int) -> Brief:
        brief = self.get_object(request, str(object_id))
        if brief is None:
            raise Http404("No such brief.")
        return brief

    def _report_form_errors(self, request: HttpRequest, form: forms.Form) -> None:
        """The change page's small action forms report their problems as messages."""
        for errors in form.errors.values():
            self.message_user(request, " ".join(map(str, errors)), level=messages.ERROR)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        # Actions answer POST only; the two pages a browser opens answer GET.
        actions: list[tuple[str, Callable[..., HttpResponse], str]] = [
            ("preview/", self.preview_view, "preview"),
            ("<int:object_id>/workflow/", self.transition_view, "transition"),
            ("<int:object_id>/presence/", self.presence_view, "presence"),
            (
                "<int:object_id>/preview-links/",
                self.preview_link_create_view,
                "preview_link_create",
            ),
            (
                "<int:object_id>/preview-links/<int:link_id>/revoke/",
                self.preview_link_revoke_view,
                "preview_link_revoke",
            ),
        ]
        pages: list[tuple[str, Callable[..., HttpResponse], str]] = [
            ("import/", self.import_view, "import"),
            ("<int:object_id>/preview/", self.preview_page_view, "preview_page"),
        ]
        return [
            *(
                path(route, self.admin_site.admin_view(require_POST(view)), name=f"{info}_{name}")
                for route, view, name in actions
            ),
            *(
                path(route, self.admin_site.admin_view(view), name=f"{info}_{name}")
                for route, view, name in pages
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The live preview: the posted text rendered as a fragment of the client's page."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        form = PreviewForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(
                f"{field}: {' '.join(str(error) for error in errors)}"
                for field, errors in form.errors.items()
            )
            return HttpResponseBadRequest(
                f"The preview could not be made: {problems}",
                content_type="text/plain; charset=utf-8",
            )
        data = form.cleaned_data
        reading = brief_reading_draft(
            brief=data["brief"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            kind=data["kind"] or BriefKind.ANALYSIS,
            author=acting_user(request),
        )
        flags = estimative_flags(data["body"], scale=active_scale())
        links = brief_links(
            brief=data["brief"], title=data["title"], summary=data["summary"], body=data["body"]
        )
        response = TemplateResponse(
            request,
            "briefs/preview.html",
            {"brief": reading, "flags": flags, "scale": active_scale(), "links": links},
        )
        response["X-Robots-Tag"] = "noindex"
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a document and get a draft brief: what `manage.py import_brief` does."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload: UploadedFile = form.cleaned_data["document"]
            # The reader works on files and names problems by file name: keep the writer's.
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(upload.name or "document").name
                with path.open("wb") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
                try:
                    document = read_document(path)
                except DocumentError as error:
                    form.add_error("document", str(error))
            if not form.errors:
                author = acting_user(request)
                brief = brief_create(
                    actor=author,
                    title=document.title,
                    body=document.body,
                    authors=[author],
                    record_revision=False,
                )
                brief_mentions_suggest(actor=author, brief=brief)
                brief_revision_record(actor=author, brief=brief)
                self.message_user(
                    request, f"Imported {path.name} as a draft brief: check it, then link entities."
                )
                return redirect("admin:briefs_brief_change", brief.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a document",
            "form": form,
        }
        return TemplateResponse(request, "admin/briefs/brief/import.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        brief = self.get_object(request, object_id)
        workflow_context = {}
        if brief is not None:
            workflow_context = {
                "workflow_actions": actions_available(
                    status=brief.status, role=user_role(acting_user(request))
                ),
                "workflow_brief": brief,
                "time_zone": timezone.get_current_timezone_name(),
                "others_editing": brief_editors_heartbeat(
                    brief_id=brief.pk, user=acting_user(request)
                ),
                "preview_links": preview_links_of(brief),
                "now_for_links": timezone.now(),
                "may_share_previews": user_role(acting_user(request)) in EDITOR_ROLES,
                # Read only when the page is drawn: a save that succeeds redirects instead.
                "estimative": SimpleLazyObject(partial(brief_estimative_review, brief)),
                "scale": active_scale(),
            }
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **workflow_context}
        )

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Apply one workflow action from the change page; refusals come back as messages."""
        brief = self._brief_or_404(request, object_id)
        actor = acting_user(request)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            self._report_form_errors(request, form)
            return redirect("admin:briefs_brief_change", brief.pk)
        data = form.cleaned_data
        action = Action(data["action"])
        try:
            match action:
                case Action.SUBMIT:
                    workflow.brief_submit(actor=actor, brief=brief)
                case Action.REQUEST_CHANGES:
                    workflow.brief_request_changes(actor=actor, brief=brief, reason=data["reason"])
                case Action.APPROVE:
                    workflow.brief_approve(
                        actor=actor,
                        brief=brief,
                        override_reason=data["reason"],
                        flags_acknowledged_for=(
                            data["flags_revision"] if data["acknowledge_flags"] else None
                        ),
                    )
                case Action.SCHEDULE:
                    if data["publish_at"] is None:
                        raise workflow.TransitionRefused("Give the date and time to publish.")
                    workflow.brief_schedule(actor=actor, brief=brief, publish_at=data["publish_at"])
                case Action.UNSCHEDULE:
                    workflow.brief_unschedule(actor=actor, brief=brief)
                case Action.PUBLISH:
                    workflow.brief_publish(
                        actor=actor, brief=brief, correction_note=data["correction_note"]
                    )
                case Action.WITHDRAW:
                    workflow.brief_withdraw(actor=actor, brief=brief, reason=data["reason"])
                case Action.REOPEN:
                    workflow.brief_reopen(actor=actor, brief=brief)
                case Action.RETRACT:
                    workflow.brief_retract(actor=actor, brief=brief, notice=data["reason"])
                case Action.ARCHIVE:
                    workflow.brief_archive(actor=actor, brief=brief)
                case _:
                    raise workflow.TransitionRefused("That action is done by the scheduler.")
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), level=messages.ERROR)
        else:
            brief.refresh_from_db()
            status = brief.get_status_display().lower()
            self.message_user(request, f"{TRANSITIONS[action].label}: the brief is now {status}.")
        return redirect("admin:briefs_brief_change", brief.pk)

    def presence_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The edit page's heartbeat: I still have it open; who else does?"""
        brief = self._brief_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, brief):
            raise Http404("No such brief.")
        others = brief_editors_heartbeat(brief_id=brief.pk, user=acting_user(request))
        return JsonResponse({"others": others})

    def preview_link_create_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """An editor makes an expiring link; its URL is shown this once and never stored."""
        brief = self._brief_or_404(request, object_id)
        actor = acting_user(request)
        if user_role(actor) not in EDITOR_ROLES:
            raise PermissionDenied
        form = PreviewLinkForm(request.POST)
        if not form.is_valid():
            self._report_form_errors(request, form)
            return redirect("admin:briefs_brief_change", brief.pk)
        link, token = preview_link_create(
            actor=actor,
            brief=brief,
            label=form.cleaned_data["label"],
            valid_for=datetime.timedelta(days=form.cleaned_data["days"]),
        )
        url = settings.SITE_URL + reverse("portal:preview-link", args=[token])
        self.message_user(
            request,
            f"Preview link for {link.label or 'a reader'}, valid until "
            f"{localtime(link.expires_at):%d %b %Y %H:%M %Z}. Copy it now, it is shown only "
            f"once: {url}",
        )
        return redirect("admin:briefs_brief_change", brief.pk)

    def preview_link_revoke_view(
        self, request: HttpRequest, object_id: int, link_id: int
    ) -> HttpResponse:
        brief = self._brief_or_404(request, object_id)
        link = brief.preview_links.filter(pk=link_id).first()
        if link is None:
            raise Http404("No such preview link.")
        actor = acting_user(request)
        if user_role(actor) not in EDITOR_ROLES:
            raise PermissionDenied
        preview_link_revoke(actor=actor, link=link)
        self.message_user(request, "The preview link no longer works.")
        return redirect("admin:briefs_brief_change", brief.pk)

    def preview_page_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The saved brief on a page of its own, styled as clients will read it."""
        brief = self._brief_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, brief):
            raise PermissionDenied
        response = TemplateResponse(
            request,
            "admin/briefs/brief/preview_page.html",
            {
                "brief": brief_reading(brief),
                "status": brief.get_status_display(),
                "published": brief.status == BriefStatus.PUBLISHED,
                "change_url": reverse("admin:briefs_brief_change", args=[brief.pk]),
            },
        )
        response["X-Robots-Tag"] = "noindex"
        return response


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("title", "slug")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
