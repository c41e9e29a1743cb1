"""Factories for tests, one section per app; append, do not rewrite."""

from datetime import date

import factory
from django.utils import timezone

from accounts.models import Profile, Sex, User

# ---- accounts ----

TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can log in with TEST_PASSWORD. No profile: use ProfileFactory for one."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(TEST_PASSWORD)


class ProfileFactory(factory.django.DjangoModelFactory):
    """An onboarded woman born 1 March 1991 (34 on 1 January 2026), no pregnancy or medicines."""

    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    date_of_birth = date(1991, 3, 1)
    sex = Sex.FEMALE
    onboarded_at = factory.LazyFunction(timezone.now)
