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
    """An onboarded woman of 34 today, no pregnancy, kidney disease or medicines."""

    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    # Born on 1 January, so her age is the same on every day of the current year.
    date_of_birth = factory.LazyFunction(lambda: date(timezone.localdate().year - 34, 1, 1))
    sex = Sex.FEMALE
    onboarded_at = factory.LazyFunction(timezone.now)
