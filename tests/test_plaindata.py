"""Plain data: what crosses from the sandbox is rebuilt without executing anything."""

import json

import numpy as np
import pytest
import torch

from rnncourse.grading.plaindata import (
    Described,
    Iterated,
    ModuleData,
    PlainDataError,
    decode,
    dumps,
    encode,
    module_spec,
)


def roundtrip(value, **kw):
    return decode(json.loads(dumps(encode(value))), **kw)


def test_arrays_keep_dtype_shape_and_values():
    for arr in (np.arange(6, dtype=np.int64).reshape(2, 3), np.float32(3.5) * np.ones((2, 1, 2), np.float32),
                np.array(True), np.zeros((0, 4), np.float64), np.array(7, dtype=np.int32)):
        back = roundtrip(arr)
        assert back.dtype == arr.dtype and back.shape == arr.shape and np.array_equal(back, arr)


def test_tensors_keep_grad_and_requires_grad():
    t = torch.randn(3, requires_grad=True)
    t.grad = torch.ones(3)
    back = roundtrip(t)
    assert isinstance(back, torch.Tensor) and back.requires_grad
    assert torch.equal(back.detach(), t.detach()) and torch.equal(back.grad, t.grad)


def test_containers_and_special_floats():
    value = {"a": (1, 2.5, None), 3: [float("nan"), float("inf")], "s": "text"}
    back = roundtrip(value)
    assert back["a"] == (1, 2.5, None) and back["s"] == "text"
    assert np.isnan(back[3][0]) and back[3][1] == float("inf")


def test_generators_arrive_as_lists_and_are_bounded():
    back = roundtrip(i for i in range(20_000))
    assert isinstance(back, Iterated) and back.truncated and len(back) == 10_000


def test_objects_are_only_described():
    class Sneaky:
        def __eq__(self, other):
            return True

    back = roundtrip(Sneaky())
    assert isinstance(back, Described) and back != 1 and back.type_name == "Sneaky"


def test_object_arrays_are_refused():
    forged = {"__nd__": "AAAA", "dtype": "|O", "shape": [1]}
    with pytest.raises(PlainDataError):
        decode(forged)
    assert isinstance(roundtrip(np.array([object()], dtype=object)), Described)


def test_size_must_match_shape():
    with pytest.raises(PlainDataError):
        decode({"__nd__": "AAAAAAAAAAA=", "dtype": "<i8", "shape": [2]})


def test_modules_are_rebuilt_only_from_a_whitelist():
    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    spec = json.loads(dumps(module_spec(lstm)))
    rebuilt = decode(spec, build_modules=True)
    assert isinstance(rebuilt, torch.nn.LSTM) and rebuilt.batch_first
    assert torch.equal(rebuilt.weight_hh_l0, lstm.weight_hh_l0)
    assert isinstance(decode(spec), ModuleData)  # the trusted side never builds modules it is sent
    spec["__module__"] = "Module"
    with pytest.raises(PlainDataError):
        decode(spec, build_modules=True)
