"""Demo communities for `manage.py seed_demo`: idempotent, extended by each tool."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from communities import services
from communities.models import Community, Invitation, JoinRequest, Membership

Sector = User.Sector

# (email local part, display name, organization, discipline, sector)
MATH_TEACHERS = [
    (
        "ines.moreau",
        "Inès Moreau",
        "Collège Victor Hugo",
        "Middle-school mathematics",
        Sector.PUBLIC,
    ),
    (
        "tom.becker",
        "Tom Becker",
        "Lycée Jean Moulin",
        "Secondary mathematics teaching",
        Sector.PUBLIC,
    ),
    (
        "amina.diallo",
        "Amina Diallo",
        "Université de Lyon",
        "Didactics of mathematics",
        Sector.ACADEMIC,
    ),
    ("lucas.martin", "Lucas Martin", "École Jules Ferry", "Primary teaching", Sector.PUBLIC),
    ("sofia.rossi", "Sofia Rossi", "MathsForAll", "Non-formal education", Sector.NON_PROFIT),
    ("hugo.bernard", "Hugo Bernard", "EdTech Numérik", "Educational software", Sector.PRIVATE),
    ("chloe.petit", "Chloé Petit", "Collège Victor Hugo", "Special needs education", Sector.PUBLIC),
    (
        "yanis.haddad",
        "Yanis Haddad",
        "Lycée Saint-Exupéry",
        "Secondary mathematics teaching",
        Sector.PRIVATE,
    ),
    ("emma.lefevre", "Emma Lefèvre", "Rectorat de Lyon", "Teacher training", Sector.PUBLIC),
    (
        "noah.garcia",
        "Noah Garcia",
        "Université Grenoble Alpes",
        "Cognitive psychology",
        Sector.ACADEMIC,
    ),
    ("lea.roux", "Léa Roux", "Les Petits Débrouillards", "Science outreach", Sector.NON_PROFIT),
    ("samuel.nguyen", "Samuel Nguyen", "Lycée Jean Moulin", "Statistics teaching", Sector.PUBLIC),
    (
        "julia.schmidt",
        "Julia Schmidt",
        "Goethe-Institut",
        "Language and maths integration",
        Sector.NON_PROFIT,
    ),
    ("omar.benali", "Omar Benali", "École Jules Ferry", "Primary teaching", Sector.PUBLIC),
]
REGIONAL_PLANNING = [
    ("claire.dupont", "Claire Dupont", "Métropole de Lyon", "Urban planning", Sector.PUBLIC),
    ("marc.girard", "Marc Girard", "Commune de Villeurbanne", "Local councillor", Sector.PUBLIC),
    (
        "nadia.kaci",
        "Nadia Kaci",
        "DRAC Auvergne-Rhône-Alpes",
        "Heritage conservation",
        Sector.PUBLIC,
    ),
    (
        "paul.fontaine",
        "Paul Fontaine",
        "Cabinet Fontaine Avocats",
        "Environmental law",
        Sector.PRIVATE,
    ),
    ("eva.muller", "Eva Müller", "Université Lyon 2", "Geography", Sector.ACADEMIC),
    ("karim.said", "Karim Saïd", "Agence d'urbanisme de Lyon", "Transport planning", Sector.PUBLIC),
    ("anne.leroy", "Anne Leroy", "France Nature Environnement", "Biodiversity", Sector.NON_PROFIT),
    (
        "louis.marchand",
        "Louis Marchand",
        "Bouygues Immobilier",
        "Property development",
        Sector.PRIVATE,
    ),
    ("sarah.cohen", "Sarah Cohen", "CAUE du Rhône", "Architecture", Sector.PUBLIC),
    ("victor.blanc", "Victor Blanc", "Commune de Bron", "Local councillor", Sector.PUBLIC),
    ("ines.ferreira", "Inês Ferreira", "Université Lyon 3", "Environmental law", Sector.ACADEMIC),
    (
        "jules.perrin",
        "Jules Perrin",
        "Fondation du patrimoine",
        "Heritage conservation",
        Sector.NON_PROFIT,
    ),
    ("maria.lopez", "María López", "Egis", "Civil engineering", Sector.PRIVATE),
    ("theo.lambert", "Théo Lambert", "SYTRAL Mobilités", "Transport planning", Sector.PUBLIC),
    ("zoe.mercier", "Zoé Mercier", "Habitat et Humanisme", "Housing policy", Sector.NON_PROFIT),
]
PENDING = {
    "math-teachers": [],
    "regional-planning": [
        (
            "helene.roche",
            "Hélène Roche",
            "Parc naturel du Pilat",
            "Landscape ecology",
            Sector.PUBLIC,
            "I coordinate landscape plans for a regional park and would like to compare methods.",
        ),
        (
            "bruno.vidal",
            "Bruno Vidal",
            "Vidal Géomètres",
            "Land surveying",
            Sector.PRIVATE,
            "Surveyor working with several communes on their local plans.",
        ),
    ],
}
INVITED = {
    "math-teachers": ["new.teacher@example.org", "guest.researcher@example.org"],
    "regional-planning": ["mayor.office@example.org"],
}


def _person(local: str, name: str, organization: str, discipline: str, sector: str) -> User:
    user, created = User.objects.get_or_create(
        email=f"{local}@example.org",
        defaults={
            "display_name": name,
            "organization": organization,
            "discipline": discipline,
            "sector": sector,
            "bio": f"{discipline} at {organization}.",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _community(slug: str, organizer: User, **fields) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        community = services.create_community(actor=organizer, slug=slug, **fields)
    return community


@transaction.atomic
def seed_communities(by_email: dict[str, User]) -> list[Community]:
    """Create the two demo communities, their members, pending requests and invitations."""
    organizer = by_email["organizer@example.com"]
    math = _community(
        "math-teachers",
        organizer,
        name="Mathematics Teachers Network",
        theme="Teaching secondary mathematics through problem solving",
        description=(
            "Teachers, teacher trainers and researchers who try **problem-based lessons** and "
            "share what happened in class.\n\n"
            "- one lesson study per term\n- an open library of problems\n- monthly online meetups"
        ),
        visibility=Community.Visibility.PUBLIC,
        join_policy=Community.JoinPolicy.OPEN,
        language="en",
    )
    planning = _community(
        "regional-planning",
        organizer,
        name="Regional Planning Forum",
        theme="Planners, councillors, heritage and environmental specialists of one region",
        description=(
            "A private space to compare local plans, heritage constraints and environmental "
            "law cases before they become conflicts."
        ),
        visibility=Community.Visibility.PRIVATE,
        join_policy=Community.JoinPolicy.REQUEST,
        language="fr",
    )
    services.add_member(math, by_email["facilitator@example.com"], role=Membership.Role.FACILITATOR)
    services.add_member(math, by_email["member@example.com"])
    for spec in MATH_TEACHERS:
        services.add_member(math, _person(*spec))
    services.add_member(
        planning, by_email["facilitator@example.com"], role=Membership.Role.FACILITATOR
    )
    for spec in REGIONAL_PLANNING:
        services.add_member(planning, _person(*spec))

    for community in (math, planning):
        for *spec, message in PENDING[community.slug]:
            person = _person(*spec)
            already = JoinRequest.objects.filter(community=community, user=person).exists()
            if (
                not already
                and not Membership.objects.filter(community=community, user=person).exists()
            ):
                services.request_to_join(community, person, message=message)
        new = [
            email
            for email in INVITED[community.slug]
            if not Invitation.objects.filter(community=community, email=email).exists()
        ]
        services.invite_by_email(community, actor=organizer, emails=new)
    return [math, planning]
