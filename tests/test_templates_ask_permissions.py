"""Templates ask `communities.permissions` about an object; they never re-derive a rule.

A template that writes `"forum.moderate" in access.capabilities or post.author_id == user.pk`
copies a rule that lives in `communities/permissions.py`, and the copy drifts (it once showed
Edit to silenced members). Capabilities alone are fine (`access.can`, `in access.capabilities`);
an object rule is asked through `{% get_permission %}` or a boolean the selector attached.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", ".git", "static", "staticfiles"}

IF_TAG = re.compile(r"{%-?\s*(?:if|elif)\s(.*?)-?%}", re.DOTALL)
CAPABILITY = re.compile(r"\bin\s+access\.capabilities\b|\baccess\.can\b")
OBJECT_COMPARISON = re.compile(
    r"[!=]=\s*(?:request\.)?user\b"  # … == user.pk, != request.user
    r"|\b(?:request\.)?user(?:\.pk|\.id)?\s*[!=]="  # user.pk == …
    r"|\b\w*_by_id\b"  # uploaded_by_id, created_by_id, hidden_by_id…
    r"|\b(?:author|owner|user|uploader)_id\b"
)


def _templates() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.html")
        if "templates" in path.parts and not SKIP.intersection(path.relative_to(ROOT).parts)
    )


def offending_conditions(text: str) -> list[str]:
    return [
        condition.strip()
        for condition in IF_TAG.findall(text)
        if CAPABILITY.search(condition) and OBJECT_COMPARISON.search(condition)
    ]


def test_templates_are_found():
    assert any(path.name == "thread_detail.html" for path in _templates())


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_rederives_an_object_rule(path):
    found = offending_conditions(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(ROOT)} combines a capability with an object comparison; ask "
        f"communities.permissions through {{% get_permission %}} instead: {found}"
    )


@pytest.mark.parametrize(
    "condition",
    [
        '{% if post.author_id == user.pk or "forum.moderate" in access.capabilities %}',
        '{% if "forum.flag" in access.capabilities and post.author_id != user.pk %}',
        '{% if "member.suspend" in access.capabilities and membership.user_id != user.pk %}',
        "{% if access.can and document.uploaded_by_id == request.user.pk %}",
        '{% elif "document.manage" in access.capabilities or folder.created_by_id == user.pk %}',
    ],
)
def test_the_check_catches_a_rederived_rule(condition):
    assert offending_conditions(condition)


@pytest.mark.parametrize(
    "condition",
    [
        '{% if "forum.moderate" in access.capabilities %}',
        "{% if can_edit %}",
        "{% if post.author_id == user.pk %}",
    ],
)
def test_the_check_lets_capabilities_and_answers_through(condition):
    assert not offending_conditions(condition)
