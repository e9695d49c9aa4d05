import datetime

import factory
from django.utils import timezone

from klynge.surveys.models import Option, Question, QuestionKind, Survey, SurveyStatus


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    title = factory.Sequence(lambda n: {"da": f"Undersøgelse {n}", "en": f"Survey {n}"})
    languages = ["da", "en"]
    default_language = "da"
    year = 2025


class OpenSurveyFactory(SurveyFactory):
    status = SurveyStatus.OPEN
    opened_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = QuestionKind.TEXT
    text = factory.Sequence(lambda n: {"da": f"Spørgsmål {n}", "en": f"Question {n}"})


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(lambda n: n)
    value = factory.Sequence(lambda n: f"option-{n}")
    text = factory.Sequence(lambda n: {"da": f"Valg {n}", "en": f"Option {n}"})
