"""Fixtures of the communities tests (the shared ones live in tests/conftest.py)."""

import pytest
from django.test import Client


@pytest.fixture
def login(db):
    """login(person) → a fresh test client logged in as that person."""

    def make(person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return make
