"""Training augmentations keep digits digits: shape, range, ink and position preserved."""

import cv2
import numpy as np

from digitocr.segment.normalize import normalize_digit
from digitocr.train.augment import Augment, _elastic, augment_batch, not_one_digit


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
