"""Template tags for the workflow panel of the brief's change page."""

from dataclasses import dataclass

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from advisory.briefs.models import Brief
from advisory.workflow.selectors import (
    CommentThread,
    Paragraph,
    brief_comment_threads,
    brief_paragraphs,
    may_comment,
)

register = template.Library()


@dataclass(frozen=True)
class CommentsPanel:
    threads: list[CommentThread]
    paragraphs: list[Paragraph]
    may_comment: bool

    @property
    def open_count(self) -> int:
        return sum(not thread.is_resolved for thread in self.threads)


@register.simple_tag
def brief_comments(brief: Brief, user: AbstractBaseUser | AnonymousUser) -> CommentsPanel:
    """The brief's comment threads and the paragraphs a new thread may anchor to.

    Loaded here, not by the admin's change view, so that the panel is one include.
    """
    return CommentsPanel(
        threads=brief_comment_threads(brief),
        paragraphs=brief_paragraphs(brief.body),
        may_comment=may_comment(user),
    )
