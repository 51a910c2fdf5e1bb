from django.db import models
from django.utils.text import slugify


def unique_slug(
    model: type[models.Model], text: str, *, fallback: str, max_length: int = 200
) -> str:
    """A slug for `text` not yet used by `model`: `title`, then `title-2`, `title-3`…"""
    base = slugify(text)[:max_length].strip("-") or fallback
    taken = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, counter = base, 1
    while candidate in taken:
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate
