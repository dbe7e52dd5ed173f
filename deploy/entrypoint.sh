#!/bin/sh
# The container's start: with "release" as its command it migrates the database and loads the
# published content (idempotent: unchanged content is skipped), then exits; anything else is
# run as given (gunicorn, db_worker, manage.py ...).
set -eu
if [ "${1:-}" = "release" ]; then
  python manage.py migrate --noinput
  # Every published version, oldest first: the last is the one new assessments take.
  for version in 2026.1 2026.2; do
    python manage.py load_questionnaire "questionnaires/content/readiness-$version.yaml"
  done
  python manage.py load_reference_statistics
  python manage.py load_policy_examples questionnaires/content/policy-examples-2026.1.yaml
  for version in 2026.1 2026.2; do
    python manage.py load_actions "questionnaires/content/actions-$version.yaml"
  done
  python manage.py refresh_peer_statistics
  python manage.py schedule_jobs  # the worker's recurring jobs: peer snapshot, expired exports
  exit 0
fi
exec "$@"
