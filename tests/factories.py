"""factory_boy factories shared by every test module."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from tests.conftest import TEST_PASSWORD


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified primary email who can log in with TEST_PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    organization = "Example Organisation"
    discipline = "Teaching"
    sector = User.Sector.PUBLIC

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
