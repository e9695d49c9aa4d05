from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.ecosystem.models import Affiliation, Organisation
from klynge.events.selectors import get_event_for_user, get_manageable_event
from klynge.meetings import selectors, services
from klynge.meetings.calendar import agenda_ics
from klynge.meetings.forms import CancelForm, MoveForm, OptInForm, RequestForm, SessionForm
from klynge.meetings.models import FollowUp, MatchmakingSession, Meeting, Participant


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


def _session(request, pk, **kwargs):
    return selectors.get_session_for_user(request.user, pk)


def _request(request, pk, **kwargs):
    return selectors.get_request_for_user(request.user, pk)


def _me(request, session) -> Participant | None:
    return selectors.participant_for(request.user, session)


def _event_for_staff(request, slug, **kwargs):
    return get_manageable_event(slug)


# --- Participants ---------------------------------------------------------------------------


@permission_required(
    "events.view_event", obj=lambda request, slug: get_event_for_user(request.user, slug)
)
def event_sessions(request, slug, obj):
    sessions = selectors.sessions_of_event(request.user, obj)
    return render(request, "meetings/event_sessions.html", {"event": obj, "sessions": sessions})


@permission_required("meetings.view_session", obj=_session)
def session_detail(request, pk, obj):
    me = _me(request, obj)
    context = {"session": obj, "me": me}
    if me is not None:
        context.update(selectors.requests_of(me))
    return render(request, "meetings/session.html", context)


@permission_required("meetings.opt_in", obj=_session)
def opt_in(request, pk, obj):
    person = selectors.current_person(request.user)
    if person is None:
        messages.error(request, _("Your login is not linked to a person in the directory."))
        return redirect("meetings:session", obj.pk)
    me = _me(request, obj)
    organisations = Organisation.objects.filter(
        pk__in=Affiliation.objects.current().filter(person=person).values("organisation_id")
    )
    initial = {"slots": list(obj.slots.all())}
    if me is not None:
        initial = {
            "organisation": me.organisation,
            "offers": me.offers,
            "looking_for": me.looking_for,
            "slots": list(me.available_slots.all()),
        }
    form = OptInForm(
        request.POST or None, session=obj, organisations=organisations, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.opt_in(
                actor=request.user,
                session=obj,
                person=person,
                organisation=data["organisation"],
                offers=data["offers"],
                looking_for=data["looking_for"],
                slots=list(data["slots"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("You take part in %(session)s.") % {"session": obj.title})
            return redirect("meetings:participants", obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetings/opt_in.html", {"session": obj, "form": form, "me": me}, status=status
    )


@permission_required("meetings.participate", obj=_session)
def participants(request, pk, obj):
    me = _me(request, obj)
    q = request.GET.get("q", "").strip()[:100]
    people = list(selectors.browse_participants(obj, q=q, exclude=me)[:200])
    context = {"session": obj, "me": me, "people": people, "q": q}
    if request.htmx:
        return render(request, "meetings/_participant_rows.html", context)
    context["recommended"] = selectors.recommended_participants(me)
    return render(request, "meetings/participants.html", context)


@permission_required("meetings.participate", obj=_session)
def request_create(request, pk, participant_pk, obj):
    me = _me(request, obj)
    other = get_object_or_404(
        Participant.objects.select_related("person", "organisation"), session=obj, pk=participant_pk
    )
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_request(
                actor=request.user,
                session=obj,
                sender=me.person,
                recipient=other.person,
                note=form.cleaned_data["note"],
                priority=form.cleaned_data["priority"],
                base_url=_base_url(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Your request is sent to %(name)s.") % {"name": other.person.full_name}
            )
            return redirect("meetings:session", obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/request_form.html",
        {"session": obj, "other": other, "form": form},
        status=status,
    )


def _answer(request, obj, action: str):
    try:
        if action == "accept":
            result = services.accept_request(
                actor=request.user, request=obj, base_url=_base_url(request)
            )
            meeting = Meeting.objects.select_related("slot", "table").filter(request=result).first()
            if meeting is not None:
                messages.success(
                    request,
                    _("Accepted: you meet %(name)s at %(time)s, %(word)s %(table)s.")
                    % {
                        "name": obj.sender.person.full_name,
                        "time": timezone.localtime(
                            meeting.slot.starts_at, obj.session.event.zone
                        ).strftime("%H:%M"),
                        "word": obj.session.table_word,
                        "table": meeting.table,
                    },
                )
            else:
                messages.success(request, _("Accepted. The organiser will schedule the meeting."))
        elif action == "decline":
            services.decline_request(actor=request.user, request=obj, base_url=_base_url(request))
            messages.success(request, _("Declined."))
        else:
            services.withdraw_request(actor=request.user, request=obj)
            messages.success(request, _("Withdrawn."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render(
            request,
            "meetings/refused.html",
            {"session": obj.session, "errors": error.messages},
            status=400,
        )
    return redirect("meetings:session", obj.session_id)


@require_POST
@permission_required("meetings.answer_request", obj=_request)
def request_accept(request, pk, obj):
    return _answer(request, obj, "accept")


@require_POST
@permission_required("meetings.answer_request", obj=_request)
def request_decline(request, pk, obj):
    return _answer(request, obj, "decline")


@require_POST
@permission_required("meetings.withdraw_request", obj=_request)
def request_withdraw(request, pk, obj):
    return _answer(request, obj, "withdraw")


@require_POST
@permission_required("meetings.cancel_request", obj=_request)
def request_cancel(request, pk, obj):
    """Cancels an accepted meeting (either participant, or staff): both are told, the slot,
    seats and table are freed."""
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.cancel_request(
            actor=request.user,
            request=obj,
            reason=form.cleaned_data.get("reason", ""),
            base_url=_base_url(request),
        )
    except ValidationError as error:
        return render(
            request,
            "meetings/refused.html",
            {"session": obj.session, "errors": error.messages},
            status=400,
        )
    messages.success(request, _("The meeting is cancelled; both of you are told by e-mail."))
    return redirect("meetings:session", obj.session_id)


@permission_required("meetings.participate", obj=_session)
def agenda(request, pk, obj):
    me = _me(request, obj)
    meetings = selectors.agenda_of(me)
    now = timezone.now()
    rows = [
        {
            "meeting": m,
            "other": m.request.recipient if m.request.sender_id == me.pk else m.request.sender,
            "follow_up": services.follow_up_token(m, me) if m.slot.ends_at <= now else "",
        }
        for m in meetings
    ]
    ics_url = request.build_absolute_uri(reverse("meetings:agenda_feed", args=[me.agenda_token]))
    return render(
        request,
        "meetings/agenda.html",
        {"session": obj, "me": me, "rows": rows, "ics_url": ics_url, "zone": obj.event.zone},
    )


@public
def agenda_feed(request, token):
    """The agenda as iCalendar behind the participant's secret link (no login: calendar apps)."""
    participant = selectors.participant_by_token(token)
    if participant is None:
        raise Http404
    meetings = selectors.agenda_of(participant)
    body = agenda_ics(meetings, base_url=_base_url(request), name=participant.session.title)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


_ANSWERS = {
    "follow_up": (True, True),
    "met": (True, False),
    "not_met": (False, False),
}


@public
def follow_up(request, token):
    """After the meeting, from the e-mail or the agenda: GET shows the question (with the
    answer the link suggests, `?answer=follow_up|met|not_met`), POST records it. Only POST
    writes, so link scanners and mail prefetchers that open the link record nothing. The link
    is signed for one participant and meeting; answering again changes the answer."""
    found = services.read_follow_up_token(token)
    if found is None:
        return render(request, "meetings/follow_up.html", {"invalid": True}, status=404)
    meeting, participant = found
    context = {
        "meeting": meeting,
        "token": token,
        "suggested": request.GET.get("answer", "") if request.GET.get("answer") in _ANSWERS else "",
        "current": FollowUp.objects.filter(meeting=meeting, participant=participant).first(),
    }
    if request.method != "POST":
        return render(request, "meetings/follow_up.html", context)
    answer = request.POST.get("answer", "")
    if answer not in _ANSWERS:
        return render(
            request, "meetings/follow_up.html", {**context, "bad_answer": True}, status=400
        )
    happened, follow = _ANSWERS[answer]
    try:
        context["current"] = services.record_follow_up(
            actor=request.user if request.user.is_authenticated else None,
            meeting=meeting,
            participant=participant,
            happened=happened,
            follow_up=follow,
        )
    except ValidationError as error:
        return render(
            request, "meetings/follow_up.html", {**context, "errors": error.messages}, status=400
        )
    return render(request, "meetings/follow_up.html", {**context, "recorded": True})


# --- Organisers -----------------------------------------------------------------------------


def _save_session(request, form, session: MatchmakingSession | None, event):
    data = form.cleaned_data
    fields = {name: data[name] for name in SessionForm.Meta.fields}
    if session is None:
        return services.create_session(
            actor=request.user,
            event=event,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            breaks=data["break_list"],
            tables=data["tables"],
            **fields,
        )
    title = fields.pop("title")
    services.update_session(actor=request.user, session=session, title=title, **fields)
    services.set_tables(actor=request.user, session=session, count=data["tables"])
    if data["starts_at"]:
        services.set_slots(
            actor=request.user,
            session=session,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            breaks=data["break_list"],
        )
    return session


@permission_required("meetings.manage_session", obj=_event_for_staff)
def session_create(request, slug, obj):
    form = SessionForm(
        request.POST or None,
        event=obj,
        creating=True,
        initial={"tables": 10, "title": _("B2B meetings")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = _save_session(request, form, None, obj)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The matchmaking session is created."))
            return redirect("meetings:manage", session.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetings/manage/session_form.html", {"form": form, "event": obj}, status=status
    )


def _managed_session(request, pk, **kwargs):
    return get_object_or_404(MatchmakingSession.objects.select_related("event"), pk=pk)


@permission_required("meetings.manage_session", obj=_managed_session)
def session_manage(request, pk, obj):
    form = SessionForm(
        request.POST or None,
        instance=obj,
        event=obj.event,
        creating=False,
        initial={"tables": obj.tables.count()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_session(request, form, obj, obj.event)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The session is saved."))
            return redirect("meetings:manage", obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/manage/session_form.html",
        {"form": form, "event": obj.event, "session": obj, "slots": list(obj.slots.all())},
        status=status,
    )


@permission_required("meetings.manage_session", obj=_managed_session)
def schedule_review(request, pk, obj):
    context = {
        "session": obj,
        "zone": obj.event.zone,
        "move_form": MoveForm(session=obj),
        **selectors.schedule_overview(obj),
    }
    return render(request, "meetings/manage/schedule.html", context)


@permission_required("meetings.manage_session", obj=_managed_session)
def table_plan(request, pk, obj):
    """The printable plan for the day: per slot, who sits at which table."""
    context = {"session": obj, **selectors.table_plan(obj)}
    return render(request, "meetings/manage/plan.html", context)


def _managed_meeting(request, pk, **kwargs):
    return get_object_or_404(
        Meeting.objects.select_related("session__event", "slot", "table"), pk=pk
    )


@require_POST
@permission_required("meetings.manage_session", obj=_managed_meeting)
def meeting_move(request, pk, obj):
    form = MoveForm(request.POST, session=obj.session)
    if form.is_valid():
        try:
            services.move_meeting(
                actor=request.user,
                meeting=obj,
                slot=form.cleaned_data["slot"],
                table=form.cleaned_data["table"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The meeting is moved (draft)."))
    else:
        messages.error(request, _("Choose a slot and a table of this session."))
    return redirect("meetings:schedule", obj.session_id)


@require_POST
@permission_required("meetings.manage_session", obj=_managed_meeting)
def meeting_unplace(request, pk, obj):
    try:
        services.unplace_meeting(actor=request.user, meeting=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The meeting is taken out of the draft; it stays accepted."))
    return redirect("meetings:schedule", obj.session_id)


@require_POST
@permission_required("meetings.manage_session", obj=_managed_session)
def schedule_run(request, pk, obj):
    result = services.run_scheduler(actor=request.user, session=obj, time_limit=10)
    messages.success(
        request,
        _(
            "Draft schedule: %(placed)s meetings placed, weight %(weight)s of at most "
            "%(bound)s (%(ratio)s %%)."
        )
        % {
            "placed": result.placed - result.stats.get("dropped", 0),
            "weight": result.weight,
            "bound": int(result.bound),
            "ratio": f"{100 * result.ratio:.1f}",
        },
    )
    return redirect("meetings:schedule", obj.pk)


@require_POST
@permission_required("meetings.manage_session", obj=_managed_session)
def schedule_publish(request, pk, obj):
    count = services.publish_schedule(actor=request.user, session=obj, base_url=_base_url(request))
    messages.success(
        request, _("Published: %(count)s meetings; everyone gets their agenda.") % {"count": count}
    )
    return redirect("meetings:schedule", obj.pk)
