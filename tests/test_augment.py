"""Training augmentations keep digits digits: shape, range, ink and position preserved."""

import cv2
import numpy as np

from digitocr.segment.normalize import normalize_digit
from digitocr.train.augment import Augment, _elastic, _variant, augment_batch, not_one_digit


def _bar() -> np.ndarray:
    img = np.zeros((28, 28), np.float32)
    img[4:24, 12:16] = 1.0  # a "1"
    return img


def test_elastic_distortion_bends_strokes_but_keeps_the_digit() -> None:
    rng = np.random.default_rng(0)
    img = _bar()
    out = [_elastic(img, rng) for _ in range(20)]
    for o in out:
        assert o.shape == img.shape and o.dtype == np.float32
        assert o.min() >= 0.0 and o.max() <= 1.0 + 1e-6
        assert 0.6 < o.sum() / img.sum() < 1.4  # ink neither vanishes nor doubles
        ys, xs = np.nonzero(o > 0.5)
        assert abs(xs.mean() - 13.5) < 2.5 and abs(ys.mean() - 13.5) < 2.5
    moved = [np.abs(o - img).sum() for o in out]
    assert min(moved) > 1.0  # every draw changes the strokes
    assert len({round(m, 3) for m in moved}) == len(moved)  # and each differently


def test_augment_batch_with_elastic_gives_model_ready_floats() -> None:
    rng = np.random.default_rng(1)
    batch = np.stack([np.round(normalize_digit((_bar() * 255).astype(np.uint8)) * 255)] * 8)
    out = augment_batch(batch.astype(np.uint8), Augment(scan=0.5, elastic=1.0), rng)
    assert out.shape == (8, 28, 28, 1) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out[0], out[1])


def test_not_one_digit_is_two_digits_touching() -> None:
    rng = np.random.default_rng(2)
    one = np.zeros((28, 28), np.uint8)
    one[4:24, 12:16] = 255
    zero = np.zeros((28, 28), np.uint8)
    cv2.ellipse(zero, (14, 14), (6, 10), 0, 0, 360, 255, 3)
    for _ in range(20):
        pair = not_one_digit(one, zero, rng)
        n, _ = cv2.connectedComponents((pair > 32).astype(np.uint8))
        assert n - 1 == 1, "the two digits touch"
        _, xs = np.nonzero(pair > 32)
        assert xs.max() - xs.min() + 1 >= 14  # the 1 (4 px) beside the 0 (>= 12 px)
        crop = normalize_digit(pair)
        assert crop.shape == (28, 28) and crop.max() == 1.0


def test_renormalized_augmentation_gives_crops_the_pipeline_would_cut() -> None:
    """Reshaped digits are normalised again: box 20 px, centre of mass at (14, 14)."""
    rng = np.random.default_rng(3)
    seven = np.zeros((28, 28), np.uint8)
    cv2.line(seven, (8, 5), (20, 5), 255, 2)
    cv2.line(seven, (20, 5), (11, 23), 255, 2)
    batch = np.stack([np.round(normalize_digit(seven) * 255).astype(np.uint8)] * 32)
    aug = Augment(
        scan=0.5, elastic=0.5, renormalize=True, shear=0.3, zoom=0.15, binarize=0.5, shift=0.0
    )
    out = augment_batch(batch, aug, rng)[..., 0]
    assert out.shape == (32, 28, 28) and out.min() >= 0.0 and out.max() <= 1.0
    for x in out:
        ys, xs = np.nonzero(x > 0.4)  # above the sensor noise some crops are given
        size = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
        assert 18 <= size <= 22  # fills the 20x20 box
        mass = x.sum()
        cy = (x.sum(axis=1) * np.arange(28)).sum() / mass
        cx = (x.sum(axis=0) * np.arange(28)).sum() / mass
        assert abs(cy - 14) < 1.0 and abs(cx - 14) < 1.0
    # ...and the shapes differ: rotation, slant and width are drawn per digit.
    assert len({round(float(np.abs(x - out[0]).sum()), 2) for x in out}) > 28
    # The original recipe moves and scales the normalised crop instead.
    moved = augment_batch(batch, Augment(scan=0.0, shift=0.1, zoom=0.1), rng)[..., 0]
    offsets = [abs((x.sum(axis=0) * np.arange(28)).sum() / x.sum() - 14) for x in moved]
    assert max(offsets) > 1.0


def _strokes_added(img: np.ndarray, digit: int, seed: int):  # type: ignore[no-untyped-def]
    """Twenty draws of `digit`'s variant on `img`: the drawing, and the rows, columns
    and count of the ink it added."""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        out = _variant(img, digit, rng)
        new = (out > 64) & (img == 0)
        ys, xs = np.nonzero(new)
        yield out, ys, xs, int(new.sum())


def test_a_continental_one_gets_a_stroke_from_its_top_down_to_the_left() -> None:
    big = np.zeros((112, 112), np.uint8)
    big[20:90, 52:60] = 255  # an upright 1, 70 px tall, 8 px wide, as _reshape makes them
    for out, ys, xs, added in _strokes_added(big, 1, 4):
        assert added > 50  # a stroke, not a speck
        assert xs.max() <= 61 and xs.min() < 52 - 4  # left of the stem (but a round cap)
        assert ys.min() >= 18 and ys.max() <= 20 + 0.5 * 70 + 8  # from the top, going down
        assert ys[xs == xs.min()].mean() > ys[xs >= 50].mean()  # its far end lower
        assert (out[big > 0] == 255).all()  # the 1 itself is untouched
    assert (_variant(big, 4, np.random.default_rng(4)) == big).all()  # others left as they are


def test_a_continental_nine_gets_its_tail_curled_to_the_left() -> None:
    nine = np.zeros((112, 112), np.uint8)
    cv2.circle(nine, (56, 35), 15, 255, 7)
    nine[35:90, 65:72] = 255  # the stem on the loop's right, down to y = 89
    for _, ys, xs, added in _strokes_added(nine, 9, 6):
        assert added > 40
        assert xs.min() < 65 - 4 and xs.max() <= 73  # to the left of the stem's end
        assert ys.min() > 60 and ys.max() <= 92  # at the bottom, not up by the loop
        assert ys[xs == xs.min()].mean() < ys[xs >= 63].mean() + 1  # curling up, not down


def test_a_continental_seven_gets_a_bar_across_its_stem() -> None:
    seven = np.zeros((112, 112), np.uint8)
    cv2.line(seven, (30, 20), (80, 20), 255, 7)  # the top bar...
    cv2.line(seven, (80, 20), (50, 90), 255, 7)  # ...and the stem down to the left
    for out, ys, xs, added in _strokes_added(seven, 7, 7):
        assert added > 40
        assert 20 + 0.35 * 70 < ys.mean() < 20 + 0.7 * 70  # a little below the middle
        assert ys.max() - ys.min() < xs.max() - xs.min()  # lying, not standing
        stem_x = 80 - 30 * (ys.mean() - 20) / 70  # where the stem is at that height
        assert xs.min() < stem_x - 3 and xs.max() > stem_x + 3  # across it, both sides
        assert (out[seven > 0] == 255).all()


def test_variants_change_ones_sevens_and_nines_only() -> None:
    one = (_bar() * 255).astype(np.uint8)
    batch = np.stack([np.round(normalize_digit(one) * 255).astype(np.uint8)] * 8)
    aug = Augment(rotation=0, shift=0, zoom=0, scan=0, renormalize=True, variants=1.0)
    as_ones = augment_batch(batch, aug, np.random.default_rng(5), np.ones(8, np.uint8))[..., 0]
    as_fours = augment_batch(batch, aug, np.random.default_rng(5), np.full(8, 4))[..., 0]
    upper_left = (slice(0, 12), slice(0, 12))
    assert all(x[upper_left].sum() > 1.0 for x in as_ones)
    assert all(x[upper_left].sum() < 0.05 for x in as_fours)
    # Without labels nothing is changed: the same crops as the 4s.
    plain = augment_batch(batch, aug, np.random.default_rng(5))[..., 0]
    assert np.allclose(plain, as_fours)
    as_sevens = augment_batch(batch, aug, np.random.default_rng(5), np.full(8, 7))[..., 0]
    assert all(np.abs(x - y).sum() > 1.0 for x, y in zip(as_sevens, plain, strict=True))
