"""factory-boy factories for every model; a test builds only what it needs."""

import factory

from apps.core import roles
from apps.organization.models import Channel, Department, RoleGrant, User


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.LazyAttribute(lambda o: f"Department {o.code}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.LazyAttribute(lambda o: f"Channel {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    role = roles.CONTRIBUTOR
