"""Demo forums for `manage.py seed_demo`: themed forums, real-sounding threads, a long one."""

from django.db import transaction

from accounts.models import User
from communities.models import Community
from forums import services
from forums.models import Forum, Reaction, Thread

FORUMS = {
    "math-teachers": [
        (
            "problem-solving",
            "Problem solving in class",
            "Rich tasks, how they went, what to change.",
        ),
        ("assessment", "Assessment and feedback", "Marking, feedback loops, exams."),
        ("lesson-study", "Lesson study", "Planning, observing and reviewing a lesson together."),
        ("resources", "Resources", "Problems, worksheets and software worth sharing."),
    ],
    "regional-planning": [
        ("local-plans", "Local plans", "Drafting and revising local urban plans."),
        ("heritage", "Heritage constraints", "Listed buildings, protected areas, archaeology."),
        ("environmental-law", "Environmental law", "Cases, rulings and how to avoid conflicts."),
    ],
}

# (forum slug, author email, title, first post, [(author email, reply), …])
THREADS = {
    "math-teachers": [
        (
            "problem-solving",
            "member@example.com",
            "Open-ended tasks with 15-year-olds: how long do you let them struggle?",
            "I tried the **handshake problem** with my Year 10 class. Some groups found the "
            "pattern in 10 minutes, others were still drawing diagrams after 30.\n\n"
            "| group | first idea | time to formula |\n|---|---|---|\n| A | table | 12 min |\n"
            "| B | diagram | 31 min |\n| C | guess | 9 min |\n\n"
            "How do you decide when to step in? @farid-facilitator, you observed this in Lyon?",
            [
                (
                    "facilitator@example.com",
                    "We timed it across six classes: the groups that struggled longest remembered "
                    "the reasoning best a month later. I step in only with a question, never a hint.",
                ),
                (
                    "ines.moreau@example.org",
                    "I give a 'help card' at 15 minutes: a smaller case (4 people) to try first.",
                ),
                (
                    "amina.diallo@example.org",
                    "There is research on *productive struggle* (Kapur) that supports waiting. "
                    "I can share a summary in the resources forum.",
                ),
            ],
        ),
        (
            "assessment",
            "tom.becker@example.org",
            "Feedback without marks: one term later",
            "Our department stopped putting marks on homework in September; comments only. "
            "Students read the feedback more, but parents ask for numbers. Anyone else?",
            [
                (
                    "emma.lefevre@example.org",
                    "We keep a mark in the teacher's book and show it at the end of the unit.",
                ),
                ("member@example.com", "Same here. The trick is a short, specific next step."),
            ],
        ),
        (
            "resources",
            "hugo.bernard@example.org",
            "Free geometry software that works on old laptops",
            "GeoGebra Classic 5 still runs well on 4 GB machines. Here is how we install it:\n\n"
            "```bash\nsudo apt install geogebra\n```\n\nAny lighter alternative?",
            [("samuel.nguyen@example.org", "CaRMetal is lighter but less maintained.")],
        ),
    ],
    "regional-planning": [
        (
            "heritage",
            "organizer@example.com",
            "Solar panels on roofs in a protected area",
            "Three applications this month for solar panels within 500 m of a listed church. "
            "What have the architects of the Bâtiments de France accepted elsewhere?",
            [
                (
                    "nadia.kaci@example.org",
                    "Panels on rear slopes not visible from public space are usually accepted.",
                ),
                (
                    "sarah.cohen@example.org",
                    "We publish a short guide with photos of accepted and refused cases.",
                ),
            ],
        ),
        (
            "environmental-law",
            "paul.fontaine@example.org",
            "Recent ruling on wetlands and local plans",
            "The administrative court annulled a zoning change that ignored a wetland inventory. "
            "Worth a read before your next revision.",
            [("claire.dupont@example.org", "Thanks Paul, we are checking our inventory now.")],
        ),
    ],
}

LONG_THREAD_TITLE = "Weekly lesson study log, 2026"


@transaction.atomic
def seed_forums(communities: list[Community]) -> None:
    """Forums, threads and replies for the demo communities; nothing is added twice."""
    people = {person.email: person for person in User.objects.all()}
    for community in communities:
        for slug, name, description in FORUMS.get(community.slug, []):
            if not Forum.objects.filter(community=community, slug=slug).exists():
                services.create_forum(
                    community,
                    actor=people["organizer@example.com"],
                    name=name,
                    slug=slug,
                    description=description,
                )
        for forum_slug, author, title, body, replies in THREADS.get(community.slug, []):
            if Thread.objects.filter(community=community, title=title).exists():
                continue
            forum = Forum.objects.get(community=community, slug=forum_slug)
            thread = services.start_thread(forum, actor=people[author], title=title, body=body)
            for reply_author, reply_body in replies:
                post = services.reply(thread, actor=people[reply_author], body=reply_body)
                services.toggle_reaction(post, actor=people[author], kind=Reaction.Kind.THUMBS_UP)
    _seed_long_thread(communities, people)
    _seed_question(communities, people)


QUESTION_TITLE = "How do you start a lesson on fractions?"


def _seed_question(communities: list[Community], people: dict[str, User]) -> None:
    """A questions forum of the mathematics network, with a question whose asker marked the
    answer, and the facilitator's summary of the thread."""
    math = next((c for c in communities if c.slug == "math-teachers"), None)
    if math is None or Thread.objects.filter(community=math, title=QUESTION_TITLE).exists():
        return
    forum = Forum.objects.filter(community=math, slug="questions").first()
    if forum is None:
        forum = services.create_forum(
            math,
            actor=people["organizer@example.com"],
            name="Questions",
            slug="questions",
            description="Ask the network; the asker marks the answer that helped.",
            kind=Forum.Kind.QUESTIONS,
        )
    asker, facilitator = people["member@example.com"], people["facilitator@example.com"]
    thread = services.start_thread(
        forum,
        actor=asker,
        title=QUESTION_TITLE,
        body="My Year 7 class switches off as soon as they see a fraction. "
        "How do you open the first lesson?",
    )
    services.reply(
        thread,
        actor=people["ines.moreau@example.org"],
        body="I show them a worksheet of equivalent fractions first.",
    )
    answer = services.reply(
        thread,
        actor=facilitator,
        body="Start with a sharing problem: **three pizzas for four friends**. Let them argue "
        "about fair shares before any notation appears.",
    )
    services.mark_answer(thread, actor=asker, post=answer)
    services.save_summary(
        thread,
        actor=facilitator,
        body="Open with a **fair-sharing problem** (three pizzas, four friends); bring in the "
        "notation only once the class has argued about the shares.",
    )


def _seed_long_thread(communities: list[Community], people: dict[str, User]) -> None:
    math = next((c for c in communities if c.slug == "math-teachers"), None)
    if math is None or Thread.objects.filter(community=math, title=LONG_THREAD_TITLE).exists():
        return
    forum = Forum.objects.get(community=math, slug="lesson-study")
    writers = [
        people[email]
        for email in (
            "facilitator@example.com",
            "member@example.com",
            "ines.moreau@example.org",
            "lucas.martin@example.org",
            "chloe.petit@example.org",
        )
    ]
    thread = services.start_thread(
        forum,
        actor=writers[0],
        title=LONG_THREAD_TITLE,
        body="One post a week: what we planned, what we saw, what we will change.",
    )
    for week in range(1, 46):
        writer = writers[week % len(writers)]
        services.reply(
            thread,
            actor=writer,
            body=f"Week {week}: observed the research lesson on fractions; "
            f"{'students compared strategies aloud' if week % 2 else 'we tried a new launch'}.",
        )
