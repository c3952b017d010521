import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from digitocr.segment.normalize import normalize_digit


def _com(a: np.ndarray) -> tuple[float, float]:
    s = a.sum()
    return float((a.sum(1) * np.arange(28)).sum() / s), float((a.sum(0) * np.arange(28)).sum() / s)


@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(5, 400),
    w=st.integers(3, 400),
    x=st.floats(0.1, 0.9),
    y=st.floats(0.1, 0.9),
    t=st.integers(1, 12),
)
def test_any_stroke_becomes_centred_28x28(h: int, w: int, x: float, y: float, t: int) -> None:
    img = np.zeros((h, w), np.uint8)
    cv2.line(img, (0, 0), (int(x * (w - 1)), int(y * (h - 1))), 255, t)
    cv2.line(img, (w - 1, h - 1), (int(x * (w - 1)), int(y * (h - 1))), 255, t)
    out = normalize_digit(img)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert abs(out.max() - 1.0) < 1e-6
    ys, xs = np.nonzero(out > 0.05)
    assert max(ys.max() - ys.min(), xs.max() - xs.min()) <= 22  # the 20x20 box, anti-aliased
    cy, cx = _com(out)
    assert abs(cy - 14) < 1.5 and abs(cx - 14) < 1.5


def test_empty_and_degenerate_inputs() -> None:
    assert not normalize_digit(np.zeros((10, 10), np.uint8)).any()
    assert not normalize_digit(np.zeros((0, 5), np.uint8)).any()
    assert normalize_digit(np.full((1, 1), 255, np.uint8)).shape == (28, 28)


def test_mnist_digits_survive_renormalisation(mnist_dir) -> None:
    from digitocr import datasets

    m = datasets.load("test", mnist_dir)
    out = np.stack([normalize_digit(im) for im in m.images[:300]])
    diff = np.abs(out - m.images[:300] / 255.0).mean()
    assert diff < 0.05, f"our normalisation drifts from MNIST's own: mean |diff| {diff:.3f}"


def test_thin_scan_strokes_are_thickened_like_mnist() -> None:
    img = np.zeros((300, 200), np.uint8)
    cv2.ellipse(img, (100, 150), (80, 140), 0, 0, 360, 255, 2)  # a '0' with a 2 px pen at 300 px
    out = normalize_digit(img)
    ink = (out > 0.5).sum()
    assert ink > 60, "a hairline stroke must not vanish when shrunk to 20x20"


def test_strokes_thicker_than_most_of_mnists_are_thinned_towards_mnists() -> None:
    """Scanned digits are often drawn (or blurred) thicker than MNIST's: a loop half as
    thick again as MNIST's strokes comes out nearer their width, and whole."""
    from digitocr.segment.normalize import TARGET_STROKE, stroke_width

    ink = np.zeros((140, 120), np.uint8)
    cv2.ellipse(ink, (60, 70), (40, 50), 0, 0, 360, 255, 22)  # 1.5x MNIST's width
    out = ((normalize_digit(ink) > 0.5) * 255).astype(np.uint8)
    assert 0.9 * TARGET_STROKE <= stroke_width(out) <= 1.35 * TARGET_STROKE
    _, hierarchy = cv2.findContours(out, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    assert hierarchy is not None and (hierarchy[0][:, 3] >= 0).sum() == 1, "the loop stays open"
