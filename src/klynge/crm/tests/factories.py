import datetime

import factory
from django.utils import timezone

from klynge.accounts.tests.factories import UserFactory
from klynge.crm.models import Account, Interaction, InteractionKind, Stage, Task
from klynge.ecosystem.tests.factories import OrganisationFactory


class StaffFactory(UserFactory):
    is_staff = True


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    organisation = factory.SubFactory(OrganisationFactory, membership_status="prospect")
    stage = Stage.IDENTIFIED
    currency = "DKK"


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    kind = InteractionKind.CALL
    occurred_at = factory.LazyFunction(timezone.now)
    summary = factory.Sequence(lambda n: f"Talked about membership {n}")
    author = factory.SubFactory(StaffFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Follow up {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3))
    assignee = factory.SubFactory(StaffFactory)
