from typing import Any

from django.core.management.base import BaseCommand

from advisory.demo.loader import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo users, organisations, entities and briefs (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = load_demo(progress=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {DEMO_PASSWORD}):"))
        for user in users:
            self.stdout.write(f"  {user.username:<10} {user.role.label:<14} {user.organisation}")
