"""Reference statistics: the shipped files, the loader (all or nothing, idempotent), the
indicator links against the questionnaire, and the one-query selector."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from questionnaires.loader import parse_questionnaire_file
from questionnaires.management.commands.load_reference_statistics import (
    DEFAULT_MANIFEST,
    parse_reference_csv,
    reference_statistics_load,
)
from questionnaires.models import ReferenceFigure
from questionnaires.official import (
    EU27,
    IndicatorCatalogue,
    ReferenceDataError,
    official_comparison,
    parse_indicator_catalogue,
    rule_problems,
)
from questionnaires.scoring import CHECKLIST, DONT_KNOW, NONE_OF_THESE, NOT_APPLICABLE
from questionnaires.selectors import INDICATORS_FILE, official_reference_for
from readiness.models import User
from tests.helpers import CONTENT, SHIPPED_QUESTIONNAIRES, shared_folder

REFERENCE = DEFAULT_MANIFEST.parent
SHIPPED_COUNT = 2830 + 80 + 15  # DII export + AI export + our further figures


def catalogue() -> IndicatorCatalogue:
    return parse_indicator_catalogue(yaml.safe_load(INDICATORS_FILE.read_text(encoding="utf-8")), str(INDICATORS_FILE))


def copy_reference(tmp_path: Path) -> Path:
    """A writable copy of the shipped folder; returns its manifest."""
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE, folder)
    return folder / "sources.yaml"


def edit_line(path: Path, line: int, old: str, new: str) -> None:
    # Byte-faithful: the Eurostat exports end lines with CRLF.
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_bytes("".join(lines).encode("utf-8"))


def snapshot() -> list[tuple[object, ...]]:
    return list(
        ReferenceFigure.objects.order_by("pk").values_list("pk", "indic_is", "geo", "year", "value_pct", "vintage")
    )


class TestShippedFiles:
    @pytest.mark.parametrize("name", ["eurostat_isoc_e_dii.csv", "eurostat_isoc_eb_ai_2025.csv"])
    def test_eurostat_exports_are_copied_verbatim(self, name: str) -> None:
        assert (REFERENCE / name).read_bytes() == (shared_folder("reference") / name).read_bytes()

    def test_further_figures_match_the_reference_readme(self) -> None:
        rows = list(csv.DictReader(StringIO((REFERENCE / "eu27_further_figures.csv").read_text(encoding="utf-8"))))
        assert list(rows[0]) == [
            "dataset",
            "indic_is",
            "indicator_label",
            "size_emp",
            "size_label",
            "nace_r2",
            "geo",
            "geo_label",
            "year",
            "value_pct",
            "flag",
            "note",
        ]
        seen = {(r["dataset"], r["indic_is"], r["size_emp"], r["year"]): Decimal(r["value_pct"]) for r in rows}
        assert seen == {
            ("isoc_eb_ai", "E_AI_TANY", "GE10", "2024"): Decimal("13.48"),
            ("isoc_eb_ai", "E_AI_TANY", "GE250", "2024"): Decimal("41.17"),
            ("isoc_cicce_use", "E_CC", "GE10", "2021"): Decimal("41"),
            ("isoc_cicce_use", "E_CC", "GE10", "2023"): Decimal("45.2"),
            ("isoc_ec_eseln2", "E_AESELL", "GE10", "2023"): Decimal("22.9"),
            ("isoc_cisce_ra", "E_SECMGE1", "GE10", "2024"): Decimal("92.76"),
            ("isoc_cisce_ra", "E_SECMSPSW", "GE10", "2024"): Decimal("83.69"),
            ("isoc_cisce_ra", "E_SECMOSBU", "GE10", "2024"): Decimal("79.23"),
            ("isoc_cisce_ra", "E_SECMNAC", "GE10", "2024"): Decimal("65.43"),
            ("isoc_cisce_ra", "E_SECPOL2", "GE10", "2024"): Decimal("35.50"),
            ("isoc_cisce_ra", "E_SECAWANY", "GE10", "2024"): Decimal("59.97"),
            ("isoc_cisce_ic", "SEC_INCIDENT_ANY", "GE10", "2023"): Decimal("21.54"),
            ("ict_env_2022", "ENV_ICT_CHOICE", "GE10", "2022"): Decimal("58.5"),
            ("ict_env_2022", "ENV_ICT_CHOICE", "GE250", "2022"): Decimal("70.2"),
            ("ict_env_2022", "ENV_PAPER_REDUCE", "GE10", "2022"): Decimal("66"),
        }
        assert {r["geo"] for r in rows} == {EU27}
        # Every code the reference README does not give is owned up to in the note.
        for row in rows:
            if row["indic_is"] not in ("E_AI_TANY", "E_CC"):
                assert "INVENTED" in row["note"] or "not in the reference README" in row["note"], row["indic_is"]

    def test_readme_carries_sources_vintage_acknowledgement_and_reuse_terms(self) -> None:
        text = (REFERENCE / "README.md").read_text(encoding="utf-8")
        assert "Source: Eurostat (isoc_e_dii, isoc_eb_ai, isoc_cisce_ra), extracted 2026." in text
        assert "2011/833/EU" in text and "extracted 2026" in text
        assert "**invented**" in text


class TestIndicatorLinks:
    @staticmethod
    def questions_of(path: Path) -> dict[str, set[str]]:
        """A shipped version's question codes -> its choice codes, with the ones the loader adds."""
        questions: dict[str, set[str]] = {}
        for pillar in parse_questionnaire_file(path).pillars:
            for question in pillar.questions:
                codes = {choice.code for choice in question.choices} | {DONT_KNOW}
                if question.kind == CHECKLIST:
                    codes.add(NONE_OF_THESE)
                if question.allow_not_applicable:
                    codes.add(NOT_APPLICABLE)
                questions[question.code] = codes
        return questions

    @pytest.mark.parametrize("name", SHIPPED_QUESTIONNAIRES)
    def test_every_rule_uses_codes_of_each_shipped_version(self, name: str) -> None:
        assert rule_problems(catalogue(), self.questions_of(CONTENT / name)) == []

    def test_every_rule_is_asked_by_some_shipped_version(self) -> None:
        asked = set().union(*(self.questions_of(CONTENT / name) for name in SHIPPED_QUESTIONNAIRES))
        named = {rule.question for _where, rules in catalogue().rules() for rule in rules}
        assert named - asked == set()
        assert sorted(CONTENT.glob("readiness-*.yaml")) == [CONTENT / name for name in SHIPPED_QUESTIONNAIRES]

    def test_every_linked_indicator_has_shipped_figures(self) -> None:
        figures = []
        for name in ("eurostat_isoc_e_dii.csv", "eurostat_isoc_eb_ai_2025.csv", "eu27_further_figures.csv"):
            figures += parse_reference_csv((REFERENCE / name).read_text(encoding="utf-8"), name)
        shipped = {(f.dataset, f.indic_is) for f in figures if f.geo == EU27 and f.size_emp == "GE10"}
        assert catalogue().indicator_keys() <= shipped


@pytest.mark.django_db
class TestLoader:
    def test_loads_every_shipped_figure_with_its_source_columns_and_vintage(self) -> None:
        out = StringIO()
        call_command("load_reference_statistics", stdout=out)
        assert f"loaded {SHIPPED_COUNT} figures from 3 files: {SHIPPED_COUNT} created" in out.getvalue()
        assert ReferenceFigure.objects.count() == SHIPPED_COUNT
        figure = ReferenceFigure.objects.get(indic_is="E_AI_TANY", geo="NL", size_emp="GE10", year=2025)
        assert (figure.dataset, figure.nace_r2, figure.geo_label, figure.value_pct, figure.flag) == (
            "isoc_eb_ai",
            "C10-S951_X_K",
            "Netherlands",
            Decimal("33.21"),
            "b",
        )
        assert (figure.vintage, figure.source_file) == (2026, "eurostat_isoc_eb_ai_2025.csv")
        assert figure.indicator_label.startswith("Enterprises using at least one of the AI technologies")
        assert ReferenceFigure.objects.get(indic_is="E_CC", year=2021).note.startswith("Seen in a Eurostat")

    def test_loading_again_gives_the_same_rows(self) -> None:
        call_command("load_reference_statistics", stdout=StringIO())
        before = snapshot()
        out = StringIO()
        call_command("load_reference_statistics", stdout=out)
        assert f"0 created, 0 updated, 0 deleted, {SHIPPED_COUNT} unchanged" in out.getvalue()
        assert snapshot() == before

    def test_a_changed_file_updates_in_place_and_drops_what_is_gone(self, tmp_path: Path) -> None:
        reference_statistics_load()
        manifest = copy_reference(tmp_path)
        dii = manifest.parent / "eurostat_isoc_e_dii.csv"
        edit_line(dii, 2, ",64.43,", ",64.50,")  # AT 10-249 2021 E_DI3_GELO, revised
        lines = dii.read_bytes().splitlines(keepends=True)
        dii.write_bytes(b"".join(lines[:-1]))  # the last figure is withdrawn
        kept = ReferenceFigure.objects.get(indic_is="E_DI3_GELO", geo="AT", size_emp="10-249", year=2021)
        summary = reference_statistics_load(manifest=manifest)
        assert (summary.created, summary.updated, summary.deleted) == (0, 1, 1)
        kept.refresh_from_db()  # same id, new value
        assert kept.value_pct == Decimal("64.50")
        assert ReferenceFigure.objects.count() == SHIPPED_COUNT - 1

    def test_a_new_vintage_is_recorded(self, tmp_path: Path) -> None:
        reference_statistics_load()
        manifest = copy_reference(tmp_path)
        manifest.write_text(manifest.read_text().replace("vintage: 2026", "vintage: 2027"))
        summary = reference_statistics_load(manifest=manifest)
        assert summary.updated == SHIPPED_COUNT
        assert set(ReferenceFigure.objects.values_list("vintage", flat=True)) == {2027}

    @pytest.mark.parametrize(
        ("line", "old", "new", "reason"),
        [
            (5, ",32.53,", ",3x.53,", "eurostat_isoc_e_dii.csv:5: value_pct '3x.53' is not a number"),
            (5, ",32.53,", ",132.53,", "eurostat_isoc_e_dii.csv:5: value_pct '132.53' is not a percentage"),
            (5, ",32.53,", ",32.531,", "eurostat_isoc_e_dii.csv:5: value_pct '32.531' has more than two decimals"),
            (5, ",2021,", ",21,", "eurostat_isoc_e_dii.csv:5: year 21 is outside 1990-2100"),
            (5, ",10-249,", ",0-9,", "eurostat_isoc_e_dii.csv:5: size_emp '0-9' is not one of"),
            (5, ",BA,", ",,", "eurostat_isoc_e_dii.csv:5: geo '' is not a Eurostat geography code"),
            (5, ",2021,32.53,", ",2021,", "eurostat_isoc_e_dii.csv:5: expected 11 fields, got 10"),
            (5, ",BA,", ",AT,", "eurostat_isoc_e_dii.csv:5: the same figure as line 2"),
            (1, "indic_is,", "indicator,", "eurostat_isoc_e_dii.csv:1: the header must be"),
        ],
    )
    def test_a_malformed_file_is_refused_with_file_line_and_reason(
        self, tmp_path: Path, line: int, old: str, new: str, reason: str
    ) -> None:
        call_command("load_reference_statistics", stdout=StringIO())
        before = snapshot()
        manifest = copy_reference(tmp_path)
        edit_line(manifest.parent / "eurostat_isoc_e_dii.csv", line, old, new)
        # A valid change in another file must not get through either: all or nothing.
        edit_line(manifest.parent / "eurostat_isoc_eb_ai_2025.csv", 2, ",4.98,", ",5.00,")
        err = StringIO()
        with pytest.raises(CommandError, match="not loaded"):
            call_command("load_reference_statistics", "--manifest", str(manifest), stdout=StringIO(), stderr=err)
        assert reason in err.getvalue()
        assert "nothing was loaded" in err.getvalue()
        assert snapshot() == before

    def test_nothing_is_half_loaded_into_an_empty_table(self, tmp_path: Path) -> None:
        manifest = copy_reference(tmp_path)
        edit_line(manifest.parent / "eu27_further_figures.csv", 16, ",66,", ",sixty-six,")
        with pytest.raises(ReferenceDataError) as error:
            reference_statistics_load(manifest=manifest)
        assert error.value.problems == ["eu27_further_figures.csv:16: value_pct 'sixty-six' is not a number"]
        assert ReferenceFigure.objects.count() == 0

    def test_a_figure_in_two_files_is_refused(self, tmp_path: Path) -> None:
        manifest = copy_reference(tmp_path)
        ai_line = (manifest.parent / "eurostat_isoc_eb_ai_2025.csv").read_bytes().splitlines(keepends=True)[1]
        with (manifest.parent / "eu27_further_figures.csv").open("ab") as further:
            further.write(ai_line.rstrip(b"\r\n") + b",copied\r\n")
        with pytest.raises(ReferenceDataError) as error:
            reference_statistics_load(manifest=manifest)
        assert error.value.problems == [
            "eu27_further_figures.csv:17: the same figure as eurostat_isoc_eb_ai_2025.csv:2 "
            "(isoc_eb_ai E_AI_ADOWN GE10 AT 2025)"
        ]
        assert ReferenceFigure.objects.count() == 0

    def test_a_bad_manifest_is_refused(self, tmp_path: Path) -> None:
        manifest = copy_reference(tmp_path)
        manifest.write_text("files:\n  - {file: missing.csv, vintage: 2026}\n  - {file: ../x.csv, vintage: 2026}\n")
        with pytest.raises(ReferenceDataError) as error:
            reference_statistics_load(manifest=manifest)
        assert "'file' must be a file name in the manifest's folder" in str(error.value)
        manifest.write_text("files:\n  - {file: missing.csv, vintage: 2026}\n  - {file: sources.yaml, vintage: 26}\n")
        with pytest.raises(ReferenceDataError) as error:
            reference_statistics_load(manifest=manifest)
        assert "'vintage' must be the year of extraction, got 26" in str(error.value)
        manifest.write_text("files:\n  - {file: missing.csv, vintage: 2026}\n")
        with pytest.raises(ReferenceDataError) as error:
            reference_statistics_load(manifest=manifest)
        assert "missing.csv: cannot read the file" in str(error.value)

    def test_check_writes_nothing(self) -> None:
        out = StringIO()
        call_command("load_reference_statistics", "--check", stdout=out)
        assert f"valid, would give {SHIPPED_COUNT} figures" in out.getvalue()
        assert ReferenceFigure.objects.count() == 0

    def test_admin_shows_the_figures_read_only(self) -> None:
        reference_statistics_load()
        admin = User.objects.create_superuser(email="staff@example.com", password="x")
        client = Client()
        client.force_login(admin)
        response = client.get("/admin/questionnaires/referencefigure/?geo=AT")
        assert response.status_code == 200
        figure = ReferenceFigure.objects.first()
        assert figure is not None
        assert client.get(f"/admin/questionnaires/referencefigure/{figure.pk}/change/").status_code == 200
        assert client.get("/admin/questionnaires/referencefigure/add/").status_code == 403


@pytest.mark.django_db
class TestSelector:
    def test_one_query_for_a_country_and_size_class(self, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        reference_statistics_load()
        official_reference_for(country="AT", size_class="small")  # parses and caches the links
        with django_assert_num_queries(1):
            reference = official_reference_for(country="GR", size_class="medium")
        figures = reference.figures
        assert {f.geo for f in figures} == {"EL", EU27}
        assert {f.size_emp for f in figures} <= {"50-249", "GE10", "10-249"}
        assert not any(f.indic_is.startswith("E_DI4") or f.indic_is == "E_AI_EC" for f in figures)
        assert {(f.dataset, f.indic_is) for f in figures} <= reference.catalogue.indicator_keys()
        assert all(f.vintage == 2026 and isinstance(f.value_pct, float) for f in figures)

    def test_feeds_the_comparison(self) -> None:
        reference_statistics_load()
        reference = official_reference_for(country="AT", size_class="micro")
        assert {f.size_emp for f in reference.figures} == {"GE10", "10-249"}
        rows = official_comparison(
            {"ai.use_kinds": ["text_ai"]}, "AT", "micro", reference.catalogue.links, reference.figures
        )
        ai = rows[0]
        assert (ai.code, ai.you, ai.geo, ai.size_emp, ai.year, ai.value_pct, ai.micro_note) == (
            "ai_use",
            True,
            "AT",
            "GE10",
            2025,
            29.95,
            True,
        )

    def test_empty_table_gives_rows_without_figures(self) -> None:
        reference = official_reference_for(country="AT", size_class="small")
        assert reference.figures == ()
        rows = official_comparison({}, "AT", "small", reference.catalogue.links, reference.figures)
        assert len(rows) == 10 and all(row.figure is None for row in rows)
