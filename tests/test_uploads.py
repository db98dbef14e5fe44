"""Bulk figures: why a row or a file is refused, all-or-nothing saving, one confirmation, the template."""

import csv
import io
import struct
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent
from kpis import services
from kpis.models import (
    Aggregation,
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    Measurement,
    MeasurementSource,
    MeasurementStatus,
    MeasurementUpload,
    PendingEvaluation,
    UploadStatus,
)
from kpis.services import upload_files
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
HEADER = "service_level,measured_on,value,denominator,note"


@pytest.fixture(autouse=True)
def _clock(settings, tmp_path):
    settings.TIME_ZONE = "UTC"
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def levels(vendor_a, vendor_b):
    """Vendor A's availability (%, 0–100) and incident ratio; vendor B's availability."""
    percent = factories.MetricFactory(code="availability", name="Availability", unit="%", max_value=100)
    ratio = factories.MetricFactory(
        code="incidents-in-target", name="Incidents in target", aggregation=Aggregation.RATIO
    )
    sow_a = factories.SOWFactory(vendor=vendor_a, reference="ACME-SOW-1")
    sow_b = factories.SOWFactory(vendor=vendor_b, reference="GLOBEX-SOW-1")
    return {
        "availability": factories.ServiceLevelFactory(
            contract=sow_a, metric=percent, effective_from=date(2025, 1, 1)
        ),
        "ratio": factories.ServiceLevelFactory(contract=sow_a, metric=ratio, target=95, minimum=90),
        "other_vendor": factories.ServiceLevelFactory(contract=sow_b, metric=percent),
    }


def csv_upload(lines, name="figures.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join(lines).encode(encoding), content_type="text/csv")


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check(upload_file, vendor, actor) -> MeasurementUpload:
    return services.upload_check(uploaded_file=upload_file, vendor=vendor, actor=actor, now=NOW)


def good_row(levels, day="2026-06-01", value="99.95"):
    return f"{levels['availability'].pk},{day},{value},,"


def first_row(levels):
    return f"{levels['ratio'].pk},2026-06-02,95,100,"


def messages_by_row(upload) -> dict:
    found = {}
    for error in upload.errors:
        found.setdefault(error["row"], []).append(error["message"])
    return found


# --- A good file ------------------------------------------------------------------------------------------


def test_a_good_csv_is_checked_and_kept_for_the_preview_without_saving(levels, vendor_a, vendor_a_user):
    sl, ratio = levels["availability"], levels["ratio"]
    upload = check(
        csv_upload(
            [
                HEADER,
                f"{sl.pk},2026-06-01,99.95,,From monitoring",
                "ACME-SOW-1/incidents-in-target,2026-06-02,188,200,",
                f"{sl.pk},2026-05-31,99.5,,",
            ]
        ),
        vendor_a,
        vendor_a_user,
    )

    assert upload.status == UploadStatus.VALIDATED
    assert upload.errors == []
    assert [
        (r["row"], r["service_level_id"], r["measured_on"], r["value"], r["denominator"]) for r in upload.rows
    ] == [
        (2, sl.pk, "2026-06-01", "99.95", None),
        (3, ratio.pk, "2026-06-02", "188", "200"),
        (4, sl.pk, "2026-05-31", "99.5", None),
    ]
    assert upload.rows[0]["note"] == "From monitoring"
    assert not Measurement.objects.filter(upload=upload).exists()
    event = AuditEvent.objects.get(action="kpis.measurementupload.checked")
    assert (event.actor, event.vendor_id, event.changes["rows"]) == (vendor_a_user, vendor_a.pk, [None, 3])


def test_semicolons_a_bom_header_case_comments_and_empty_template_rows_are_understood(
    levels, vendor_a, vendor_a_user
):
    sl = levels["availability"]
    text = "\ufeffService_Level;Metric;Measured_On;Value;Note\n# example;x;2026-06-01;1;\n"
    text += f"{sl.pk};Availability;;;\n{sl.pk};Availability;2026-06-03;99.9;\n"
    upload = check(SimpleUploadedFile("f.csv", text.encode("utf-8")), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.VALIDATED, upload.errors
    assert [(r["row"], r["measured_on"]) for r in upload.rows] == [(4, "2026-06-03")]


def test_a_good_xlsx_with_date_cells_and_float_values(levels, vendor_a, vendor_a_user):
    sl = levels["availability"]
    data = xlsx_bytes(
        [
            ["service_level", "measured_on", "value"],
            [sl.pk, datetime(2026, 6, 1), 99.95],
            [float(sl.pk), "2026-06-02", 0.1 + 99.8],  # 99.89999999999999 in binary
        ]
    )
    upload = check(SimpleUploadedFile("figures.xlsx", data), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.VALIDATED, upload.errors
    assert [(r["measured_on"], r["value"]) for r in upload.rows] == [
        ("2026-06-01", "99.95"),
        ("2026-06-02", "99.9"),
    ]


# --- Every bad-row reason ---------------------------------------------------------------------------------


def _settle_march(levels):
    Breach.objects.create(
        service_level=levels["availability"],
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        kind=BreachKind.MISSED_TARGET,
        severity=BreachSeverity.MEDIUM,
        status=BreachStatus.WAIVED,
        closed_at=NOW,
        response_due_at=NOW,
    )


def _deactivate(levels):
    levels["availability"].is_active = False
    levels["availability"].save()


def _record_once(levels):
    Measurement.objects.create(
        service_level=levels["availability"], measured_on=date(2026, 6, 1), value=Decimal("99.95")
    )


BAD_ROWS = [
    ("unknown service level", lambda lv: "999999,2026-06-01,99.9,,", None, "Unknown service level “999999”"),
    (
        "another vendor's service level",
        lambda lv: f"{lv['other_vendor'].pk},2026-06-01,99.9,,",
        None,
        "Unknown service level",
    ),
    ("unknown code", lambda lv: "ACME-SOW-1/nope,2026-06-01,99.9,,", None, "Unknown service level"),
    ("no service level", lambda lv: ",2026-06-01,99.9,,", None, "The service level is missing"),
    ("inactive service level", lambda lv: good_row(lv), _deactivate, "no longer active"),
    (
        "before the effective period",
        lambda lv: f"{lv['ratio'].pk},2025-12-31,5,10,",
        None,
        "outside the service level's effective period",
    ),
    ("in the future", lambda lv: good_row(lv, day="2026-06-16"), None, "future date"),
    ("not a date", lambda lv: good_row(lv, day="15/06/2026"), None, "is not a date; write it as YYYY-MM-DD"),
    ("impossible date", lambda lv: good_row(lv, day="2026-02-30"), None, "is not a date"),
    ("no date", lambda lv: good_row(lv, day=""), None, "The date is missing"),
    ("older than twelve months", lambda lv: good_row(lv, day="2025-05-20"), None, "more than 12 months ago"),
    (
        "breach settled",
        lambda lv: good_row(lv, day="2026-03-10"),
        _settle_march,
        "its breach has been settled",
    ),
    ("not a number", lambda lv: good_row(lv, value="ninety"), None, "is not a number"),
    ("decimal comma", lambda lv: f'{lv["availability"].pk},2026-06-01,"99,5",,', None, "is not a number"),
    ("percentage over 100", lambda lv: good_row(lv, value="100.5"), None, "cannot be above 100 %"),
    ("negative percentage", lambda lv: good_row(lv, value="-1"), None, "cannot be below 0 %"),
    ("too many decimals", lambda lv: good_row(lv, value="99.12345"), None, "at most 4 decimal places"),
    ("no value", lambda lv: good_row(lv, value=""), None, "The value is missing"),
    (
        "ratio without denominator",
        lambda lv: f"{lv['ratio'].pk},2026-06-01,188,,",
        None,
        "give the base count",
    ),
    (
        "numerator above denominator",
        lambda lv: f"{lv['ratio'].pk},2026-06-01,201,200,",
        None,
        "between 0 and the denominator",
    ),
    (
        "denominator on a plain metric",
        lambda lv: f"{lv['availability'].pk},2026-06-01,99,100,",
        None,
        "Only ratio metrics",
    ),
    ("note too long", lambda lv: good_row(lv) + "x" * 501, None, "longer than 500 characters"),
    ("duplicate row", lambda lv: first_row(lv), None, "Duplicate of row 2"),
    ("already recorded", lambda lv: good_row(lv), _record_once, "already recorded"),
    ("more cells than columns", lambda lv: good_row(lv) + ",extra", None, "more cells than the header"),
]


@pytest.mark.parametrize(
    ("row", "prepare", "message"), [case[1:] for case in BAD_ROWS], ids=[c[0] for c in BAD_ROWS]
)
def test_a_bad_row_rejects_the_whole_file_with_its_reason(
    levels, vendor_a, vendor_a_user, row, prepare, message
):
    if prepare:
        prepare(levels)
    before = Measurement.objects.count()
    upload = check(csv_upload([HEADER, first_row(levels), row(levels)]), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert upload.rows == []
    errors = messages_by_row(upload)
    assert list(errors) == [3], upload.errors
    assert any(message in text for text in errors[3]), errors
    assert Measurement.objects.count() == before


def test_another_vendors_service_level_reads_exactly_like_a_missing_one(levels, vendor_a, vendor_a_user):
    other = levels["other_vendor"].pk
    missing = other + 1000
    upload = check(
        csv_upload([HEADER, f"{other},2026-06-01,99,,", f"{missing},2026-06-01,99,,"]),
        vendor_a,
        vendor_a_user,
    )

    texts = [e["message"].replace(str(missing), "ID").replace(str(other), "ID") for e in upload.errors]
    assert texts[0] == texts[1] == "Unknown service level “ID”."


def test_every_bad_row_is_listed_and_nothing_is_saved(levels, vendor_a, vendor_a_user):
    sl = levels["availability"]
    upload = check(
        csv_upload(
            [
                HEADER,
                f"{sl.pk},2026-06-01,99.9,,",
                f"{sl.pk},2026-06-02,abc,,",
                f"{sl.pk},2026-06-40,101,,",
                f"{sl.pk},2026-06-03,99.8,,",
                f"{levels['ratio'].pk},2026-06-03,5,,",
                f"{sl.pk},2026-06-01,99.9,,",
            ]
        ),
        vendor_a,
        vendor_a_user,
    )

    assert upload.status == UploadStatus.REJECTED
    by_row = messages_by_row(upload)
    assert sorted(by_row) == [3, 4, 6, 7]
    # A row with two problems lists both.
    assert any("not a date" in m for m in by_row[4]) and any("The value" not in m for m in by_row[4])
    assert not Measurement.objects.exists()


# --- Whole-file problems ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["service_level,value", "1,99"], "missing column “measured_on”"),
        (["service_level,measured_on,value,colour", "1,2026-06-01,99,red"], "unknown column “colour”"),
        (["service_level,measured_on,value,value", "1,2026-06-01,99,98"], "column “value” appears twice"),
        (["service_level,,measured_on,value", "1,,2026-06-01,99"], "column 2 has no name"),
        ([""], "The file is empty"),
        ([HEADER], "holds no figures"),
        ([HEADER, "# only an example,2026-06-01,1,,"], "holds no figures"),
    ],
)
def test_file_level_problems(levels, vendor_a, vendor_a_user, lines, message):
    upload = check(csv_upload(lines), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert [(e["row"], message in e["message"]) for e in upload.errors] == [(None, True)], upload.errors


def test_a_latin_1_csv_is_refused_as_not_utf_8(levels, vendor_a, vendor_a_user):
    sl = levels["availability"]
    lines = [HEADER, f"{sl.pk},2026-06-01,99.9,,ok", f"{sl.pk},2026-06-02,99.9,,Café ouvert"]
    upload = check(csv_upload(lines, encoding="latin-1"), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    (error,) = upload.errors
    assert "not UTF-8" in error["message"] and "line 3" in error["message"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings, levels, vendor_a, vendor_a_user):
    settings.UPLOAD_MAX_BYTES = 4096
    sl = levels["availability"]
    lines = [HEADER] + [f"{sl.pk},2026-06-01,99.9,,{'n' * 40} {i}" for i in range(100)]
    upload = check(csv_upload(lines), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert "larger than the limit of 4.0\xa0KB" in upload.errors[0]["message"]


def test_too_many_rows(levels, vendor_a, vendor_a_user):
    sl = levels["availability"]
    lines = [HEADER] + [f"{sl.pk},2026-06-01,{i % 100},,row {i}" for i in range(upload_files.MAX_ROWS + 1)]
    upload = check(csv_upload(lines), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert f"more than {upload_files.MAX_ROWS:,} figures" in upload.errors[0]["message"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("figures.xls", b"\xd0\xcf\x11\xe0 old workbook", "Upload a .csv or an .xlsx file"),
        ("figures.txt", b"service_level,measured_on,value\n", "Upload a .csv or an .xlsx file"),
        ("figures.xlsx", b"service_level,measured_on,value\n1,2026-06-01,99\n", "not a real Excel workbook"),
        ("figures.xlsx", b"PK\x03\x04 but truncated", "not a real Excel workbook"),
        ("figures.csv", b"PK\x03\x04\x14\x00", "is a workbook, not a CSV"),
        ("figures.csv", b"service_level,measured_on,value\n1,2026\x00-06-01,99\n", "not a CSV text file"),
        ("figures.csv", b"", "The file is empty"),
    ],
)
def test_files_that_are_not_what_they_claim(levels, vendor_a, vendor_a_user, name, content, message):
    upload = check(SimpleUploadedFile(name, content), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert message in upload.errors[0]["message"], upload.errors


def test_a_zip_that_is_not_a_workbook(levels, vendor_a, vendor_a_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    upload = check(SimpleUploadedFile("figures.xlsx", buffer.getvalue()), vendor_a, vendor_a_user)

    assert "not a real Excel workbook" in upload.errors[0]["message"]


def test_a_workbook_with_damaged_parts_is_refused_not_crashed(levels, vendor_a, vendor_a_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    upload = check(SimpleUploadedFile("figures.xlsx", buffer.getvalue()), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert "not a real Excel workbook" in upload.errors[0]["message"]


def _bomb(member_bytes: int) -> bytes:
    """A real zip bomb shaped like a workbook: a sheet of zeros that deflates a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(member_bytes // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_before_parsing(
    monkeypatch, levels, vendor_a, vendor_a_user
):
    import openpyxl

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_parse)
    data = _bomb(upload_files.files.ZIP_MAX_UNCOMPRESSED + 8 * 1024 * 1024)
    assert len(data) < 200 * 1024  # tiny on the wire

    upload = check(SimpleUploadedFile("figures.xlsx", data), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert "unpacks to 58.0\xa0MB" in upload.errors[0]["message"]


def test_a_member_declaring_a_huge_size_is_refused(levels, vendor_a, vendor_a_user):
    data = bytearray(xlsx_bytes([["service_level", "measured_on", "value"]]))
    # Rewrite one entry of the central directory to declare a 4 GB member.
    entry = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, entry + 24, 0xFFFFFFF0)
    upload = check(SimpleUploadedFile("figures.xlsx", bytes(data)), vendor_a, vendor_a_user)

    assert upload.status == UploadStatus.REJECTED
    assert "unpacks to 4.0\xa0GB" in upload.errors[0]["message"]


def test_vendor_users_cannot_upload_for_another_vendor(levels, vendor_b, vendor_a_user):
    with pytest.raises(PermissionDenied):
        check(csv_upload([HEADER, good_row(levels)]), vendor_b, vendor_a_user)
    assert not MeasurementUpload.objects.exists()


# --- Confirmation -----------------------------------------------------------------------------------------


def test_confirm_saves_every_row_at_once_and_audits_each(
    levels, vendor_a, vendor_a_user, django_assert_max_num_queries
):
    sl, ratio = levels["availability"], levels["ratio"]
    lines = [HEADER] + [f"{sl.pk},2026-06-{day:02d},99.{day},," for day in range(1, 15)]
    lines.append(f"{ratio.pk},2026-06-01,188,200,weekly export")
    upload = check(csv_upload(lines), vendor_a, vendor_a_user)

    with django_assert_max_num_queries(16):
        outcome = services.upload_confirm(upload=upload, actor=vendor_a_user, now=NOW)

    assert len(outcome.saved) == 15 and not outcome.errors
    upload.refresh_from_db()
    assert (upload.status, upload.confirmed_at) == (UploadStatus.CONFIRMED, NOW)
    saved = Measurement.objects.filter(upload=upload)
    assert saved.count() == 15
    assert set(saved.values_list("source", "status", "submitted_by", "is_current")) == {
        (MeasurementSource.UPLOAD, MeasurementStatus.SUBMITTED, vendor_a_user.pk, True)
    }
    assert saved.get(service_level=ratio).denominator == Decimal(200)
    created = AuditEvent.objects.filter(action="kpis.measurement.created", vendor_id=vendor_a.pk)
    assert set(created.values_list("object_id", flat=True)) == {
        str(pk) for pk in saved.values_list("pk", flat=True)
    }
    assert (
        AuditEvent.objects.filter(action="kpis.measurementupload.confirmed", object_id=str(upload.pk)).count()
        == 1
    )


def test_confirming_twice_saves_once(levels, vendor_a, vendor_a_user):
    upload = check(csv_upload([HEADER, good_row(levels)]), vendor_a, vendor_a_user)
    stale_copy = MeasurementUpload.objects.get(pk=upload.pk)

    first = services.upload_confirm(upload=upload, actor=vendor_a_user, now=NOW)
    second = services.upload_confirm(upload=stale_copy, actor=vendor_a_user, now=NOW)

    assert (len(first.saved), second.already_confirmed, len(second.saved)) == (1, True, 0)
    assert Measurement.objects.count() == 1
    assert AuditEvent.objects.filter(action="kpis.measurementupload.confirmed").count() == 1


def test_rows_are_checked_again_at_confirmation(levels, vendor_a, vendor_a_user):
    upload = check(
        csv_upload([HEADER, good_row(levels, day="2026-03-10"), good_row(levels)]), vendor_a, vendor_a_user
    )
    assert upload.status == UploadStatus.VALIDATED
    _settle_march(levels)  # a manager waives March's breach before the vendor confirms

    outcome = services.upload_confirm(upload=upload, actor=vendor_a_user, now=NOW)

    assert outcome.saved == [] and outcome.errors
    upload.refresh_from_db()
    assert upload.status == UploadStatus.REJECTED
    assert "breach has been settled" in upload.errors[0]["message"]
    assert not Measurement.objects.exists()


def test_the_same_file_confirmed_twice_as_two_uploads_saves_once(levels, vendor_a, vendor_a_user):
    first = check(csv_upload([HEADER, good_row(levels)]), vendor_a, vendor_a_user)
    second = check(csv_upload([HEADER, good_row(levels)]), vendor_a, vendor_a_user)
    services.upload_confirm(upload=first, actor=vendor_a_user, now=NOW)

    outcome = services.upload_confirm(upload=second, actor=vendor_a_user, now=NOW)

    assert "already recorded" in outcome.errors[0]["message"]
    assert Measurement.objects.count() == 1


def test_late_rows_are_marked_and_their_periods_queued(
    levels, vendor_a, vendor_a_user, django_capture_on_commit_callbacks
):
    sl = levels["availability"]  # monthly, five grace days: May closed on 6 June
    upload = check(
        csv_upload([HEADER, good_row(levels, day="2026-05-20"), good_row(levels)]), vendor_a, vendor_a_user
    )
    assert [row["late"] for row in upload.rows] == [True, False]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.upload_confirm(upload=upload, actor=vendor_a_user, now=NOW)

    assert Measurement.objects.get(measured_on=date(2026, 5, 20)).is_late
    assert not Measurement.objects.get(measured_on=date(2026, 6, 1)).is_late
    assert list(PendingEvaluation.objects.values_list("service_level_id", "period_start")) == [
        (sl.pk, date(2026, 5, 1))
    ]
    assert len(callbacks) == 1


def test_a_manager_uploading_for_a_vendor_saves_validated_figures(levels, vendor_a, manager):
    upload = check(csv_upload([HEADER, good_row(levels)]), vendor_a, manager)
    services.upload_confirm(upload=upload, actor=manager, now=NOW)

    figure = Measurement.objects.get()
    assert (figure.status, figure.reviewed_by) == (MeasurementStatus.VALIDATED, manager)


# --- The pages: upload, preview, confirm, template --------------------------------------------------------


def test_upload_flow_through_the_pages(client_for, levels, vendor_a_user):
    client = client_for(vendor_a_user)
    sl = levels["availability"]
    bad = csv_upload([HEADER, f"{sl.pk},2026-06-01,99.9,,", f"{sl.pk},2026-06-02,250,,"])

    response = client.post(reverse("measurements:upload"), {"file": bad}, follow=True)

    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "The value cannot be above 100 %" in page
    assert not Measurement.objects.exists()

    good = csv_upload([HEADER, f"{sl.pk},2026-06-01,99.9,,", f"{sl.pk},2026-06-02,99.7,,"])
    response = client.post(reverse("measurements:upload"), {"file": good}, follow=True)
    upload = MeasurementUpload.objects.get(status=UploadStatus.VALIDATED)
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("measurements:upload_detail", args=[upload.pk]), 302)]
    assert "2 figures checked and ready" in page and "99.7%" in page
    assert not Measurement.objects.exists()

    confirm = reverse("measurements:upload_confirm", args=[upload.pk])
    response = client.post(confirm, follow=True)
    assert "2 figures saved." in response.content.decode()
    response = client.post(confirm, follow=True)
    assert "nothing was saved again" in response.content.decode()
    assert Measurement.objects.filter(upload=upload).count() == 2


def test_upload_page_needs_a_file_and_staff_name_the_vendor(client_for, levels, manager, vendor_a):
    client = client_for(manager)
    response = client.post(reverse("measurements:upload"), {})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"file", "vendor"}

    good = csv_upload([HEADER, good_row(levels)])
    response = client.post(reverse("measurements:upload"), {"file": good, "vendor": vendor_a.pk})
    assert MeasurementUpload.objects.get().vendor == vendor_a


def test_viewers_cannot_upload(client_for, levels, viewer, vendor_a):
    client = client_for(viewer)
    assert client.get(reverse("measurements:upload")).status_code == 403
    response = client.post(
        reverse("measurements:upload"),
        {"file": csv_upload([HEADER, good_row(levels)]), "vendor": vendor_a.pk},
    )
    assert response.status_code == 403
    assert not MeasurementUpload.objects.exists()


def test_another_vendors_upload_is_not_found(client_for, levels, vendor_a, vendor_a_user, vendor_b_user):
    upload = check(csv_upload([HEADER, good_row(levels)]), vendor_a, vendor_a_user)
    client = client_for(vendor_b_user)

    assert client.get(reverse("measurements:upload_detail", args=[upload.pk])).status_code == 404
    assert client.post(reverse("measurements:upload_confirm", args=[upload.pk])).status_code == 404
    upload.refresh_from_db()
    assert upload.status == UploadStatus.VALIDATED
    assert upload.original_name not in client.get(reverse("measurements:uploads")).content.decode()


def test_csv_template_lists_only_the_users_service_levels(client_for, levels, vendor_a_user):
    response = client_for(vendor_a_user).get(reverse("measurements:template", args=["csv"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == list(upload_files.TEMPLATE_COLUMNS)
    assert rows[1][0].startswith("#") and rows[1][5] == "2026-06-15"
    assert sorted(int(r[0]) for r in rows[2:]) == sorted([levels["availability"].pk, levels["ratio"].pk])
    assert "GLOBEX" not in text


def test_xlsx_template_round_trip(client_for, levels, vendor_a_user):
    client = client_for(vendor_a_user)
    response = client.get(reverse("measurements:template", args=["xlsx"]))
    assert response["Content-Type"] == upload_files.files.XLSX.content_type

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Figures", "Instructions"]
    sheet = workbook["Figures"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == upload_files.TEMPLATE_COLUMNS
    assert str(rows[1][0]).startswith("#")
    ids = {row[0] for row in rows[2:]}
    assert ids == {levels["availability"].pk, levels["ratio"].pk}
    # Fill in the template as a vendor would and upload it back.
    for row in sheet.iter_rows(min_row=3):
        row[5].value = datetime(2026, 6, 10)
        if row[0].value == levels["ratio"].pk:
            row[6].value, row[7].value = 95, 100
        else:
            row[6].value = 99.91
    buffer = io.BytesIO()
    workbook.save(buffer)

    client.post(
        reverse("measurements:upload"), {"file": SimpleUploadedFile("filled.xlsx", buffer.getvalue())}
    )

    upload = MeasurementUpload.objects.get()
    assert upload.status == UploadStatus.VALIDATED, upload.errors
    assert sorted((r["value"], r["denominator"]) for r in upload.rows) == [("95", "100"), ("99.91", None)]


def test_template_cells_cannot_start_a_formula(client_for, levels, vendor_a_user):
    metric = levels["availability"].metric
    metric.name = '=HYPERLINK("http://evil.test")'
    metric.save()

    text = client_for(vendor_a_user).get(reverse("measurements:template", args=["csv"])).content.decode()

    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_unknown_template_format_is_404(client_for, vendor_a_user):
    assert client_for(vendor_a_user).get("/measurements/template.pdf").status_code == 404
