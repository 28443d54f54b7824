import pytest

import framesieve as fs


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (fs.InvalidInputError, ValueError),
        (fs.InvalidTypeError, TypeError),
        (fs.LimiterConnectionError, ConnectionError),
    ],
)
def test_error_classes_are_both_framesieve_and_builtin(cls, builtin):
    assert issubclass(cls, fs.FramesieveError)
    assert issubclass(cls, builtin)
    with pytest.raises(builtin, match="boom"):
        raise cls("boom")
