import factory

from klynge.accounts.models import User
from klynge.ecosystem.tests.factories import AffiliationFactory, PersonFactory

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


def user_with_role(role: str, organisation=None, **user_fields) -> User:
    """A user who is `role` of `organisation` (an affiliation through a linked person)."""
    user = UserFactory(**user_fields)
    person = PersonFactory(email=user.email, user=user)
    if organisation is not None:
        AffiliationFactory(person=person, organisation=organisation, role=role)
    return user
