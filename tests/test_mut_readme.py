"""The defaults the README documents are the machine's: read from the README's text, not restated.

Bug caught: a default changed in ``MarkI.__init__`` (or in the README) without the other, which
no other test notices because every other test passes its settings or reads them back from the
machine itself.
"""

import ast
import inspect
import re
from pathlib import Path

from simulator import MarkI

README = Path(__file__).resolve().parent.parent / "README.md"


def _documented_signature() -> dict:
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.findall(r"`MarkI\(\*, ([^`]*)\)`", text)
    assert len(found) == 1, "the README documents MarkI's signature once, as `MarkI(*, ...)`"
    call = ast.parse(f"f({found[0]})", mode="eval").body
    return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


def test_the_readmes_defaults_are_the_constructors():
    documented = _documented_signature()
    actual = {name: p.default for name, p in inspect.signature(MarkI).parameters.items()}
    assert documented, "no defaults read from the README"
    for name, value in documented.items():
        assert name in actual, f"the README documents {name}=, MarkI has no such setting"
        assert actual[name] == value and type(actual[name]) in (type(value), float, int), \
            f"README says {name}={value!r}, MarkI's default is {actual[name]!r}"
    # every setting but the retina's size (the Mark I's 20 x 20, told in the prose) is documented
    assert set(actual) - set(documented) == {"retina_size"}


def test_a_default_machine_is_the_one_the_readme_describes():
    # "20 x 20 retina, 512 A-units, 8 R-units" and "(512, 8) potentiometer settings"
    text = README.read_text(encoding="utf-8")
    assert "m = MarkI(seed=1)                      # 20 x 20 retina, 512 A-units, 8 R-units" in text
    m = MarkI(seed=1)
    assert (m.retina_size, m.a_units, m.r_units) == (20, 512, 8)
    documented = _documented_signature()
    params = MarkI().get_params()
    assert {name: params[name] for name in documented} == documented
