"""Demo people for `manage.py seed_demo`: idempotent, passwords reset on every run."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "praxis-demo"  # noqa: S105 -- published demo logins, printed by make run

DEMO_PEOPLE = [
    {
        "email": "admin@example.com",
        "display_name": "Alex Admin",
        "organization": "Praxis Hosting Cooperative",
        "discipline": "Systems administration",
        "sector": User.Sector.NON_PROFIT,
        "bio": "Keeps this installation running.",
        "is_staff": True,
        "is_superuser": True,
    },
    {
        "email": "organizer@example.com",
        "display_name": "Olivia Organizer",
        "organization": "Regional Education Authority",
        "discipline": "Teacher professional development",
        "sector": User.Sector.PUBLIC,
        "bio": "Launches communities where teachers learn from each other's classrooms.",
        "language": "en",
    },
    {
        "email": "facilitator@example.com",
        "display_name": "Farid Facilitator",
        "organization": "Université de Lyon",
        "discipline": "Mathematics education research",
        "sector": User.Sector.ACADEMIC,
        "bio": "Facilitates exchanges between researchers and practising teachers.",
        "language": "fr",
    },
    {
        "email": "member@example.com",
        "display_name": "Maya Member",
        "organization": "Lycée Jean Moulin",
        "discipline": "Secondary mathematics teaching",
        "sector": User.Sector.PUBLIC,
        "bio": "Teaches algebra to fifteen-year-olds and experiments with group work.",
    },
    {
        "email": "outsider@example.com",
        "display_name": "Oscar Outsider",
        "organization": "Northwind Consulting",
        "discipline": "Urban planning",
        "sector": User.Sector.PRIVATE,
        "bio": "Curious about how other professions share practice.",
    },
]


@transaction.atomic
def seed_people() -> list[User]:
    """Create or refresh the demo accounts, each with a verified primary email."""
    people = []
    for spec in DEMO_PEOPLE:
        fields = {key: value for key, value in spec.items() if key != "email"}
        user, _created = User.objects.update_or_create(email=spec["email"], defaults=fields)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        people.append(user)
    return people
