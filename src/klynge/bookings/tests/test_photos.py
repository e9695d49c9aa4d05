"""Staff upload several photos per resource (checked like logos: a real PNG, JPEG or WebP image,
not too large), put them in order and describe each; the resource's page shows them."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from klynge.bookings import services
from klynge.bookings.models import ResourcePhoto
from klynge.bookings.validators import PHOTO_MAX_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image_file(name="studio.png", kind="PNG", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 20)).save(buffer, kind)
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=mime[kind])


def upload(client, resource, image, alt_text="Four microphones on a desk"):
    return client.post(
        reverse("bookings:resource_edit", args=[resource.slug]),
        {"section": "photo", "image": image, "alt_text": alt_text},
    )


def test_staff_upload_order_describe_and_remove_photos(
    client, staff, employee, studio, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    assert upload(client, studio, image_file("desk.png"), "The mixing desk").status_code == 302
    assert upload(client, studio, image_file("booth.jpg", "JPEG"), "The booth").status_code == 302
    assert upload(client, studio, image_file("wall.webp", "WEBP"), "The wall").status_code == 302
    assert [p.alt_text for p in studio.photos.all()] == ["The mixing desk", "The booth", "The wall"]
    wall = ResourcePhoto.objects.get(alt_text="The wall")
    edit = reverse("bookings:resource_edit", args=[studio.slug])
    client.post(edit, {"section": "photo_move", "photo": wall.pk, "direction": "up"})
    client.post(edit, {"section": "photo_move", "photo": wall.pk, "direction": "up"})
    client.post(edit, {"section": "photo_text", "photo": wall.pk, "alt_text": "The LED wall"})
    assert [p.alt_text for p in studio.photos.all()] == [
        "The LED wall",
        "The mixing desk",
        "The booth",
    ]
    # Members see them in that order, each described.
    client.force_login(employee)
    html = client.get(studio.get_absolute_url()).content.decode()
    positions = [html.index(f'alt="{text}"') for text in ("The LED wall", "The mixing desk")]
    assert positions == sorted(positions)
    booth = ResourcePhoto.objects.get(alt_text="The booth")
    assert f'src="{booth.image.url}" alt="The booth"' in html
    assert default_storage.exists(booth.image.name)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once committed
        client.post(edit, {"section": "remove_photo", "photo": booth.pk})
    assert [p.alt_text for p in studio.photos.all()] == ["The LED wall", "The mixing desk"]
    assert not default_storage.exists(booth.image.name)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: SimpleUploadedFile("notes.png", b"not an image at all", "image/png"),
            "The photo is not an image Klynge can read.",
        ),
        (lambda: image_file("anim.gif", "GIF"), "The photo must be a PNG, JPEG or WebP image."),
        (
            lambda: image_file("huge.png", size=(8001, 10)),
            "The photo may be at most 8000 × 8000 pixels.",
        ),
        (
            lambda: SimpleUploadedFile("big.jpg", b"\xff" * (PHOTO_MAX_BYTES + 1), "image/jpeg"),
            "The photo is 8.0\xa0MB; it may be at most 8.0\xa0MB.",
        ),
    ],
)
def test_bad_photos_are_refused_with_a_clear_message(client, staff, studio, make, message):
    client.force_login(staff)
    response = upload(client, studio, make())
    assert response.status_code == 400
    assert response.context["photo_form"].errors == {"image": [message]}
    assert ResourcePhoto.objects.count() == 0


def test_a_photo_needs_a_description_and_there_is_a_limit(client, staff, studio):
    client.force_login(staff)
    response = upload(client, studio, image_file(), alt_text="")
    assert response.status_code == 400
    assert response.context["photo_form"].errors == {"alt_text": ["This field is required."]}
    for n in range(services.MAX_PHOTOS):
        services.add_photo(actor=staff, resource=studio, image=image_file(), alt_text=f"Photo {n}")
    response = upload(client, studio, image_file())
    assert response.status_code == 400
    assert response.context["photo_form"].errors == {
        "image": ["A resource has at most 12 photos: remove one first."]
    }
    assert studio.photos.count() == 12


def test_only_staff_manage_photos_and_the_api_lists_them(client, api_client, employee, studio):
    client.force_login(employee)
    assert upload(client, studio, image_file()).status_code == 403
    photo = services.add_photo(
        actor=None, resource=studio, image=image_file(), alt_text="The mixing desk"
    )
    data = api_client(employee).get(f"/api/v1/resources/{studio.pk}").json()
    assert data["photos"] == [{"url": photo.image.url, "alt_text": "The mixing desk"}]


def test_the_resource_page_has_a_constant_query_count(client, studio, django_assert_num_queries):
    services.add_photo(actor=None, resource=studio, image=image_file(), alt_text="One")
    client.get(studio.get_absolute_url())
    with django_assert_num_queries(7):
        client.get(studio.get_absolute_url())
    for n in range(3):
        services.add_photo(actor=None, resource=studio, image=image_file(), alt_text=f"More {n}")
    with django_assert_num_queries(7):
        client.get(studio.get_absolute_url())
