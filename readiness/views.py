"""Public pages and sign-up."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import disclosure
from assessments.agencies import selectors as agency_selectors
from assessments.benchmarks import PEER_SCOPES
from questionnaires import selectors as content_selectors
from questionnaires.dma import DIMENSIONS as DMA_DIMENSIONS
from questionnaires.loader import KNOWN_PILLARS
from questionnaires.models import PolicyExample
from questionnaires.scoring import METHOD_VERSION, level_table
from questionnaires.selectors import current_version, version_content

from . import email_confirmation, two_factor
from .forms import SignupForm
from .models import User
from .redirects import safe_next

logger = logging.getLogger(__name__)

PILLAR_TITLES = [
    ("skills", _("Digital skills")),
    ("data", _("Data access and use")),
    ("cyber", _("Cybersecurity")),
    ("ai", _("AI adoption")),
    ("green", _("Green transition")),
]


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """A trivial view: the benchmark's baseline and a load balancer's health check."""
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "readiness/home.html")


def methodology(request: HttpRequest) -> HttpResponse:
    version = current_version()
    content = version_content(version.pk) if version else None
    levels = level_table()
    return render(
        request,
        "readiness/methodology.html",
        {
            "content": content,
            "levels": levels,
            "method_version": METHOD_VERSION,
            "min_group": settings.BENCHMARK_MIN_GROUP,
            "interval_hours": round(settings.PEER_STATISTICS_INTERVAL / 3600, 1),
            "epsilon": settings.BENCHMARK_EPSILON,
            "verified_only": settings.BENCHMARK_VERIFIED_ONLY,
            # A re-assessed firm is in every score's series and in each pillar's and DMA dimension's
            # change series.
            "epsilon_per_release": disclosure.epsilon_per_release(
                settings.BENCHMARK_EPSILON,
                series=2 * len(KNOWN_PILLARS) + 1 + len(DMA_DIMENSIONS),
                groups=len(PEER_SCOPES),
            ),
        },
    )


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {"min_group": settings.BENCHMARK_MIN_GROUP, "retention_days": settings.EXPORT_RETENTION_DAYS}
    return render(request, "privacy.html", context)


def policy_examples(request: HttpRequest) -> HttpResponse:
    """The public catalogue of policy examples, filterable by pillar and by who acts."""
    pillar = request.GET.get("pillar") or None
    actor = request.GET.get("actor") or None
    # Unknown filter values are ignored rather than answered with an empty list.
    pillar = pillar if pillar in KNOWN_PILLARS else None
    actor = actor if actor in PolicyExample.Actor.values else None
    return render(
        request,
        "readiness/policy_examples.html",
        {
            "examples": content_selectors.policy_examples(pillar=pillar, actor=actor),
            "pillar": pillar,
            "actor": actor,
            "pillar_choices": PILLAR_TITLES,
            "actor_choices": PolicyExample.Actor.choices,
        },
    )


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("assessments:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="readiness.backends.EmailBackend")
        _send_confirmation(request, user)
        # An invitation link sends newcomers here with ?next=: they come back to it.
        return redirect(safe_next(request, reverse("assessments:firm_profile")))
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation e-mail: a page with a button, so that a mail scanner opening
    the link confirms nothing; the button confirms."""
    if request.method == "POST":
        try:
            email_confirmation.email_confirm(token)
        except email_confirmation.InvalidConfirmation:
            return render(request, "registration/confirm_email.html", {"invalid": True}, status=400)
        messages.success(request, _("Thank you: your e-mail address is confirmed."))
        return redirect("assessments:dashboard" if request.user.is_authenticated else "login")
    return render(request, "registration/confirm_email.html", {"token": token})


@require_POST
@login_required
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    if request.user.email_confirmed_at is not None:
        messages.info(request, _("Your e-mail address is already confirmed."))
    else:
        try:
            sent = _send_confirmation(request, request.user)
        except email_confirmation.SentTooRecently:
            messages.warning(request, _("A link went out a moment ago: please check your inbox (and spam folder)."))
        else:
            if sent:
                messages.success(
                    request,
                    _("We have sent you a new link. It works for %(days)d days.")
                    % {"days": email_confirmation.EMAIL_CONFIRMATION_DAYS},
                )
    return redirect(safe_next(request, reverse("assessments:dashboard")))


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up (or remove) the second step of signing in: a code from an authenticator app."""
    user = request.user
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        device = two_factor.pending_device(user)
        if action == "start":
            two_factor.enrolment_start(user)
        elif action == "confirm" and device is not None:
            codes = two_factor.enrolment_confirm(request, device, request.POST.get("code", ""))
            if codes is not None:
                messages.success(request, _("Two-step sign-in is on."))
                context = {"codes": codes, "next": safe_next(request, "")}
                return render(request, "registration/second_factor_codes.html", context)
            error = _("That code is not right. Check the time on your phone, and type the newest code.")
        elif action == "remove" and two_factor.has_second_factor(user):
            if required_by := agency_selectors.agencies_requiring_second_factor(user):
                error = _("%(agencies)s requires two-step sign-in of its advisors: it cannot be turned off.") % {
                    "agencies": ", ".join(required_by)
                }
            elif not user.check_password(request.POST.get("password", "")):
                error = _("That is not your password.")
            else:
                two_factor.second_factor_remove(user)
                messages.success(request, _("Two-step sign-in is off."))
                return redirect("second_factor")
        else:
            return HttpResponse(status=400)  # a tampered or stale form: nothing changed
    device = two_factor.pending_device(user)
    context = {
        "enrolled": two_factor.has_second_factor(user),
        "error": error,
        "next": safe_next(request, ""),
        "device": device,
        "qr_code": two_factor.qr_code_svg(device) if device else "",
        "secret": two_factor.secret_text(device) if device else "",
    }
    return render(request, "registration/second_factor.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a backup code."""
    if not request.user.is_authenticated:
        return redirect("login")
    if not two_factor.has_second_factor(request.user):
        return redirect(safe_next(request, reverse("assessments:dashboard")))
    error = None
    if request.method == "POST":
        if two_factor.second_factor_verify(request, request.POST.get("code", "")):
            return redirect(safe_next(request, reverse("assessments:dashboard")))
        error = _("That code is not right, or was used already. Try the newest code from your app.")
    context = {"error": error, "next": safe_next(request, "")}
    return render(request, "registration/second_factor_verify.html", context, status=400 if error else 200)


def _send_confirmation(request: HttpRequest, user: User) -> bool:
    """Send the confirmation link; a mail server that fails costs the person nothing but a message
    (the account stays, and the notice's button tries again)."""
    try:
        email_confirmation.confirmation_send(user=user, base_url=request.build_absolute_uri("/"))
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send the confirmation e-mail to user %s", user.pk)
        User.objects.filter(pk=user.pk).update(email_confirmation_sent_at=None)  # let them retry at once
        messages.warning(
            request, _("We could not send the confirmation e-mail just now. Try again with the button on the page.")
        )
        return False
    return True


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """What django-axes answers to a login attempt on a locked account: 429, and what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie and redirect), and the account remembers the choice."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES) and request.user.language != language:
        request.user.language = language
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
