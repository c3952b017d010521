import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitocr.imaging.binarize import binarize, drop_scan_border, normalize_gray
from digitocr.imaging.deskew import estimate_skew, rotate
from digitocr.imaging.orientation import corner_mark, line_direction


def _text_page(angle: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((1200, 1700), 240, np.uint8)
    for row in range(8):
        y = 150 + row * 120
        x = 120
        while x < 1500:
            w = int(rng.integers(20, 90))
            cv2.rectangle(page, (x, y), (x + w, y + 30), 30, -1)
            x += w + int(rng.integers(15, 40))
    cv2.line(page, (100, 1100), (1600, 1100), 60, 3)
    m = cv2.getRotationMatrix2D((850, 600), angle, 1.0)
    return cv2.warpAffine(page, m, (1700, 1200), borderValue=240)


@settings(max_examples=12, deadline=None)
@given(angle=st.floats(-5.0, 5.0))
def test_deskew_recovers_the_angle(angle: float) -> None:
    page = _text_page(angle)
    est = estimate_skew(binarize(normalize_gray(page)))
    assert abs(est - angle) < 0.3


def test_rotate_undoes_the_skew() -> None:
    page = _text_page(3.0)
    fixed, inverse = rotate(page, 3.0)
    assert abs(estimate_skew(binarize(normalize_gray(fixed)))) < 0.3
    assert inverse.shape == (2, 3)


@pytest.mark.parametrize("angle", [-0.5, 0.0, 0.5])  # the cue is taken after deskewing
def test_lines_of_text_tell_a_page_turned_a_quarter(angle: float) -> None:
    ink = binarize(normalize_gray(_text_page(angle)))
    assert line_direction(ink) > 0.17
    assert line_direction(np.ascontiguousarray(np.rot90(ink))) < -0.17
    assert line_direction(np.zeros((300, 400), np.uint8)) == 0.0


def _envelope_ink(stamp: bool = True, frame: bool = False) -> np.ndarray:
    """The ink of an envelope 2200 x 1100: address lines in the middle, a stamp's box
    top right, and (`frame`) the dark border of a scan all round."""
    ink = np.zeros((1100, 2200), np.uint8)
    for i in range(3):
        cv2.rectangle(ink, (800, 480 + 80 * i), (1500, 520 + 80 * i), 255, -1)
    if stamp:
        cv2.rectangle(ink, (1880, 70), (2090, 300), 255, 4)
        cv2.rectangle(ink, (1915, 170), (2050, 200), 255, -1)  # its printed word
    if frame:
        cv2.rectangle(ink, (0, 0), (2199, 1099), 255, 25)
    return ink


@pytest.mark.parametrize("frame", [False, True])
def test_a_stamp_in_its_corner_tells_the_way_up(frame: bool) -> None:
    ink = _envelope_ink(frame=frame)
    turned = np.ascontiguousarray(ink[::-1, ::-1])
    assert corner_mark(ink, "top-right") == 0
    assert corner_mark(turned, "top-right") == 180
    # A template whose mark is in another corner learns nothing from this one.
    assert corner_mark(ink, "top-left") is None
    # No stamp, or ink in both corners: nothing told.
    assert corner_mark(_envelope_ink(stamp=False, frame=frame), "top-right") is None
    assert corner_mark(np.maximum(ink, turned), "top-right") is None
    # Turned a quarter (content clockwise), for a page taken for sideways.
    for degrees in (90, 270):
        sideways = np.ascontiguousarray(np.rot90(ink, -degrees // 90))
        assert corner_mark(sideways, "top-right", quarter=True) == degrees


def test_light_ink_on_dark_paper_is_inverted() -> None:
    page = np.full((200, 300), 20, np.uint8)
    cv2.putText(page, "123", (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 4, 230, 8)
    norm = normalize_gray(page)
    assert np.median(norm) > 200, "paper must come out light"
    assert binarize(norm).mean() > 0


@pytest.mark.parametrize("value", [0, 255, 128])
def test_uniform_pages_have_no_ink(value: int) -> None:
    page = np.full((300, 400), value, np.uint8)
    assert not binarize(normalize_gray(page)).any()


def test_light_rulings_next_to_dark_digits_survive() -> None:
    page = np.full((300, 600), 235, np.uint8)
    cv2.line(page, (20, 100), (580, 100), 165, 2)  # a light printed ruling
    cv2.putText(page, "88", (60, 95), cv2.FONT_HERSHEY_SIMPLEX, 3, 10, 14)  # heavy dark digits
    mask = binarize(normalize_gray(page))
    assert mask[99:103, 20:580].any(axis=0).mean() > 0.95


def test_mottled_paper_is_not_ink() -> None:
    rng = np.random.default_rng(0)
    h, w = 800, 1600
    mottle = cv2.GaussianBlur(rng.normal(0, 1, (h // 6, w // 6)).astype(np.float32), (0, 0), 1)
    mottle = cv2.resize(mottle / mottle.std(), (w, h), interpolation=cv2.INTER_CUBIC)
    # Recycled envelope paper: blotches a few grey levels apart, a sparse address on it.
    page = np.clip(235 + 2.5 * mottle + rng.normal(0, 1.5, (h, w)), 0, 255).astype(np.uint8)
    text = np.zeros((h, w), np.uint8)
    cv2.putText(text, "ROBIN CHEN", (500, 380), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 255, 3)
    cv2.putText(text, "47894", (900, 470), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.4, 255, 3)
    page[text > 0] = 90
    ink = binarize(normalize_gray(page))
    stray = (ink > 0) & (cv2.dilate(text, np.ones((5, 5), np.uint8)) == 0)
    assert stray.mean() < 0.02, "the blotches are paper"
    assert ((ink > 0) & (text > 0)).sum() > 0.98 * (text > 0).sum(), "the writing is ink"


def test_the_scanners_dark_background_at_the_edges_is_not_ink() -> None:
    page = np.full((700, 1400), 235, np.uint8)
    page[:, :22] = 40  # the scanner bed beside a page scanned askew ...
    cv2.fillPoly(page, [np.array([(300, 0), (1400, 0), (1400, 30)])], 40)  # ... and above it
    cv2.rectangle(page, (100, 450), (1300, 699), 60, 3)  # a printed frame cut by the edge
    for i in range(6):  # a comb row near the top
        cv2.rectangle(page, (150 + 50 * i, 70), (190 + 50 * i, 120), 60, 2)
    ink = binarize(page)
    assert ink[300, 10] and ink[5, 1000], "the test needs the background binarised as ink"
    kept = drop_scan_border(ink)
    assert not kept[300, 10] and not kept[5, 1000]
    assert (kept[440:, 90:1310] == ink[440:, 90:1310]).all(), "the printed frame stays"
    assert (kept[60:130, 140:460] == ink[60:130, 140:460]).all(), "the comb row stays"
    digit = np.zeros((60, 40), np.uint8)
    digit[:, 15:25] = 255  # a '1' touching both edges of a cut-out field
    assert (drop_scan_border(digit) == digit).all()


def test_a_digit_written_up_to_the_scanners_background_stays_ink() -> None:
    """Seed 2065's cheque: cents written on past the box up to the paper's edge, an 8
    touching the scanner's dark background there, were erased with it ('32835,87' read
    '32835', accepted). The background goes, the 8 stays but for its side by it."""
    page = np.full((700, 1400), 235, np.uint8)
    page[:, 1370:] = 40  # the scanner bed beside the paper's right edge
    cv2.circle(page, (1350, 300), 18, 40, 6)  # an 8 whose lower loop touches it
    cv2.circle(page, (1350, 340), 22, 40, 6)
    ink = binarize(page)
    assert ink[300, 1385] and ink[340, 1372], "the test needs the background and the 8 as ink"
    kept = drop_scan_border(ink)
    assert not kept[:, 1372:].any(), "the background is not ink"
    eight = ink[250:400, 1300:1370] > 0
    assert (kept[250:400, 1300:1370] > 0).sum() > 0.5 * eight.sum(), "the 8 is ink"


def test_a_digit_written_across_a_frame_at_the_edge_is_not_scanner_background() -> None:
    """A cheque's printed frame cut by the image's edges, and an amount written on past
    its box onto the frame's side: a '2' whose loop closes up into a thick spot. The
    frame and the digit are one component touching the edge, thick at that spot, but
    not solid along the frame: it stays ink."""
    page = np.full((700, 1400), 235, np.uint8)
    cv2.line(page, (1250, 0), (1250, 699), 60, 3)  # the frame's side, edge to edge
    cv2.line(page, (0, 40), (1250, 40), 60, 3)
    two = np.array([(1215, 300), (1240, 280), (1262, 300), (1225, 360), (1275, 360)])
    cv2.polylines(page, [two], False, 40, 6)
    cv2.circle(page, (1250, 292), 10, 40, -1)  # the pen closing up the 2's hook
    ink = binarize(page)
    assert ink[292, 1250] and ink[360, 1270]
    kept = drop_scan_border(ink)
    assert (kept == ink).all(), "the frame and the 2 written across it stay"


def test_digits_closing_up_at_spots_along_an_edge_frame_are_no_band() -> None:
    """Seed 2064's cheque: a frame touching the image's edge, an amount box joined to it
    by the last digits written over the box's side onto the frame, each closed up into
    a thick spot. Together they span more than a band's run, but further in from the
    image's edge than they are thick: all of it stays ink (the box and its amount were
    erased, and the amount read the date)."""
    page = np.full((700, 1400), 235, np.uint8)
    cv2.line(page, (1250, 0), (1250, 699), 60, 3)  # the frame's side, edge to edge
    cv2.line(page, (0, 40), (1250, 40), 60, 3)
    cv2.rectangle(page, (900, 260), (1200, 340), 60, 3)  # the amount box
    for x in (1170, 1215, 1262):  # three digits in a row, from the box to the frame
        cv2.line(page, (x - 30, 300), (x + 30, 300), 40, 6)
        cv2.circle(page, (x, 300), 13, 40, -1)
    ink = binarize(page)
    assert ink[300, 1215] and ink[260, 1000]
    kept = drop_scan_border(ink)
    assert (kept == ink).all(), "the frame, the box and the digits across them stay"


def test_components_with_16_bit_labels_match_opencvs_and_fall_back_when_too_many() -> None:
    from digitocr.imaging.labels import components_with_stats

    rng = np.random.default_rng(3)
    mask = ((rng.random((300, 400)) > 0.7) * 255).astype(np.uint8)
    n, labels, stats, cents = components_with_stats(mask)
    n32, labels32, stats32, cents32 = cv2.connectedComponentsWithStats(mask, connectivity=8)
    assert labels.dtype == np.uint16
    assert n == n32 and (labels == labels32).all()
    assert (stats == stats32).all() and np.allclose(cents, cents32)
    many = np.zeros((1200, 1200), np.uint8)
    many[::3, ::3] = 255  # 160,000 single-pixel components
    n, labels, _, _ = components_with_stats(many)
    assert n == 160_001 and labels.dtype == np.int32
