"""Load the demo data; safe to run again and again."""

from django.core.management.base import BaseCommand
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, seed_people
from assessments.demo import seed_assessments
from communities.demo import seed_communities
from documents.demo import seed_documents
from facilitation.demo import seed_facilitation
from forums.demo import seed_forums


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and data (idempotent)."

    def handle(self, *args, **options) -> None:
        people = seed_people()
        communities = seed_communities({person.email: person for person in people})
        seed_forums(communities)
        seed_documents(communities)
        seed_assessments(communities)
        seed_facilitation(communities)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        for community in communities:
            self.stdout.write(f"  {reverse('community', args=[community.slug])}  {community.name}")
        self.stdout.write("Log in with:")
        for person in people:
            role = " (site staff)" if person.is_staff else ""
            self.stdout.write(f"  {person.email:<26} {DEMO_PASSWORD}{role}")
