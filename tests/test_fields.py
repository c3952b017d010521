import pytest

from digitocr.fields import (
    Item,
    build_value,
    is_valid,
    missing_digits,
    mixed_up,
    surplus_digits,
    without_lone_point,
    zip_after_mark,
    zip_after_state,
)
from digitocr.templates.schema import FieldSpec, Locate

WHOLE = (Locate(method="whole"),)


def items(text: str, conf: float = 0.99) -> list[Item]:
    return [Item(c, 1.0 if not c.isdigit() else conf, not c.isdigit()) for c in text]


def spec(kind: str, length: tuple[int, int] | None = None) -> FieldSpec:
    return FieldSpec(name="f", type=kind, locate=WHOLE, length=length)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1234.56", "1234.56"),
        ("87,00", "87.00"),
        ("450", "450"),
        ("1.480", "1480"),
        ("1.480.25", "1480.25"),
        ("-87.00-", "87.00"),
        ("12,345.67", "12345.67"),
    ],
)
def test_amount_values(written: str, value: str) -> None:
    v = build_value(spec("amount"), items(written))
    assert v == value
    assert is_valid(spec("amount"), v)


def test_amount_with_one_cent_digit_is_invalid() -> None:
    v = build_value(spec("amount"), items("87.5"))
    assert v == "87.5" and not is_valid(spec("amount"), v)


@pytest.mark.parametrize(
    ("read", "value"),
    [
        ("5324.0.5", "5324.05"),  # a crumb between the cents is not the decimal point
        ("49625.9.6", "49625.96"),
        ("1.480.2.5", "1480.25"),
        ("17.50.20", "1750.20"),  # and one among the whole units
        ("29..74", "29.74"),  # a point found twice
    ],
)
def test_amount_decimal_point_is_the_one_before_two_cents(read: str, value: str) -> None:
    v = build_value(spec("amount"), items(read))
    assert v == value and is_valid(spec("amount"), v)


@pytest.mark.parametrize("read", ["40113.353", "14050.114", "1234.567", "12.3456"])
def test_amount_points_that_cannot_group_thousands_make_it_invalid(read: str) -> None:
    """Cents cut into three pieces ('35' read '353') must not pass as a whole amount."""
    v = build_value(spec("amount"), items(read))
    assert v is not None and "." in v and not is_valid(spec("amount"), v)


@pytest.mark.parametrize(
    ("written", "value", "valid"),
    [
        ("07/11/2026", "07/11/2026", True),
        ("07-11-2026", "07/11/2026", True),
        ("07112026", "07/11/2026", True),
        ("0711112026", "07/11/2026", True),
        ("07/1112026", "07/11/2026", True),
        ("07111/2026", "07/11/2026", True),
        ("45/45/2026", "45/45/2026", False),
        ("071126", "07/11/26", True),
        ("2103.2012", "21/03/2012", True),  # comb cells and a speck: the 1 is a digit
        ("17.10.2005", "17/10/2005", True),
        ("2103/1991", "21/03/1991", True),  # comb groups: one printed slash missed
        ("23./0711998", "23/07/1998", True),  # a crumb beside a slash, a slash read as 1
        ("22-/1//1993", "22/11/1993", True),  # a 2's foot cut off, a slanted 1 read as '/'
        ("24-03-/997", "24/03/1997", True),  # written with hyphens: its one slash is a 1
        ("21-11.-20/4", "21/11/2014", True),  # and a speck beside a hyphen is no separator
        ("21-11.2014", "21/11/2014", True),  # one hyphen and one point both separate
        ("2/-07-20/8", "21/07/2018", True),  # hyphens, and two slanted 1s read as '/'
        ("1/-02--2012", "11/02/2012", True),  # a hyphen in two strokes, a 1 read as '/'
    ],
)
def test_dates(written: str, value: str, valid: bool) -> None:
    # '0711112026': both slashes read as '1'; '07/1112026': one of them.
    v = build_value(spec("date"), items(written))
    assert v == value
    assert is_valid(spec("date"), v) is valid


@pytest.mark.parametrize(
    ("digits", "value", "valid"),
    [
        ("02139", "02139", True),
        ("123456789", "12345-6789", True),
        ("100080", "100080", True),
        ("1234", "1234", False),
        ("12345678", "12345678", False),
        ("02139-4321", "02139-4321", True),
        ("7102139-4321", "02139-4321", True),  # 'TX' before it, taken for digits
        ("7102139", "7102139", True),  # no hyphen: a 7-digit postal code
        ("7102139-432", "7102139432", False),
    ],
)
def test_zip(digits: str, value: str, valid: bool) -> None:
    s = spec("zip", (5, 9))
    v = build_value(s, items(digits))
    assert v == value and is_valid(s, v) is valid


def test_digits_length_and_empty() -> None:
    s = spec("digits", (10, 10))
    assert is_valid(s, build_value(s, items("0123456789")))
    assert not is_valid(s, build_value(s, items("012345678")))
    assert build_value(s, []) is None and not is_valid(s, None)


def test_a_us_zip_at_the_end_of_an_address_has_5_or_9_digits() -> None:
    s = spec("zip", (5, 9))
    six = build_value(s, items("559157"))  # a stroke of a 9 read as an extra 1
    assert is_valid(s, six)  # six cells of a boxed postal code: a valid length
    assert not is_valid(s, six, "trailing")
    assert is_valid(s, build_value(s, items("55957")), "trailing")
    assert is_valid(s, build_value(s, items("55957-1234")), "trailing")
    assert missing_digits(s, items("559157"), six, "trailing") == 0  # too many
    plus4 = items("536-2649")  # touching digits of the first group read as one
    assert missing_digits(s, plus4, build_value(s, plus4), "trailing") == 2


def test_five_digits_about_a_hyphen_one_read_as_hardly_any_are_a_zip_plus_4() -> None:
    # '55204-4390' read '204-00': its '552' and '439' each one blob, read as hardly any
    # digit. Five digits make a ZIP, but the hyphen between them asks for nine.
    s = spec("zip", (5, 9))
    read = [*items("204"), Item("-", 1.0, True), Item("0", 0.02, False), *items("0")]
    value = build_value(s, read)
    assert is_valid(s, value, "trailing")
    assert missing_digits(s, read, value, "trailing") == 4
    assert missing_digits(s, read, value) == 0  # a boxed code: not a US address's ZIP
    sure = items("204-00")  # every crop read as a digit: five it is, the hyphen a stray
    assert missing_digits(s, sure, build_value(s, sure), "trailing") == 0


@pytest.mark.parametrize(
    ("kind", "length", "read", "missing"),
    [
        ("zip", (5, 9), "9986", 1),  # two digits read as one
        ("zip", (5, 9), "2047-", 1),  # a crossed 7's bar past its stem: no ZIP+4's hyphen
        ("zip", (5, 9), "123", 2),
        ("zip", (5, 9), "56615114", 1),  # a ZIP+4 short of one digit
        ("zip", (5, 9), "02139", 0),
        ("zip", (5, 9), "0213971", 0),  # a 7-digit postal code
        ("zip", (5, 9), "1234567890", 0),  # too many: splitting cannot help
        ("date", None, "12/07/200", 1),  # a 3-digit year
        ("date", None, "09/07/997", 1),  # 7 digits, made a plausible 09/07/99 by taking
        ("date", None, "10/04/20/3", 0),  # the last for a slash; 7 crops and a slash
        ("date", None, "09/07/1997", 0),  # read as the 1 of 2013: complete
        ("date", None, "10/041211", 1),  # 8 crops made 10/04/21 by taking 1s for slashes
        ("date", None, "09/07/97", 0),
        ("date", None, "21/1/1995", 1),  # month '11' read as one 1, then zero-filled
        ("date", None, "22/1//1993", 0),  # month '11', its second 1 read as a slash: 22/11
        ("digits", (10, 10), "01234567", 2),
        ("amount", None, "12", 0),  # an amount's length says nothing
    ],
)
def test_missing_digits(kind: str, length, read: str, missing: int) -> None:
    s, its = spec(kind, length), items(read)
    assert missing_digits(s, its, build_value(s, its)) == missing


@pytest.mark.parametrize(
    ("read", "surplus"),
    [
        ("910114", 1),
        ("91014", 0),
        ("9101456", 2),
        ("91014-56789", 1),
        ("910145678", 0),
        ("910114-", 1),  # a hyphen after the last digit is no ZIP+4's
    ],
)
def test_surplus_digits_of_a_us_zip(read: str, surplus: int) -> None:
    s, its = spec("zip", (5, 9)), items(read)
    assert surplus_digits(s, its, build_value(s, its), "trailing") == surplus
    assert surplus_digits(spec("digits"), its, read) == 0


@pytest.mark.parametrize(
    ("length", "read", "surplus"),
    [
        ((10, 10), "01234567891", 1),  # a digit broken in two, or a speck read as a 1
        ((10, 10), "0123456789123", 3),
        ((10, 10), "0123456789", 0),
        ((6, 12), "0123456789", 0),
        ((1, 1), "41", 1),  # a cut-out 4 whose stem stands apart
        (None, "01234567891", 0),  # no length: any count is valid
    ],
)
def test_surplus_digits_over_a_template_length(length, read: str, surplus: int) -> None:
    s, its = spec("digits", length), items(read)
    assert surplus_digits(s, its, build_value(s, its)) == surplus


@pytest.mark.parametrize(
    ("read", "surplus"),
    [
        ("12/675/2020", 1),
        ("12/05/20208", 1),
        ("022/10/1995", 1),  # a 2's foot cut off and read as a 2: not day 22
        ("12/05/2020", 0),
        ("126/75/20208", 0),
    ],
)
def test_surplus_digits_of_a_date(read: str, surplus: int) -> None:
    """Nine digits and no date: one too many. A date, or ten digits, is left alone."""
    s, its = spec("date"), items(read)
    assert surplus_digits(s, its, build_value(s, its)) == surplus


def test_seven_crops_one_not_a_digit_lack_one_though_a_slash_made_up_the_count() -> None:
    # '01/12/2005': the touching '01' read as a 0 at almost nothing, the month's 1 taken
    # for a slash and the first slash for a 1 make 8 digits, '01/02/2005'.
    s = spec("date")
    read = items("0/12/2005")
    assert missing_digits(s, read, build_value(s, read)) == 0, "all sure: complete"
    read[0] = Item("0", 0.01, False)
    assert build_value(s, read) == "01/02/2005"
    assert missing_digits(s, read, build_value(s, read)) == 1


def test_six_crops_one_hardly_a_digit_lack_one() -> None:
    # '15/09/2011': the year's '11' written touching, read as a 0 at almost nothing (and
    # the day's 1 taken for a slash): six digits make a date, but not with such a crop.
    s = spec("date")
    read = items("/5-09-200")
    assert missing_digits(s, read, build_value(s, read)) == 0, "all sure: a short date"
    read[-1] = Item("0", 0.002, False)
    assert missing_digits(s, read, build_value(s, read)) == 1


def test_nine_crops_and_no_date_with_one_hardly_a_digit_lack_one() -> None:
    # '07/01/2023': both slashes read as 1s, the touching '20' as a 6 at 0.01.
    s = spec("date")
    read = items("071011623")
    assert missing_digits(s, read, build_value(s, read)) == 0, "all sure: nothing to split"
    read[6] = Item("6", 0.01, False)
    assert missing_digits(s, read, build_value(s, read)) == 1
    dated = items("07101/2023")  # nine crops that make a date (a slash read as 1): complete
    dated[6] = Item("2", 0.01, False)
    assert missing_digits(s, dated, build_value(s, dated)) == 0


@pytest.mark.parametrize(
    ("kind", "read", "mixed"),
    [
        ("date", "9/07/19960", True),  # '02' read as a 9 and the 6's loop apart as a 0
        ("date", "9/07/1996", False),  # 7 crops: missing_digits' case
        ("zip", "94021", True),
        ("zip", "94021-1234", True),
        ("zip", "940214", False),
        ("amount", "9402.14", False),  # an amount's count says nothing
    ],
)
def test_a_crop_not_one_digit_in_a_full_count_may_be_a_pair_made_up_for(
    kind: str, read: str, mixed: bool
) -> None:
    assert not mixed_up(spec(kind), items(read)), "all read as sure digits"
    unsure = items(read)
    unsure[0] = Item(read[0], 0.01, False)  # the first crop read as not one digit
    assert mixed_up(spec(kind), unsure) is mixed


def test_a_short_year_with_a_digit_hardly_read_lacks_two_digits() -> None:
    # '24/08/2000' with its '000' touching: one blob, read as a '0' at almost nothing.
    read = items("24/08/20")
    read[-1] = Item("0", 0.01, False)
    s = spec("date")
    assert missing_digits(s, read, build_value(s, read)) == 2
    assert missing_digits(s, items("24/08/20"), "24/08/20") == 0, "a year written short"


def test_an_impossible_comb_date_takes_the_runner_up_of_an_unsure_digit() -> None:
    read = items("77032024")
    read[0] = Item("7", 0.72, False, ("1", 0.25))  # a 1 read as 7: day 77
    assert build_value(spec("date"), read) == "17/03/2024"


def test_a_date_order_rules_out_the_other_reading() -> None:
    """A template that says how its dates are written: month 17 is no DD/MM date, so an
    unsure 7 takes its runner-up ('02/11/2023' read '02/17/2023', a 1 read as a 7),
    where either order would take '02/17/2023' for the 17th of February."""
    dmy = FieldSpec(name="f", type="date", locate=WHOLE, date_order="dmy")
    mdy = FieldSpec(name="f", type="date", locate=WHOLE, date_order="mdy")
    assert is_valid(spec("date"), "02/17/2023") and is_valid(spec("date"), "17/02/2023")
    assert not is_valid(dmy, "02/17/2023") and is_valid(dmy, "17/02/2023")
    assert is_valid(mdy, "02/17/2023") and not is_valid(mdy, "17/02/2023")
    read = items("02172023")
    read[3] = Item("7", 0.6, False, ("1", 0.35))
    assert build_value(spec("date"), read) == "02/17/2023"
    assert build_value(dmy, read) == "02/11/2023"
    assert build_value(mdy, read) == "02/17/2023"


def test_a_year_outside_the_templates_years_takes_the_runner_up_of_an_unsure_digit() -> None:
    """A cheque's date read '13/01/2079' (a 0 read as 7 at 0.6): no year a cheque carries,
    so the 7 takes its runner-up; a template that allows any year keeps 2079."""
    cheque = FieldSpec(name="f", type="date", locate=WHOLE, years=(1970, 2039))
    read = items("13012079")
    read[6] = Item("7", 0.6, False, ("0", 0.38))
    assert build_value(spec("date"), read) == "13/01/2079"
    assert is_valid(spec("date"), "13/01/2079") and not is_valid(cheque, "13/01/2079")
    assert build_value(cheque, read) == "13/01/2009"
    assert is_valid(cheque, "13/01/09") and not is_valid(cheque, "13/01/45")  # 1945, 2045


def test_a_slash_taken_back_for_a_one_and_a_runner_up_together_make_a_date() -> None:
    """'08/07/1995' with its year's 1 drawn slanting (read as a slash) and its first 9
    read as a 4 at 0.43: neither the 1 alone ('1495') nor the 9 alone (seven digits)
    makes a date; both together do. A sure 4 stays."""
    read = items("08/07//495")
    read[7] = Item("4", 0.43, False, ("9", 0.4))
    assert build_value(spec("date"), read) == "08/07/1995"
    read[7] = Item("4", 0.995, False, ("9", 0.004))
    assert build_value(spec("date"), read) != "08/07/1995"


def test_a_sure_digit_keeps_its_label_even_when_the_date_is_impossible() -> None:
    read = items("77032024")
    read[0] = Item("7", 0.995, False, ("1", 0.004))
    assert build_value(spec("date"), read) != "17/03/2024"
    read[0] = Item("7", 0.95, False, ("1", 0.04))  # unsure enough: '09/71/2021' was so
    assert build_value(spec("date"), read) == "17/03/2024"


def test_runner_ups_are_tried_one_change_before_two() -> None:
    read = items("10121006")
    read[4] = Item("1", 0.55, False, ("2", 0.40))  # year 1006: one change makes 2006
    read[5] = Item("0", 0.60, False, ("9", 0.35))  # 2906 would need a second, and fails
    assert build_value(spec("date"), read) == "10/12/2006"


def test_the_digits_report_the_label_the_value_took() -> None:
    from digitocr.pipeline import _as_read
    from digitocr.types import DigitResult

    read = items("77032024")
    read[0] = Item("7", 0.72, False, ("1", 0.25))
    digits = [DigitResult(i.label, i.confidence, (0, 0, 1, 1)) for i in read]
    out = _as_read(build_value(spec("date"), read), read, digits)
    assert [d.label for d in out] == list("17032024")
    assert out[0].confidence == 0.25 and out[1:] == digits[1:]


def test_a_us_zip_of_seven_digits_drops_the_state_read_as_two() -> None:
    """'OR 82839' read 0882839 at the end of an address: the last five. Boxed codes
    (7 cells) and ZIP+4s are left alone."""
    z = spec("zip", (5, 9))
    assert zip_after_state(z, "0882839", "trailing") == "82839"
    assert zip_after_state(z, "0882839", "comb") is None
    assert zip_after_state(z, "82839", "trailing") is None
    assert zip_after_state(z, "82839-1234", "trailing") is None
    assert zip_after_state(spec("digits"), "0882839", "trailing") is None


def test_a_us_zip_of_six_digits_drops_a_first_crop_read_as_hardly_any_digit() -> None:
    """'TX 73612' read 273612 at the end of an address, the 'TX' (a pen mark across it)
    a 2 at 0.0: the last five. A first digit read surely, a ZIP+4, a boxed code and
    another field are left alone."""
    z = spec("zip", (5, 9))
    read = items("273612")
    read[0] = Item("2", 0.0, False)
    assert zip_after_mark(z, read, "273612", "trailing") == "73612"
    assert zip_after_mark(z, items("273612"), "273612", "trailing") is None
    assert zip_after_mark(z, read, "273612", "comb") is None
    assert zip_after_mark(spec("digits"), read, "273612", "trailing") is None
    plus4 = items("27361-2345")
    plus4[0] = Item("2", 0.0, False)
    assert zip_after_mark(z, plus4, "27361-2345", "trailing") is None


def test_an_amount_with_one_digit_after_its_point_read_as_hardly_any_lacks_one() -> None:
    # '3540.11': the cents' '11' written touching, read as a 1 at 0.002.
    s = spec("amount")
    read = items("3540.1")
    assert missing_digits(s, read, build_value(s, read)) == 0, "a sure digit: a speck"
    read[-1] = Item("1", 0.002, False)
    assert missing_digits(s, read, build_value(s, read)) == 1
    assert missing_digits(s, items("3540.11"), "3540.11") == 0


@pytest.mark.parametrize(
    ("kind", "value", "bare"),
    [
        ("amount", "50.1", "501"),
        ("amount", "6755.5", "67555"),
        ("amount", "50.10", None),
        ("amount", "501", None),
        ("amount", "1.2.3", None),
        ("amount", ".5", None),
        ("digits", "50.1", None),
    ],
)
def test_without_lone_point(kind: str, value: str, bare: str | None) -> None:
    assert without_lone_point(spec(kind), value) == bare
