"""What the task table and the regularizers say about a user's own model: its outputs and
targets checked per task, the weight penalty on every kernel, and the components that need
the architecture refused with the reason."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.errors import UsageError
from zoo.specs import parse_regularizer
from zoo.specs.regularizers import add_kernel_penalty, check_own_model
from zoo.specs.tasks import task


def _softmax(rows: int, k: int) -> np.ndarray:
    return np.full((rows, k), 1.0 / k, dtype="float32")


def test_a_classifier_needs_a_softmax_row_per_example():
    t = task("classification")
    t.check_outputs(_softmax(2, 3))  # fits
    with pytest.raises(UsageError, match=r"shape \(batch, 1\).*binary_classification"):
        t.check_outputs(np.full((2, 1), 0.5))
    with pytest.raises(UsageError, match=r"not probabilities.*Dense\(3, activation='softmax'\)"):
        t.check_outputs(np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3]]))


def test_a_binary_classifier_needs_one_sigmoid_unit():
    t = task("binary_classification")
    t.check_outputs(np.full((2, 1), 0.3))
    with pytest.raises(UsageError, match=r"one unit, \(batch, 1\)"):
        t.check_outputs(_softmax(2, 2))
    with pytest.raises(UsageError, match="sigmoid"):
        t.check_outputs(np.array([[3.0], [-1.0]]))


def test_labels_out_of_range_for_the_output_name_the_valid_ones():
    t = task("classification")
    t.check_targets(np.array([0, 2, 1]), "y_train", (3,))
    with pytest.raises(UsageError, match=r"y_val holds labels from 0 to 3.*integers 0\.\.2"):
        t.check_targets(np.array([0, 3]), "y_val", (3,))
    with pytest.raises(UsageError, match=r"shape \(2, 3\).*argmax"):
        t.check_targets(np.eye(3)[:2], "y_train", (3,))
    with pytest.raises(UsageError, match=r"from -1"):
        task("binary_classification").check_targets(np.array([-1, 1]), "y_train", (1,))
    with pytest.raises(UsageError, match="integers 0..1"):
        task("binary_classification").check_targets(np.array([0.5, 1]), "y_test", (1,))


def test_regression_takes_numbers_and_one_output_per_target():
    t = task("regression")
    assert t.output_classes(1) == 0 and not t.higher_is_better and t.validation == "val_mse"
    t.check_outputs(np.array([[3.5], [-2.0]]))
    t.check_targets(np.array([1.5, -2.25]), "y_train", (1,))
    t.check_targets(np.zeros((4, 2)), "y_train", (2,))
    with pytest.raises(UsageError, match=r"one output per target, shape \('batch', 2\)"):
        t.check_targets(np.zeros((4, 2)), "y_train", (1,))
    assert task("classification").output_classes(7) == 7
    assert task("binary_classification").output_classes(1) == 2


def _mlp() -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(2)])
    return model


def test_the_weight_penalty_goes_on_every_kernel_and_into_the_loss():
    model = _mlp()
    assert add_kernel_penalty(model, parse_regularizer("none")) == 0 and not model.losses
    assert add_kernel_penalty(model, parse_regularizer("l2:0.5")) == 2
    kernels = [v for v in model.trainable_weights if v.name == "kernel"]
    expected = sum(0.5 * float(np.sum(np.square(v.numpy()))) for v in kernels)
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-5)
    assert all(v.regularizer is None for v in model.trainable_weights if v.name == "bias")


def test_components_that_need_the_architecture_are_refused_with_the_reason():
    applies = ("l1", "l2", "label_smoothing")
    check_own_model(parse_regularizer("l2+label_smoothing"), "m:build", applies)
    with pytest.raises(UsageError) as err:
        check_own_model(parse_regularizer("l2+dropout"), "mypkg.models:build", applies)
    message = str(err.value)
    assert "mypkg.models:build" in message and "dropout needs the architecture" in message
    assert "these apply: none, l1, l2, label_smoothing" in message
    with pytest.raises(UsageError, match="mixup does not apply to this task or data"):
        check_own_model(parse_regularizer("mixup"), "m:build", applies)
