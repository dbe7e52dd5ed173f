from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import PasswordResetForm

urlpatterns = [
    # The firm's pages first: the questionnaire page is the busiest route.
    path("app/", include("assessments.urls")),
    path("app/", include("assessments.agencies.urls")),
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("methodology/", views.methodology, name="methodology"),
    path("privacy/", views.privacy, name="privacy"),
    path("policy-examples/", views.policy_examples, name="policy_examples"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/two-step/", views.second_factor, name="second_factor"),
    path("accounts/two-step/code/", views.second_factor_verify, name="second_factor_verify"),
    path("accounts/confirm-email/send/", views.resend_confirmation, name="resend_confirmation"),
    path("accounts/confirm-email/<str:token>/", views.confirm_email, name="confirm_email"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            email_template_name="emails/password_reset.txt",
            subject_template_name="emails/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),  # the switcher in the menu
    path("admin/", admin.site.urls),
    path("api/v1/", include("assessments.agencies.api.urls")),  # agencies' read-only API
]
