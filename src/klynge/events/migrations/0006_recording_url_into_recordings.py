"""The event's single recording link becomes a recording of the library, with an access level.

It used to be shown to every visitor of the event page and mailed to every registrant, outside
the access levels. It becomes a whole-event recording for the event's registrants (the safe
choice: staff can open it to members or everyone on the event's recordings page).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    Recording = apps.get_model("events", "Recording")
    Recording.objects.bulk_create(
        Recording(event_id=pk, url=url, access="registrants")
        for pk, url in Event.objects.exclude(recording_url="").values_list("id", "recording_url")
    )


def backwards(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    Recording = apps.get_model("events", "Recording")
    for recording in Recording.objects.filter(session__isnull=True).order_by("-id"):
        Event.objects.filter(pk=recording.event_id).update(recording_url=recording.url)


class Migration(migrations.Migration):
    dependencies = [("events", "0005_external_calendars_invitations_feeds")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="event", name="recording_url"),
    ]
