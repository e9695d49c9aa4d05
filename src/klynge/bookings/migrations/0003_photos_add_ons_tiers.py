"""Photos per resource; add-ons shared between resources, booked at the day's price with the
booking's period (exclusive ones: see 0004); the tier a booking used; the supervisor and the
organisation a waiting-list entry books with.

Existing data is carried over: a resource's single photo becomes its first photo, each add-on is
offered with the resource it belonged to, each booked add-on keeps its current price, and a
booking's tier is the one of the organisation's membership on the booking's day.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import klynge.bookings.validators

HOLDING = ("pending", "confirmed", "offered")


def copy_photos(apps, schema_editor):
    Resource = apps.get_model("bookings", "Resource")
    ResourcePhoto = apps.get_model("bookings", "ResourcePhoto")
    for resource in Resource.objects.exclude(photo=""):
        ResourcePhoto.objects.create(resource=resource, image=resource.photo, alt_text=resource.name)


def copy_add_on_resources(apps, schema_editor):
    AddOn = apps.get_model("bookings", "AddOn")
    for add_on in AddOn.objects.all():
        add_on.resources.add(add_on.resource_id)


def copy_booked_add_ons(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    BookingAddOn = apps.get_model("bookings", "BookingAddOn")
    Through = Booking.add_ons.through
    rows = Through.objects.select_related("booking", "addon")
    BookingAddOn.objects.bulk_create(
        BookingAddOn(
            booking_id=row.booking_id,
            add_on_id=row.addon_id,
            price=row.addon.price,
            exclusive=False,
            start=row.booking.start,
            end=row.booking.end,
            holding=row.booking.status in HOLDING,
        )
        for row in rows
    )


def backfill_tiers(apps, schema_editor):
    """One UPDATE per membership: the bookings of its organisation that start (local time)
    within its dates and have no tier yet get its tier (the earliest membership wins)."""
    import datetime

    from django.utils import timezone

    Booking = apps.get_model("bookings", "Booking")
    Membership = apps.get_model("membership", "Membership")

    def midnight(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    for membership in Membership.objects.order_by("start_date", "id"):
        bookings = Booking.objects.filter(
            organisation_id=membership.organisation_id,
            tier__isnull=True,
            start__gte=midnight(membership.start_date),
        )
        if membership.end_date is not None:
            bookings = bookings.filter(
                start__lt=midnight(membership.end_date + datetime.timedelta(days=1))
            )
        bookings.update(tier_id=membership.tier_id)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_no_overlap_constraint"),
        ("membership", "0001_initial"),
        ("ecosystem", "0004_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Photos.
        migrations.CreateModel(
            name="ResourcePhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "image",
                    models.ImageField(
                        upload_to="bookings/%Y/",
                        validators=[klynge.bookings.validators.validate_photo],
                        verbose_name="photo",
                    ),
                ),
                (
                    "alt_text",
                    models.CharField(
                        help_text="What the photo shows, e.g. “Two microphones and a mixer on a desk”.",
                        max_length=200,
                        verbose_name="description for screen readers",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "resource",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="bookings.resource",
                    ),
                ),
            ],
            options={
                "verbose_name": "photo",
                "verbose_name_plural": "photos",
                "ordering": ["position", "id"],
            },
        ),
        migrations.RunPython(copy_photos, migrations.RunPython.noop),
        migrations.RemoveField(model_name="resource", name="photo"),
        # Add-ons offered with several resources.
        migrations.AddField(
            model_name="addon",
            name="exclusive",
            field=models.BooleanField(
                default=False,
                help_text="A person or a single kit: it cannot serve two bookings that overlap.",
                verbose_name="one booking at a time",
            ),
        ),
        migrations.AddField(
            model_name="addon",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="offered"),
        ),
        migrations.AlterField(
            model_name="addon",
            name="price",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=10, verbose_name="price per booking"
            ),
        ),
        migrations.AddField(
            model_name="addon",
            name="resources",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="bookings.resource", verbose_name="offered with"
            ),
        ),
        migrations.RunPython(copy_add_on_resources, migrations.RunPython.noop),
        migrations.RemoveField(model_name="addon", name="resource"),
        migrations.AlterField(
            model_name="addon",
            name="resources",
            field=models.ManyToManyField(
                blank=True,
                related_name="add_ons",
                to="bookings.resource",
                verbose_name="offered with",
            ),
        ),
        # Booked add-ons with their price and period.
        migrations.CreateModel(
            name="BookingAddOn",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("price", models.DecimalField(decimal_places=2, max_digits=10, verbose_name="price")),
                ("exclusive", models.BooleanField(default=False, editable=False)),
                ("start", models.DateTimeField(editable=False)),
                ("end", models.DateTimeField(editable=False)),
                ("holding", models.BooleanField(default=True, editable=False)),
                (
                    "add_on",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="bookings.addon",
                        verbose_name="add-on",
                    ),
                ),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="booked_add_ons",
                        to="bookings.booking",
                    ),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="membership.invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "booked add-on",
                "verbose_name_plural": "booked add-ons",
                "ordering": ["id"],
                "indexes": [models.Index(fields=["add_on", "start"], name="bookings_bo_add_on__62757b_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("booking", "add_on"), name="bookings_addon_once"),
                    models.CheckConstraint(
                        condition=models.Q(("start__lt", models.F("end"))),
                        name="bookings_addon_ordered",
                    ),
                ],
            },
        ),
        migrations.RunPython(copy_booked_add_ons, migrations.RunPython.noop),
        migrations.RemoveField(model_name="booking", name="add_ons"),
        migrations.AddField(
            model_name="booking",
            name="add_ons",
            field=models.ManyToManyField(
                blank=True,
                related_name="+",
                through="bookings.BookingAddOn",
                to="bookings.addon",
                verbose_name="add-ons",
            ),
        ),
        # The tier a booking used.
        migrations.AddField(
            model_name="booking",
            name="tier",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="membership.tier",
                verbose_name="tier",
            ),
        ),
        migrations.RunPython(backfill_tiers, migrations.RunPython.noop),
        # What a waiting-list entry books with.
        migrations.AddField(
            model_name="waitlistentry",
            name="supervisor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="supervisor",
            ),
        ),
        migrations.AddField(
            model_name="waitlistentry",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="ecosystem.organisation",
                verbose_name="organisation",
            ),
        ),
    ]
