import html
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from plans import services
from plans.models import Day, DayNote, NoteVisibility
from plans.report_selectors import notes_visible_to
from plans.selectors import plan_horizon
from tests.factories import DietitianFactory, DietitianLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(link):
    return services.day_get_or_create(user=link.client, on=timezone.localdate(), editor=link.client)


@pytest.fixture
def notes(link, day):
    shared = services.day_note_add(
        day=day, author=link.dietitian, visibility="shared", text="More pumpkin seeds."
    )
    private = services.day_note_add(
        day=day, author=link.dietitian, visibility="private", text="Suspect low intake."
    )
    return shared, private


def _note_url(link, day):
    return reverse("reports:note_add", args=[link.client.pk, day.date.isoformat()])


def test_the_client_sees_shared_notes_on_their_day_and_never_private_ones(client, link, day, notes):
    client.force_login(link.client)
    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert "More pumpkin seeds." in page
    assert "From your dietitian" in page
    assert "Suspect low intake." not in page
    # No form for the client: notes are the dietitian's.
    assert _note_url(link, day) not in page


def test_another_dietitian_of_the_same_client_never_reads_the_private_note(link, day, notes):
    colleague = DietitianLinkFactory(client=link.client).dietitian
    visible = {n.text for n in notes_visible_to(user=colleague, days=[day])}
    assert visible == {"More pumpkin seeds."}
    assert {n.text for n in notes_visible_to(user=link.dietitian, days=[day])} == {
        "More pumpkin seeds.",
        "Suspect low intake.",
    }


def test_the_dietitian_adds_a_note_and_gets_the_notes_fragment(client, link, day):
    client.force_login(link.dietitian)
    response = client.post(
        _note_url(link, day),
        {"text": "Try soaking the oats.", "visibility": "private"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="dietitian-notes"')
    assert "Try soaking the oats." in body
    assert "Private: only you" in body
    note = DayNote.objects.get()
    assert (note.author, note.visibility, note.day) == (link.dietitian, "private", day)
    # A private note is the dietitian's working note: not in the client's access log.
    assert AccessLog.objects.filter(client=link.client, action="edit").count() == 0


def test_a_blank_note_is_422_with_the_field_error(client, link, day):
    client.force_login(link.dietitian)
    response = client.post(
        _note_url(link, day), {"text": "  ", "visibility": "shared"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert b"field-has-error" in response.content
    assert not DayNote.objects.exists()
    # Without JavaScript the page around the form comes back, not a bare fragment.
    response = client.post(_note_url(link, day), {"text": "", "visibility": "shared"})
    assert response.status_code == 422
    assert b"<html" in response.content


def test_without_javascript_a_note_redirects_back(client, link, day):
    client.force_login(link.dietitian)
    response = client.post(_note_url(link, day), {"text": "Good day.", "visibility": "shared"})
    assert response.status_code == 302
    assert response["Location"].endswith("#dietitian-notes")


def test_unlinked_and_revoked_dietitians_and_the_client_cannot_write_notes(client, link, day):
    url = _note_url(link, day)
    data = {"text": "Hello", "visibility": "shared"}
    client.force_login(DietitianFactory())
    assert client.post(url, data).status_code == 404
    client.force_login(link.client)  # the client is not their own dietitian
    assert client.post(url, data).status_code == 404
    link.revoked_at = timezone.now()
    link.save()
    client.force_login(link.dietitian)
    assert client.post(url, data).status_code == 404
    assert not DayNote.objects.exists()


def test_the_service_refuses_an_unlinked_author(day):
    with pytest.raises(ValidationError):
        services.day_note_add(
            day=day, author=DietitianFactory(), visibility=NoteVisibility.SHARED, text="x"
        )


def test_only_the_author_deletes_a_note(client, link, day, notes):
    shared, _ = notes
    colleague = DietitianLinkFactory(client=link.client).dietitian
    url = reverse("reports:note_delete", args=[link.client.pk, shared.pk])
    client.force_login(colleague)
    assert client.post(url).status_code == 404
    client.force_login(link.client)
    assert client.post(url).status_code == 404
    client.force_login(link.dietitian)
    assert client.post(url, HTTP_HX_REQUEST="true").status_code == 200
    assert list(DayNote.objects.values_list("text", flat=True)) == ["Suspect low intake."]


def test_a_note_cannot_be_deleted_through_another_clients_url(client, link, day, notes):
    other = DietitianLinkFactory(dietitian=link.dietitian)
    client.force_login(link.dietitian)
    url = reverse("reports:note_delete", args=[other.client.pk, notes[0].pk])
    assert client.post(url).status_code == 404
    assert DayNote.objects.count() == 2


def test_the_linked_dietitian_writes_notes_on_the_clients_day_page(client, link, day, notes):
    client.force_login(link.dietitian)
    page = client.get(reverse("clients:day", args=[link.client.pk, day.date.isoformat()]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Your notes on this day" in body
    assert _note_url(link, day) in body
    assert "Suspect low intake." in body
    assert "More pumpkin seeds." in body
    colleague = DietitianLinkFactory(client=link.client).dietitian
    client.force_login(colleague)
    body = client.get(
        reverse("clients:day", args=[link.client.pk, day.date.isoformat()])
    ).content.decode()
    assert "More pumpkin seeds." in body
    assert "Suspect low intake." not in body


@pytest.mark.parametrize("outside", ["before birth", "too far ahead"])
def test_a_note_on_a_day_outside_the_plan_is_422_and_creates_nothing(client, link, outside):
    if outside == "before birth":
        on = date(1900, 1, 1)
        message = f"That day is before {link.client.name}'s date of birth."
    else:
        on = plan_horizon(timezone.localdate()) + timedelta(days=1)
        message = f"Plans reach two years ahead, to {plan_horizon(timezone.localdate()):%-d %b %Y}."
    url = reverse("reports:note_add", args=[link.client.pk, on.isoformat()])
    data = {"text": "a", "visibility": "shared"}
    client.force_login(link.dietitian)
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert body.lstrip().startswith('<section id="dietitian-notes"')
    assert message in body
    assert "your date of birth" not in body  # the dietitian is not the one born then
    # Without JavaScript the page around the form comes back.
    response = client.post(url, data)
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert b"<html" in response.content
    assert not Day.objects.filter(plan__owner=link.client).exists()
    assert not DayNote.objects.exists()


def test_a_refused_note_on_an_unplanned_day_leaves_it_unplanned(client, link):
    on = timezone.localdate() + timedelta(days=3)
    url = reverse("reports:note_add", args=[link.client.pk, on.isoformat()])
    client.force_login(link.dietitian)
    response = client.post(url, {"text": " ", "visibility": "shared"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert b"field-has-error" in response.content
    response = client.post(url, {"text": "", "visibility": "shared"})
    assert response.status_code == 422
    assert not Day.objects.filter(plan__owner=link.client).exists()


def test_a_note_the_service_refuses_leaves_no_day_behind(link):
    on = timezone.localdate() + timedelta(days=3)
    with pytest.raises(ValidationError):
        services.day_note_add_on(
            owner=link.client, on=on, author=DietitianFactory(), visibility="shared", text="x"
        )
    assert not Day.objects.filter(plan__owner=link.client).exists()


def test_a_note_on_an_unplanned_day_plans_it(client, link):
    on = timezone.localdate() + timedelta(days=3)
    url = reverse("reports:note_add", args=[link.client.pk, on.isoformat()])
    client.force_login(link.dietitian)
    response = client.post(url, {"text": "Start here.", "visibility": "shared"})
    assert response.status_code == 302
    note = DayNote.objects.get()
    assert (note.day.plan.owner, note.day.date, note.text) == (link.client, on, "Start here.")


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_note_on_a_day_now_outside_the_plan_is_not_deleted_as_none_is_added_there(
    client, link, day, notes, htmx
):
    shared, _ = notes
    # A date of birth corrected later: the noted day now lies before the first birthday.
    link.client.profile.date_of_birth = day.date - timedelta(days=100)
    link.client.profile.save()
    log = AccessLog.objects.count()
    client.force_login(link.dietitian)
    url = reverse("reports:note_delete", args=[link.client.pk, shared.pk])
    response = client.post(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert f"Plans start on {link.client.name}'s first birthday" in body
    if htmx:  # the notes panel, as an add refused on such a day
        assert body.lstrip().startswith('<section id="dietitian-notes"')
    else:
        assert b"<html" in response.content
    assert DayNote.objects.count() == 2
    assert AccessLog.objects.count() == log  # no "deleted a note" row in the client's log
    # The add on the same day says the same.
    response = client.post(
        _note_url(link, day), {"text": "a", "visibility": "shared"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert f"Plans start on {link.client.name}'s first birthday" in html.unescape(
        response.content.decode()
    )
