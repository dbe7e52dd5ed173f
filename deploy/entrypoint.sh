#!/bin/sh
# The container's start: with "release" as its command it migrates the database and loads the
# published content (idempotent: unchanged content is skipped), then exits; anything else is
# run as given (gunicorn, db_worker, manage.py ...).
set -eu
if [ "${1:-}" = "release" ]; then
  python manage.py migrate --noinput
  python manage.py load_questionnaire questionnaires/content/readiness-2026.1.yaml
  python manage.py load_reference_statistics
  python manage.py load_policy_examples questionnaires/content/policy-examples-2026.1.yaml
  python manage.py load_actions questionnaires/content/actions-2026.1.yaml
  python manage.py refresh_peer_statistics
  python manage.py schedule_jobs  # the worker's recurring jobs: peer snapshot, expired exports
  exit 0
fi
exec "$@"
