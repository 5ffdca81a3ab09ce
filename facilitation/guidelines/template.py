"""The starting text of a community's guidelines, in the community's own language.

These are texts the community owns and edits, not interface strings: they are written once in
the community's language when the draft is made, so they live here per language rather than in
the translation catalogue (a French community gets French guidelines whatever the language of
the facilitator who drafted them).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class GuidelinesTemplate:
    body: str
    # The forum thread where members propose changes.
    thread_title: str
    thread_body: str
    # The forum made for that thread when the community has none yet.
    forum_name: str
    forum_slug: str
    forum_description: str


ENGLISH = GuidelinesTemplate(
    body="""\
# Our guidelines

These are the rules of the game of **{name}**. We wrote them together and we change them
together: propose a change in the discussion thread linked from this page.

## Why we are here

{theme}

We come from different organizations, sectors and disciplines. That mix is the point: we learn
from practices that are not our own.

## How we talk to each other

- Be generous and assume good intent. Ask before you judge.
- Speak from your own practice: what you tried, what happened, what you would do differently.
- Disagree with ideas, never with people. No harassment, no personal attacks.
- Write for someone outside your field: explain acronyms and jargon.
- Thank people who help you, and say what came of their advice.

## Sharing and confidentiality

- What is said here stays here unless its author agrees to share it further.
- Do not post personal data about clients, pupils, patients or citizens.
- Share documents you have the right to share, and say where they come from.
- When you reuse an idea from the community, name the people it came from.

## Asking and answering

- No question is too basic. Search first, then ask in the forum that fits.
- When your question is answered, say so: it helps the next person.
- If you are stuck with the platform, use "Ask the facilitators".

## The facilitators' role

The facilitators keep the conversation welcoming and useful: they welcome newcomers, connect
people, moderate when needed, and archive what the community learns. A post that breaks these
guidelines may be hidden; the author is told why.

## Changing these guidelines

Anyone can propose a change in the discussion thread. The facilitators gather the proposals and
publish a new version; every version is kept in the history.
""",
    thread_title="Our guidelines: propose changes",
    thread_body="""\
This thread is where we discuss [our community guidelines]({url}).

Something missing, unclear or no longer right? Propose a change here: quote the part you would
change and say why. The facilitators gather the proposals and publish a new version; every
version is kept in the history.
""",
    forum_name="General",
    forum_slug="general",
    forum_description="Conversations about the community itself.",
)

FRENCH = GuidelinesTemplate(
    body="""\
# Notre charte

Voici les règles du jeu de **{name}**. Nous les avons écrites ensemble et nous les changeons
ensemble : proposez une modification dans la discussion liée depuis cette page.

## Pourquoi nous sommes ici

{theme}

Nous venons d’organisations, de secteurs et de disciplines différents. Ce mélange est tout
l’intérêt : nous apprenons de pratiques qui ne sont pas les nôtres.

## Comment nous échangeons

- Soyez bienveillant et supposez la bonne foi. Demandez avant de juger.
- Parlez depuis votre pratique : ce que vous avez essayé, ce qui s’est passé, ce que vous
  feriez autrement.
- Contestez les idées, jamais les personnes. Pas de harcèlement, pas d’attaques personnelles.
- Écrivez pour quelqu’un d’un autre métier : expliquez les sigles et le jargon.
- Remerciez qui vous aide, et dites ce que son conseil a donné.

## Partage et confidentialité

- Ce qui se dit ici reste ici, sauf si son auteur accepte de le partager plus loin.
- Ne publiez pas de données personnelles sur des usagers, élèves, patients ou citoyens.
- Partagez les documents que vous avez le droit de partager, et indiquez leur origine.
- Quand vous reprenez une idée de la communauté, citez les personnes dont elle vient.

## Demander et répondre

- Aucune question n’est trop simple. Cherchez d’abord, puis demandez dans le forum qui convient.
- Quand on a répondu à votre question, dites-le : cela aide la personne suivante.
- Si vous êtes bloqué avec la plateforme, utilisez « Demander aux animateurs ».

## Le rôle des animateurs

Les animateurs veillent à ce que les échanges restent accueillants et utiles : ils accueillent
les nouveaux membres, mettent les personnes en relation, modèrent si besoin et archivent ce que
la communauté apprend. Un message contraire à cette charte peut être masqué ; son auteur en est
informé.

## Faire évoluer cette charte

Chacun peut proposer une modification dans la discussion. Les animateurs rassemblent les
propositions et publient une nouvelle version ; chaque version est conservée dans l’historique.
""",
    thread_title="Notre charte : proposez des modifications",
    thread_body="""\
Cette discussion sert à faire évoluer [la charte de notre communauté]({url}).

Quelque chose manque, n’est pas clair ou ne convient plus ? Proposez une modification ici :
citez le passage à changer et dites pourquoi. Les animateurs rassemblent les propositions et
publient une nouvelle version ; chaque version est conservée dans l’historique.
""",
    forum_name="Général",
    forum_slug="general",
    forum_description="Les échanges sur la vie de la communauté.",
)

TEMPLATES = {"en": ENGLISH, "fr": FRENCH}


def template_for(language: str) -> GuidelinesTemplate:
    """The template in `language` ("fr", "fr-ca" …), English when there is none."""
    base = (language or "").lower().split("-")[0]
    return TEMPLATES.get(base, ENGLISH)


def default_body(community) -> str:
    """The starting guidelines of a community, with its name and theme filled in."""
    template = template_for(community.language)
    theme = (community.theme or "").strip() or community.name
    return template.body.format(name=community.name, theme=theme)
