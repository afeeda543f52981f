from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.services import user_create
from companies.models import Company, RoleTrack

DEMO_PASSWORD = "mockloop-demo"

DEMO_ACCOUNTS = [
    {"username": "ada", "display_name": "Ada (demo candidate)", "kind": "candidate",
     "companies": ["openai", "anthropic"], "level": "senior", "track": "ml-systems-engineer",
     "time_zone": "Europe/London"},
    {"username": "grace", "display_name": "Grace (demo candidate)", "kind": "candidate",
     "companies": ["openai", "meta"], "level": "staff", "track": "ml-engineer",
     "time_zone": "America/New_York"},
    {"username": "coach", "display_name": "Coach Kim (demo coach)", "kind": "coach",
     "companies": [], "level": "principal", "track": None, "time_zone": "UTC"},
]


class Command(BaseCommand):
    help = "Create two demo candidates and a demo coach (idempotent) and print their logins."

    def handle(self, *args, **options):
        User = get_user_model()
        for spec in DEMO_ACCOUNTS:
            user = User.objects.filter(username=spec["username"]).first()
            if user is None:
                profile = user_create(
                    username=spec["username"], email=f"{spec['username']}@demo.mockloop.local",
                    password=DEMO_PASSWORD, kind=spec["kind"],
                    display_name=spec["display_name"],
                )
                profile.target_level = spec["level"]
                profile.time_zone = spec["time_zone"]
                profile.role_track = RoleTrack.objects.filter(slug=spec["track"]).first()
                profile.save(update_fields=["target_level", "time_zone", "role_track"])
                profile.target_companies.set(Company.objects.filter(slug__in=spec["companies"]))
            self.stdout.write(f"  {spec['kind']:<10} login: {spec['username']:<8} "
                              f"password: {DEMO_PASSWORD}")
