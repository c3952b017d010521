from pathlib import Path

import pytest

from digitocr.errors import TemplateError
from digitocr.templates.schema import builtin_names, load_template

ROOT = Path(__file__).resolve().parent.parent


def test_builtins_load() -> None:
    names = builtin_names()
    for required in ("cheque", "envelope", "form", "digits", "digit", "amount", "date", "zip"):
        assert required in names
        assert load_template(required).fields


def test_form_takes_its_rows_in_any_order() -> None:
    t = load_template("form")
    assert t.any_order and [f.name for f in t.fields] == ["account", "phone", "dob", "amount"]


def test_a_template_says_how_its_dates_are_written() -> None:
    """The built-in cheque and forms take a date either way (bench-dev's cheques and forms
    mix DD/MM and MM/DD); the worked example prints DD/MM/YYYY and says so."""
    for name in ("cheque", "form", "form-a4", "form-letter", "date"):
        t = load_template(name)
        dates = [f for r in (t, *t.resolved) for f in r.fields if f.type == "date"]
        assert dates and all(f.date_order == "any" for f in dates), name
    (dob,) = [
        f
        for f in load_template(ROOT / "pipelines" / "application-form.yaml").fields
        if f.name == "dob"
    ]
    assert dob.date_order == "dmy"


def test_a_cheques_date_has_plausible_years_and_a_date_of_birth_any() -> None:
    """A cheque read tonight was written in the last decades (bench-dev's: 1994-2026),
    a date of birth may be any year (bench-dev's forms: 1936-2006)."""
    (date,) = [f for f in load_template("cheque").fields if f.type == "date"]
    assert date.years[0] <= 1990 and date.years[1] >= 2030 and date.years != (1900, 2099)
    for name in ("form", "form-a4", "form-letter", "date"):
        t = load_template(name)
        assert all(f.years == (1900, 2099) for r in (t, *t.resolved) for f in r.fields), name


def test_variants_resolve(tmp_path: Path) -> None:
    (tmp_path / "both.yaml").write_text(
        "name: both\nvariants: [form-a4, form-letter]\nfields:\n"
        "  - {name: account, locate: [{method: comb}]}\n"
        "  - {name: phone, locate: [{method: comb}]}\n"
        "  - {name: dob, type: date, locate: [{method: comb}]}\n"
        "  - {name: amount, type: amount, locate: [{method: box}]}\n"
    )
    t = load_template(tmp_path / "both.yaml")
    assert {v.name for v in t.resolved} == {"form-a4", "form-letter"}


def test_variant_with_other_fields_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: bad\nvariants: [cheque]\nfields:\n  - {name: x, locate: [{method: whole}]}\n"
    )
    with pytest.raises(TemplateError, match="must have the fields"):
        load_template(tmp_path / "bad.yaml")


def test_working_resolution_is_off_unless_a_template_asks(tmp_path: Path) -> None:
    assert load_template("cheque").max_side is None
    (tmp_path / "fast.yaml").write_text(
        "name: fast\nmax_side: 1800\nfields:\n  - {name: a, locate: [{method: whole}]}\n"
    )
    assert load_template(tmp_path / "fast.yaml").max_side == 1800


def test_user_template_from_pipelines() -> None:
    t = load_template(ROOT / "pipelines" / "application-form.yaml")
    assert [f.name for f in t.fields] == ["account", "phone", "dob", "amount"]
    assert t.fields[0].draw and t.fields[0].draw["groups"] == [10]


def test_unknown_template_lists_builtins() -> None:
    with pytest.raises(TemplateError, match="cheque"):
        load_template("no-such-template")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("name: x\nfields: []\n", "fields"),
        (
            "name: x\nfields:\n  - name: a\n    type: money\n    locate: [{method: box}]\n",
            "fields.0.type",
        ),
        (
            "name: x\nfields:\n  - name: a\n"
            "    locate: [{method: box, region: [0.5, 0, 0.2, 1]}]\n",
            "region",
        ),
        (
            "name: x\nfields:\n  - name: a\n    locate: [{method: comb, below: b}]\n",
            "refers to 'b'",
        ),
        (
            "name: x\nfields:\n  - {name: a, locate: [{method: whole}]}\n"
            "  - {name: a, locate: [{method: whole}]}\n",
            "unique",
        ),
        ("name: x\nmax_side: 100\nfields:\n  - {name: a, locate: [{method: whole}]}\n", "max_side"),
        ("name: x\nmark: middle\nfields:\n  - {name: a, locate: [{method: whole}]}\n", "mark"),
        (
            "name: x\nfields:\n"
            "  - {name: a, type: date, date_order: ymd, locate: [{method: whole}]}\n",
            "fields.0.date_order",
        ),
        (
            "name: x\nfields:\n  - {name: a, date_order: dmy, locate: [{method: whole}]}\n",
            "date_order is for date fields",
        ),
        (
            "name: x\nfields:\n  - {name: a, years: [1990, 2030], locate: [{method: whole}]}\n",
            "years is for date fields",
        ),
        (
            "name: x\nfields:\n"
            "  - {name: a, type: date, years: [2030, 1990], locate: [{method: whole}]}\n",
            "years must be [first, last]",
        ),
        ("name: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_template_errors_name_field_and_problem(tmp_path: Path, body: str, needle: str) -> None:
    p = tmp_path / "t.yaml"
    p.write_text(body)
    with pytest.raises(TemplateError) as err:
        load_template(p)
    assert needle in err.value.message
    if needle != "fields":  # a field's own error, not the list then counted short
        assert "at least 1 item" not in err.value.message
