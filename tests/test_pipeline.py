"""The whole pipeline on generated documents, through the library API."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import digitocr
from digitocr.options import RunOptions
from digitocr.types import DigitResult, FieldResult

from .conftest import ROOT


def _norm(field: str, v: str | None) -> str | None:
    if v is None:
        return None
    return v if field == "amount" else "".join(c for c in v if c.isdigit())


@pytest.mark.parametrize(
    ("kind", "template", "minimum"),
    [
        ("cheque", "cheque", 0.75),
        ("envelope", "envelope", 0.6),
        ("form", str(ROOT / "pipelines" / "application-form.yaml"), 0.7),
    ],
)
def test_reads_generated_documents(
    synth_docs, predictor, kind: str, template: str, minimum: float
) -> None:
    folder: Path = synth_docs[kind]
    truth = json.loads((folder / "truth.json").read_text())
    ok = total = 0
    review_errors = 0
    for t in truth:
        recs = digitocr.read(folder / t["file"], template, predictor=predictor)
        rec = recs[t["page"] - 1]
        assert rec.status == "ok" and rec.skew_degrees is not None
        assert abs(rec.skew_degrees - t["skew_deg"]) < 0.3
        for name, value in t["fields"].items():
            got = rec.fields[name]
            hit = _norm(name, got.value) == _norm(name, value)
            ok += hit
            total += 1
            review_errors += (not hit) and (not got.needs_review)
    assert ok / total >= minimum, f"{kind}: {ok}/{total} fields exact"
    assert review_errors <= max(1, total // 10), f"{kind}: {review_errors} wrong fields not flagged"


def test_read_accepts_arrays_of_any_dtype(predictor) -> None:
    import cv2

    img = np.full((60, 140), 255, np.uint8)
    cv2.putText(img, "42", (10, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 0, 5)
    for arr in (
        img,
        img.astype(np.float64) / 255,
        np.stack([img] * 3, axis=2),
        img.astype(np.uint16) * 257,
    ):
        rec = digitocr.read(arr, "digits", predictor=predictor)[0]
        assert rec.status == "ok" and rec.fields["digits"].value == "42"


def test_multipage_pdf_gives_a_record_per_page(predictor) -> None:
    recs = digitocr.read(
        ROOT / "samples" / "multipage" / "cheque_0000.pdf",
        "cheque",
        options=RunOptions(dpi=150),
        predictor=predictor,
    )
    assert [r.page for r in recs] == [1, 2, 3]


def test_form_rows_in_reverse_order_are_assigned_by_plausibility(tmp_path: Path, predictor) -> None:
    """A form that lists dob, phone, account (the reverse of the template) still reads right."""
    from digitocr.synth.generate import SynthOptions, generate

    tmpl = ROOT / "pipelines" / "application-form.yaml"
    rev = tmp_path / "reversed.yaml"
    text = tmpl.read_text()
    # Draw the rows in reverse order by swapping their y positions.
    text = (
        text.replace("y: 0.16", "y: TMP").replace("y: 0.36", "y: 0.16").replace("y: TMP", "y: 0.36")
    )
    rev.write_text(text)
    truth = generate(
        SynthOptions(
            out=tmp_path / "f",
            kind="form",
            count=2,
            formats=("png",),
            seed=4,
            form_template=str(rev),
        )
    )
    for t in truth:
        rec = digitocr.read(tmp_path / "f" / t["file"], "form", predictor=predictor)[0]
        dob = rec.fields["dob"].value or ""
        assert dob.replace("/", "") == t["fields"]["dob"].replace("/", ""), (dob, t["fields"])
        assert rec.fields["account"].value == t["fields"]["account"]


def test_an_amount_with_a_digit_of_its_cents_cut_in_two_is_read_and_flagged() -> None:
    from .test_locate import _cents_cut_in_three

    page = np.pad(255 - _cents_cut_in_three(), 20, constant_values=255)
    (rec,) = digitocr.read(page, template="amount")
    amount = rec.fields["amount"]
    assert amount.value == "12.30" and amount.valid
    assert amount.needs_review, "a reading the format asked for is a guess"
    # Three sure digits after a point group thousands, as they did before.
    ink = np.zeros((120, 400), np.uint8)
    cv2.putText(ink, "1", (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.circle(ink, (80, 95), 7, 255, -1)
    cv2.putText(ink, "480", (100, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    (rec,) = digitocr.read(np.pad(255 - ink, 20, constant_values=255), template="amount")
    assert rec.fields["amount"].value == "1480"
    assert not rec.fields["amount"].needs_review


def test_thousands_read_across_a_cut_between_touching_digits_go_to_review() -> None:
    """'1.480' whose 8 and 0 touch: the point groups thousands only if the cut between
    them is right (a wide 6 cut into '67' made '58.65' read 58675), so it is a guess."""
    ink = np.zeros((120, 400), np.uint8)
    cv2.putText(ink, "1", (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.circle(ink, (80, 95), 7, 255, -1)
    cv2.putText(ink, "48", (100, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.putText(ink, "0", (190, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    assert cv2.connectedComponents(ink)[0] - 1 == 4  # 1, point, 4, and '80' in one
    (rec,) = digitocr.read(np.pad(255 - ink, 20, constant_values=255), template="amount")
    amount = rec.fields["amount"]
    assert amount.value == "1480" and amount.valid
    assert amount.needs_review and amount.confidence < 0.85


def test_small_zeros_joined_to_a_taller_digit_are_cut_out() -> None:
    """'15000' with the 5 and the zeros after it in one stroke, the zeros written small
    (under 2/3 of the digits' height, as real cheques' cursive thousands often are): a
    piece that short was taken for part of a digit, and the blob read as one '0' or '6'."""
    s = 4  # drawn at 4x, then the page is read as it is
    ink = np.zeros((60 * s, 140 * s), np.uint8)
    cv2.line(ink, (15 * s, 8 * s), (15 * s, 46 * s), 255, 3 * s)  # a 1, 38 tall
    cv2.line(ink, (30 * s, 11 * s), (42 * s, 11 * s), 255, 3 * s)  # a 5, 35 tall
    cv2.line(ink, (30 * s, 11 * s), (29 * s, 25 * s), 255, 3 * s)
    cv2.ellipse(ink, (34 * s, 35 * s), (9 * s, 10 * s), 0, -120, 150, 255, 3 * s)
    for x in (58, 79, 100):  # zeros 22 tall on the line, joined to the 5 and each other
        cv2.ellipse(ink, (x * s, 34 * s), (9 * s, 11 * s), 0, 0, 360, 255, 3 * s)
    for x0, x1 in ((41, 50), (67, 71), (88, 92)):
        cv2.line(ink, (x0 * s, 43 * s), (x1 * s, 43 * s), 255, 2 * s)
    assert cv2.connectedComponents(ink)[0] - 1 == 2  # the 1, and '5000' in one
    (rec,) = digitocr.read(np.pad(255 - ink, 40, constant_values=255), template="amount")
    assert rec.fields["amount"].value == "15000"


def test_an_equals_sign_closing_an_amount_is_no_digit() -> None:
    """Cheques are often closed with '=' after the amount (real ones: '8558=' was read
    85583); two flat strokes right of the digits are dropped, not read as a 2 or 3."""
    ink = np.zeros((120, 420), np.uint8)
    cv2.putText(ink, "8558", (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.line(ink, (300, 72), (340, 70), 255, 7)
    cv2.line(ink, (300, 92), (342, 90), 255, 7)
    (rec,) = digitocr.read(np.pad(255 - ink, 20, constant_values=255), template="amount")
    assert rec.fields["amount"].value == "8558"
    assert not rec.fields["amount"].needs_review


def _turned_box(box: tuple[int, ...], degrees: int, w: int, h: int) -> tuple[int, ...]:
    """A box of a w x h upright page, in the pixels of that page turned `degrees` clockwise."""
    x0, y0, x1, y1 = box
    return {
        90: (h - y1, x0, h - y0, x1),
        180: (w - x1, h - y1, w - x0, h - y0),
        270: (y0, w - x1, y1, w - x0),
    }[degrees]


@pytest.mark.parametrize(
    ("sample", "template"),
    [
        ("cheque/cheque_0000.jpg", "cheque"),  # the template's page aspect tells sideways
        ("envelope/envelope_0000.jpg", "envelope"),  # no aspect: the lines of the address do
    ],
)
@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_page_scanned_turned_is_read_upright(predictor, sample, template, degrees) -> None:
    img = cv2.imread(str(ROOT / "samples" / sample), cv2.IMREAD_GRAYSCALE)
    h, w = img.shape
    upright = digitocr.read(img, template, predictor=predictor)[0]
    assert upright.orientation == 0
    assert all(f.value for f in upright.fields.values())
    turned = np.ascontiguousarray(np.rot90(img, -degrees // 90))  # content turned clockwise
    rec = digitocr.read(turned, template, predictor=predictor)[0]
    assert rec.orientation == degrees
    assert rec.export()["orientation"] == degrees
    for name, field in upright.fields.items():
        got = rec.fields[name]
        assert got.value == field.value
        assert len(got.digits) == len(field.digits)
        # Digit boxes are in the pixels of the page as scanned (turned).
        for a, b in zip(field.digits, got.digits, strict=True):
            want = _turned_box(a.box, degrees, w, h)
            assert max(abs(p - q) for p, q in zip(want, b.box, strict=True)) <= 3, (want, b.box)
    # Without --orient the page is read as it comes: nothing right, or upside-down digits.
    plain = digitocr.read(
        turned,
        template,
        predictor=predictor,
        options=RunOptions(template=template, orient=False),
    )[0]
    assert plain.orientation == 0
    assert any(plain.fields[n].value != f.value for n, f in upright.fields.items())


def test_a_cut_out_field_is_never_turned(predictor) -> None:
    """A crop read whole is taken as it comes ('60' upside down is a fair '09'): here
    '2457' upside down, which would read better turned, stays as it is."""
    img = np.full((80, 260), 255, np.uint8)
    cv2.putText(img, "2457", (15, 62), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 6)
    assert digitocr.read(img, "digits", predictor=predictor)[0].fields["digits"].value == "2457"
    upside_down = np.ascontiguousarray(np.rot90(img, 2))
    rec = digitocr.read(upside_down, "digits", predictor=predictor)[0]
    assert rec.orientation == 0 and rec.fields["digits"].value != "2457"


def test_a_cut_out_digit_is_not_turned_by_its_own_slant(predictor) -> None:
    """Deskewing levels lines: a lone slanted 1 has none, and the angle found in it (8.8
    degrees) was its slant, turned away. A cut-out line of digits is still levelled."""
    ink = np.zeros((100, 70), np.uint8)
    cv2.line(ink, (45, 10), (25, 88), 255, 7)
    cv2.line(ink, (45, 10), (32, 22), 255, 6)
    lone = np.pad(255 - ink, 30, constant_values=255)
    rec = digitocr.read(lone, "digits", predictor=predictor)[0]
    assert rec.skew_degrees == 0.0 and rec.fields["digits"].value == "1"
    row = np.full((140, 460), 255, np.uint8)
    cv2.line(row, (50, 30), (40, 80), 0, 7)  # 4
    cv2.line(row, (40, 80), (100, 80), 0, 7)
    cv2.line(row, (85, 40), (85, 110), 0, 7)
    cv2.ellipse(row, (170, 70), (25, 40), 0, 0, 360, 0, 7)  # 0
    cv2.line(row, (240, 30), (300, 30), 0, 7)  # 7
    cv2.line(row, (300, 30), (265, 110), 0, 7)
    cv2.line(row, (370, 30), (370, 110), 0, 7)  # 1
    turned = cv2.warpAffine(row, cv2.getRotationMatrix2D((230, 70), 4, 1.0), (460, 140),
                            borderValue=255)  # fmt: skip
    rec = digitocr.read(turned, "digits", predictor=predictor)[0]
    assert abs(rec.skew_degrees - 4.0) < 0.6 and rec.fields["digits"].value == "4071"


@pytest.mark.parametrize("index", [1087, 1911])
def test_the_digit_template_reads_a_broken_cut_out_digit_whole(mnist_dir, predictor, index) -> None:
    """MNIST test 5s whose bar stands apart, cut out as a scan would give them: the
    `digits` template (any count) reads them '1' and '6' (the bar dropped as print above
    the line, the stem and belly as a 6); `digit` (one digit) takes all the ink."""
    from digitocr import datasets

    img = datasets.load("test", mnist_dir).images[index]
    ys, xs = np.nonzero(img > 30)
    crop = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255
    w = max(2, round(crop.shape[1] * 68 / crop.shape[0]))
    ink = np.clip(cv2.resize(crop, (w, 68), interpolation=cv2.INTER_CUBIC) * 1.15, 0, 1)
    scan = np.pad((240 - 210 * ink).astype(np.uint8), 30, constant_values=240)
    field = digitocr.read(scan, "digit", predictor=predictor)[0].fields["digit"]
    assert field.value == "5" and len(field.digits) == 1 and field.valid


def _field(value: str, confidence: float, *, valid: bool = True) -> FieldResult:
    digits = tuple(DigitResult(c, confidence, (0, 0, 1, 1)) for c in value if c.isdigit())
    return FieldResult(value, confidence, valid, not valid or confidence < 0.95, digits)


def _written(value: str, x: int, y: int, w: int = 30) -> FieldResult:
    """A field read surely, its digits side by side from (x, y), `w` wide and 50 high."""
    digits = tuple(
        DigitResult(c, 1.0, (x + w * k, y, x + w * (k + 1), y + 50)) for k, c in enumerate(value)
    )
    return FieldResult(value, 1.0, True, False, digits)


def test_two_fields_read_from_the_same_handwriting_go_to_review() -> None:
    """A cheque whose amount box was missed took the date's line for the amount's: the
    amount and the date read the same digits, and at most one of them is right."""
    from digitocr.pipeline import _review_shared_ink

    date = _written("26042023", 950, 90)
    apart = {"amount": _written("696887", 1000, 200), "date": date}
    assert _review_shared_ink(apart) == apart, "fields on their own handwriting stay"
    shared = {"amount": _written("26042023", 952, 92, w=31), "date": date}
    assert all(f.needs_review for f in _review_shared_ink(shared).values())
    # One digit of a field reaching over the other's first digit is no shared reading.
    touching = {"amount": _written("1234", 940 - 90, 90), "date": date}
    assert not any(f.needs_review for f in _review_shared_ink(touching).values())


def test_digits_that_read_the_same_upside_down_do_not_turn_a_page() -> None:
    from digitocr.pipeline import _better

    # '10080' upside down is a sure '08001': the turn is no better, though accepted.
    assert not _better(
        {"zip": _field("08001", 0.997)}, {"zip": _field("10080", 0.72)}, even=False, first=False
    )
    # A sure '4725' against a reading that made no valid value: turned.
    assert _better(
        {"zip": _field("47255", 0.99)},
        {"zip": _field("1", 0.3, valid=False)},
        even=False,
        first=False,
    )
    # One sure digit is not enough against nothing (a sideways amount box).
    assert not _better(
        {"amount": _field("7", 1.0)},
        {"amount": _field("", 0.0, valid=False)},
        even=False,
        first=False,
    )
    # The two sideways ways of a page the aspect calls sideways compete evenly.
    assert _better(
        {"zip": _field("47255", 0.6)}, {"zip": _field("47255", 0.5)}, even=True, first=True
    )
    # A sideways way on a page whose lines run down it needs more, not twice as much.
    assert _better(
        {"zip": _field("47255", 0.6)}, {"zip": _field("47255", 0.5)}, even=True, first=False
    )
    assert not _better(
        {"zip": _field("47", 0.6)}, {"zip": _field("4", 0.5)}, even=True, first=False
    )


def _scripted_field(monkeypatch, script: dict[tuple[int, int, bool], str], kind: str = "date"):
    """`_read_one` on a field whose segmentations are scripted: (extra, rank, pair) -> the
    pieces read, a digit followed by '?' read at 0.01 ("not one digit"), other digits at
    0.99. Returns the field's result."""
    from types import SimpleNamespace

    from digitocr import pipeline
    from digitocr.fields import Item, build_value
    from digitocr.templates.schema import FieldSpec, Locate
    from digitocr.types import FieldCrop

    def reading(field, spec, predictor, rotation, shape, extra, rank=0, *, fuse=False, pair=False):
        text = script.get((extra, rank, pair), "")
        items: list[Item] = []
        for c in text:
            if c == "?":
                items[-1] = Item(items[-1].label, 0.01, False)
            else:
                items.append(Item(c, 0.99 if c.isdigit() else 1.0, not c.isdigit()))
        value = build_value(spec, items)
        digits = [
            DigitResult(i.label, i.confidence, (0, 0, 1, 1)) for i in items if not i.separator
        ]
        conf = float(np.prod([d.confidence for d in digits])) if digits else 0.0
        return value, conf, digits, items

    monkeypatch.setattr(pipeline, "_reading", reading)
    spec = FieldSpec(name="f", type=kind, locate=(Locate(method="whole"),))  # type: ignore[arg-type]
    blank = np.zeros((40, 200), np.uint8)
    field = FieldCrop("f", kind, blank, blank, (0, 0, 200, 40), method="whole")
    aligned = SimpleNamespace(page=SimpleNamespace(image=blank), rotation=np.eye(2, 3))
    return pipeline._read_one(aligned, spec, field, None, 0.9)  # type: ignore[arg-type]


def test_of_the_forced_splits_the_surest_valid_reading_is_kept(monkeypatch) -> None:
    """'21/07/2007' with the '21' read as one 2 (zero-filled '02'): the likeliest blob to
    split was a filled 0 of the year, whose cut still made a date ('02/07/2087'); the
    first valid reading was kept, not the surest of the blobs tried."""
    result = _scripted_field(
        monkeypatch,
        {
            (0, 0, False): "2?/07/2007",
            (1, 0, False): "2?/07/2087",
            (1, 1, False): "21/07/2007",
            (1, 2, False): "2?/07/12007",
        },
    )
    assert result.value == "21/07/2007"
    assert result.needs_review, "a split the format asked for is a guess"


def test_a_date_that_took_crops_for_slashes_gives_way_to_a_forced_reading(monkeypatch) -> None:
    """'26-01-1997' whose second dash touches the year's 1, the two read as one 7:
    '26/01/99', both the year's 7s taken for slashes, every digit sure. Split, the dash
    and the 1 give '26/01/1997', the valid reading kept however unsure its cut."""
    script = {(0, 0, False): "26-017997", (1, 0, False): "26-0171?997"}
    result = _scripted_field(monkeypatch, script)
    assert result.value == "26/01/1997"
    assert result.needs_review
    # Every crop in the value (a one-digit day zero-filled): the surer reading stays.
    script = {(0, 0, False): "1/05/2020", (1, 0, False): "1?1/05/2020"}
    assert _scripted_field(monkeypatch, script).value == "01/05/2020"


def test_a_date_no_one_split_makes_is_split_twice(monkeypatch) -> None:
    """'17/12/2013' with its first 1 read as a slash and the year's '013' touching, read
    as one 9 (not one digit): '17/12/29'. Split once, no date ('7/12/203' or '7/112/29');
    twice, the year's four digits."""
    script = {
        (0, 0, False): "/7/12/29?",
        (1, 0, False): "/7/12/203?",
        (1, 1, False): "/7/112/29?",
        (2, 0, False): "/7/12/2013",
    }
    result = _scripted_field(monkeypatch, script)
    assert result.value == "17/12/2013" and result.valid and result.needs_review
    del script[(2, 0, False)]  # nor twice: the reading as it was stays
    assert _scripted_field(monkeypatch, script).value == "17/12/29"


def test_a_slanting_1_beside_a_slash_counts_when_a_date_has_a_digit_too_many(
    monkeypatch,
) -> None:
    """'15/10/2030' whose 1 of the month leans like the slash before it and whose year's
    wide 0 is cut in two: '15//0/25330', 8 digits and no date. With the slash taken back
    for the 1 it has 9: the pair that reads surest as one digit is joined, and the
    reading is '15/10/2030'."""
    script = {(0, 0, False): "15//0/25330", (0, 0, True): "15//0/2030"}
    result = _scripted_field(monkeypatch, script)
    assert result.value == "15/10/2030" and result.valid
    # Slashes apart: 8 digits that make no date lack none, and have none too many.
    script = {(0, 0, False): "15/0/25330", (0, 0, True): "15/0/2030"}
    result = _scripted_field(monkeypatch, script)
    assert result.value == "15/0/25330" and not result.valid and result.needs_review


def test_a_year_of_four_touching_digits_is_split_into_four(monkeypatch) -> None:
    """'10/04/2006' whose year is one blob, read as a 2 at 0.01. Split once, a date
    ('10/04/22') that keeps a piece read as hardly any digit: the '006'. Split as many
    times as an eight-digit date lacks, the year's four digits, surer: kept, reviewed."""
    script = {
        (0, 0, False): "10/04/2?",
        (1, 0, False): "10/04/22?",
        (3, 0, False): "10/04/2006",
    }
    result = _scripted_field(monkeypatch, script)
    assert result.value == "10/04/2006" and result.valid and result.needs_review
    del script[(3, 0, False)]  # no such reading: the one split stays
    assert _scripted_field(monkeypatch, script).value == "10/04/22"
    # One split that reads every digit surely is not split further.
    script = {(0, 0, False): "10/04/2?", (1, 0, False): "10/04/22", (3, 0, False): "10/04/2006"}
    assert _scripted_field(monkeypatch, script).value == "10/04/22"


def test_an_amount_with_a_digit_in_two_strokes_is_read_with_them_joined(monkeypatch) -> None:
    """'19274' with its 4's stem written apart: '192747', the stem a 7 at 0.37. The pair
    likeliest to be one digit joined reads '19274', surer: kept, under review."""
    script = {(0, 0, False): "192747?", (0, 0, True): "19274"}
    result = _scripted_field(monkeypatch, script, kind="amount")
    assert result.value == "19274" and result.valid and result.needs_review
    script[(0, 0, True)] = "1924?7?"  # joined, no surer: the reading as it was
    assert _scripted_field(monkeypatch, script, kind="amount").value == "192747"
    script = {(0, 0, False): "192747", (0, 0, True): "19274"}  # every digit sure: as read
    assert _scripted_field(monkeypatch, script, kind="amount").value == "192747"


def test_a_pair_read_as_one_and_a_digit_read_as_two_are_swapped(monkeypatch) -> None:
    """'02/07/1996': the touching '02' read as a 9 (not one digit) and the 6's loop,
    apart from its stem, as a 0: eight digits, but no date. Split one, join one."""
    script = {
        (0, 0, False): "9?/07/19960?",
        (1, 0, True): "02/07/1996",
        (1, 1, True): "9?/07/19960?",
    }
    result = _scripted_field(monkeypatch, script)
    assert result.value == "02/07/1996" and result.valid and result.needs_review
    script[(0, 0, False)] = "02/07/1996"  # read well: nothing is swapped
    assert _scripted_field(monkeypatch, script).value == "02/07/1996"
    zip_script = {(0, 0, False): "5?1189", (1, 0, True): "53189"}
    assert _scripted_field(monkeypatch, zip_script, "zip").value == "53189"


def test_a_six_with_its_loop_drawn_low_and_right_is_one_digit() -> None:
    """A 6 whose loop hangs low to the right of its open stem is wider than MNIST's widest
    6s: cut at the valley, the loop read as a small zero and the stem still as a 6
    ('1756.99' read 17560.99). A 6 with its own loop before a small zero is two digits."""

    def field(loop: str) -> str | None:
        ink = np.zeros((100, 300), np.uint8)
        cv2.ellipse(ink, (40, 50), (16, 30), 0, 90, 265, 255, 7)  # the 6's stem
        if loop == "low right":
            cv2.ellipse(ink, (90, 64), (14, 12), 0, 0, 360, 255, 7)
            cv2.line(ink, (38, 79), (80, 79), 255, 7)
        else:  # its own loop, then a small zero joined to it
            cv2.ellipse(ink, (42, 64), (14, 14), 0, 0, 360, 255, 7)
            cv2.line(ink, (55, 72), (72, 72), 255, 7)
            cv2.ellipse(ink, (84, 64), (12, 12), 0, 0, 360, 255, 7)
        cv2.line(ink, (150, 19), (146, 79), 255, 7)
        cv2.line(ink, (200, 19), (196, 79), 255, 7)
        assert cv2.connectedComponents(ink)[0] - 1 == 3
        (rec,) = digitocr.read(np.pad(255 - ink, 30, constant_values=255), template="digits")
        return rec.fields["digits"].value

    assert field("low right") == "611"
    assert field("own") == "6011"


def test_a_cut_out_field_scanned_in_one_bit_is_read(tmp_path: Path) -> None:
    """Black on white and nothing between: Otsu's threshold is black itself, and the
    cut-out field's ink gate (darker than it) kept nothing."""
    from PIL import Image

    ink = np.zeros((120, 330), np.uint8)
    cv2.putText(ink, "4096", (15, 95), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)  # no antialias
    path = tmp_path / "field.png"
    Image.fromarray(255 - ink).convert("1").save(path)
    assert Image.open(path).mode == "1"
    (rec,) = digitocr.read(path, template="digits")
    assert rec.fields["digits"].value == "4096"


@pytest.mark.parametrize(
    ("left", "right", "x", "value", "review"),
    [
        ("209", "01", 168, "209.01", True),  # within the 9's columns (x 125-175)
        ("209", "01", 200, "209.01", False),  # between the 9 and the 0 (from x 233)
        ("7", "480", 56, "7480", False),  # within the 7's: the value keeps no point
    ],
    ids=["within the 9", "between 9 and 0", "thousands"],
)
def test_a_point_within_a_digits_columns_sends_the_amount_to_review(
    predictor, left: str, right: str, x: int, value: str, review: bool
) -> None:
    ink = np.zeros((120, 420), np.uint8)
    cv2.putText(ink, left, (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    at = 230 if len(left) == 3 else 80  # the right-hand digits, a gap after the left ones
    cv2.putText(ink, right, (at, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.circle(ink, (x, 96), 4, 255, -1)  # a point, or a crumb of the digit above it
    arr = np.pad(255 - ink, 30, constant_values=255)
    field = digitocr.read(arr, "amount", predictor=predictor)[0].fields["amount"]
    assert field.value == value
    assert field.needs_review is review, "only a scale resting on a doubtful point is checked"


@pytest.mark.parametrize(
    ("top", "foot", "review"),
    [(74, 97, True), (86, 97, False), (84, 118, False)],
    ids=["tall tick on the line", "short tick", "comma hanging below the line"],
)
def test_a_tick_as_tall_as_a_digits_stroke_sends_the_amount_to_review(
    predictor, top: int, foot: int, review: bool
) -> None:
    """A point read from a tick standing on the line, half a digit's height or so, may
    be a stroke broken off the digit beside it (seed 2071's '1150' read '11.50',
    accepted): the value is kept, and checked."""
    ink = np.zeros((140, 420), np.uint8)
    cv2.putText(ink, "11", (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.putText(ink, "50", (150, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.line(ink, (128, top), (124, foot), 255, 7)
    arr = np.pad(255 - ink, 30, constant_values=255)
    field = digitocr.read(arr, "amount", predictor=predictor)[0].fields["amount"]
    assert field.value == "11.50"
    assert field.needs_review is review


@pytest.mark.parametrize("speck", [True, False])
def test_a_point_under_a_speck_high_above_it_stays_a_point(predictor, speck: bool) -> None:
    """A crumb at the top of the line right over the decimal point: the two are not one
    digit broken in two (seed 2073's '6881.33' read '688133')."""
    ink = np.zeros((140, 520), np.uint8)
    cv2.putText(ink, "6881", (10, 110), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.putText(ink, "33", (330, 110), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    cv2.circle(ink, (310, 104), 6, 255, -1)  # the point
    if speck:
        cv2.line(ink, (312, 40), (309, 56), 255, 4)  # a crumb high over it
    arr = np.pad(255 - ink, 30, constant_values=255)
    field = digitocr.read(arr, "amount", predictor=predictor)[0].fields["amount"]
    assert field.value == "6881.33"


@pytest.mark.parametrize("runs_off", [True, False])
def test_an_amount_run_into_the_scanners_border_goes_to_review(predictor, runs_off: bool) -> None:
    """A boxed amount whose writing past the box was erased with the scanner's border
    (templates.locate._runs_off) is read as it stands, and checked."""
    from digitocr.pipeline import _read_one
    from digitocr.templates.schema import load_template
    from digitocr.types import AlignedPage, FieldCrop, Page

    spec = next(f for f in load_template("cheque").fields if f.name == "amount")
    ink = np.zeros((140, 420), np.uint8)
    cv2.putText(ink, "2904", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 9)
    gray = 255 - ink
    box = (0, 0, 420, 140)
    field = FieldCrop("amount", "amount", gray, ink, box, method="box", runs_off=runs_off)
    page = AlignedPage(Page("p.png", 1, gray), gray, ink, 0.0, np.eye(2, 3))
    result = _read_one(page, spec, field, predictor, 0.9)
    assert result.value == "2904" and result.confidence > 0.9
    assert result.needs_review is runs_off


def _drawn_envelope(zip_code: str) -> np.ndarray:
    """An envelope: a stamp's box top right, a typed address, a ZIP after its last line."""
    img = np.full((1100, 2200), 255, np.uint8)
    cv2.rectangle(img, (1880, 70), (2090, 300), 0, 4)
    cv2.putText(img, "STAMP", (1915, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    for i, line in enumerate(["JOHN SMITH", "1500 ELM BLVD", "SPRINGFIELD, IL"]):
        cv2.putText(img, line, (800, 520 + 80 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    cv2.putText(img, zip_code, (1340, 690), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.6, 0, 6)
    return img


def test_an_envelope_is_turned_by_its_stamp(predictor, monkeypatch) -> None:
    """'10881' reads as a sure '18801' upside down: its digits cannot tell the way up
    (seed 2057's boxed code was read upside down and accepted). The stamp, top right on
    mail the right way up, can: a page upside down is read turned, and only so; one
    upright is never read upside down; one sideways is read the quarter turn that puts
    the stamp top right, not the other."""
    import digitocr.pipeline as pipeline
    from digitocr.templates.schema import load_template

    envelope = load_template("envelope")
    assert envelope.mark == "top-right"
    unmarked = envelope.model_copy(update={"mark": None})
    tried: list[int] = []
    real = pipeline._read_turned

    def spy(page, degrees, *args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append(degrees)
        return real(page, degrees, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_read_turned", spy)
    upright = _drawn_envelope("10881")
    for degrees in (180, 270, 90):
        turned = np.ascontiguousarray(np.rot90(upright, -degrees // 90))  # clockwise
        tried.clear()
        rec = digitocr.read(turned, envelope, predictor=predictor)[0]
        assert rec.orientation == degrees
        assert rec.fields["zip"].value == "10881" and not rec.fields["zip"].needs_review
        if degrees == 180:
            assert tried == [180]
        else:
            assert tried == [0, degrees], "as it comes (poor), then the stamp's quarter"
    # Sideways, the mark's quarter is read even where the lines do not say sideways,
    # and needs only read better than the page as it comes (however little a weak
    # reading of another way would have to show).
    with monkeypatch.context() as m:
        m.setattr(pipeline, "line_direction", lambda ink: 0.0)
        m.setattr(pipeline, "_LEAST_EVIDENCE", 1e9)
        turned = np.ascontiguousarray(np.rot90(upright, -3))
        assert digitocr.read(turned, envelope, predictor=predictor)[0].orientation == 270
        assert digitocr.read(turned, unmarked, predictor=predictor)[0].orientation == 0
    # Without the mark, upside down reads as it comes: '18801', as sure.
    upside_down = np.ascontiguousarray(upright[::-1, ::-1])
    assert digitocr.read(upside_down, unmarked, predictor=predictor)[0].orientation == 0

    scrawl = _drawn_envelope("")  # no ZIP: a reading as poor as can be
    cv2.line(scrawl, (1340, 660), (1600, 690), 0, 6)
    tried.clear()
    assert digitocr.read(scrawl, unmarked, predictor=predictor)[0].orientation == 0
    assert 180 in tried
    tried.clear()
    assert digitocr.read(scrawl, envelope, predictor=predictor)[0].orientation == 0
    assert tried == [0]
