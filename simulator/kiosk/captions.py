"""The kiosk's words: captions and labels from one TOML file per language, edited without code.

A museum translates the exhibit by copying ``assets/kiosk/captions/en.toml`` to ``CODE.toml``
(``fr.toml``, ``nl.toml`` ...) in the captions folder and translating the quoted text; the
loader lists the folder, so the new language is offered at once. English, shipped with the
simulator, is the reference: a key a translation lacks is shown in English (and logged), and a
translated text whose ``{placeholders}`` differ from the English one is not used (and logged),
so a missing or mistyped line never blanks the screen. A file that is not valid TOML is a
start-up error naming the file and the line.

Keys are written as TOML tables (``[countdown]`` ``title = "..."``) and read as dotted names
(``"countdown.title"``). A value is a string or, for the attract loop's captions, a list of
strings shown in turn (a translation may have more or fewer of them).
"""

from __future__ import annotations

import logging
import re
import string
import tomllib
from pathlib import Path

from ..errors import ConfigError, printable
from .config import CAPTIONS_DIR

log = logging.getLogger(__name__)

REFERENCE = "en"
_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})?")
_MAX_BYTES = 1_000_000


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a text fills in (``"Resetting in {seconds}"`` -> {"seconds"})."""
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
    except ValueError:  # a lone brace: treated as a placeholder mismatch by the caller
        return frozenset({"{"})


def _flatten(table: dict, prefix: str, out: dict, where: str) -> dict:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out, where)
        elif isinstance(value, str) or (isinstance(value, list) and value
                                        and all(isinstance(v, str) for v in value)):
            out[name] = value
        else:
            raise ConfigError(f"{where}: {name} must be text in quotes (or a list of texts); "
                              "correct that line")
    return out


def read_file(path) -> dict[str, str | list[str]]:
    """One caption file as ``{dotted key: text}``; a one-line ConfigError naming file and line."""
    where = printable(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the caption file ({exc.strerror or exc})") from None
    if len(raw) > _MAX_BYTES:
        raise ConfigError(f"{where}: is larger than {_MAX_BYTES:,} bytes, not a caption file")
    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: is not valid TOML: {' '.join(str(exc).split())}; correct that line") \
            from None
    return _flatten(table, "", {}, where)


def available(folder=CAPTIONS_DIR) -> list[str]:
    """The language codes with a caption file in ``folder`` (English always), sorted."""
    codes = {REFERENCE}
    try:
        names = [p.name for p in Path(folder).iterdir()]
    except OSError:
        names = []
    for name in names:
        if name.endswith(".toml") and _CODE.fullmatch(name[:-5]):
            codes.add(name[:-5])
    return sorted(codes)


class Captions:
    """The words of one language, with English for whatever it lacks.

    Parameters
    ----------
    language : str
        A language code: ``folder / f"{language}.toml"`` is read.
    folder : path
        The captions folder (the config's ``captions_dir``).

    Raises
    ------
    ConfigError
        When a caption file is missing or damaged (one line naming the file and the line).
    """

    def __init__(self, *, language: str = REFERENCE, folder=CAPTIONS_DIR):
        self.language = language
        self.folder = Path(folder)
        self.texts_, self.fallbacks_ = self._load()

    def _load(self):
        english = read_file(CAPTIONS_DIR / f"{REFERENCE}.toml")
        museum_english = self.folder / f"{REFERENCE}.toml"
        if museum_english.resolve() != (CAPTIONS_DIR / f"{REFERENCE}.toml").resolve() \
                and museum_english.is_file():
            english = self._merged(english, read_file(museum_english), museum_english)[0]
        if self.language == REFERENCE:
            return english, []
        path = self.folder / f"{self.language}.toml"
        if not path.is_file():
            raise ConfigError(f"{printable(path)}: no caption file for language {self.language!r}; "
                              f"add it (copy {REFERENCE}.toml and translate it) or choose another language")
        return self._merged(english, read_file(path), path)

    @staticmethod
    def _merged(english: dict, theirs: dict, path: Path):
        texts, fallbacks = {}, []
        for key, ref in english.items():
            text = theirs.get(key)
            if text is None:
                log.warning("%s: no %s; shown in English", printable(path), key)
            elif type(text) is not type(ref):
                log.warning("%s: %s should be %s; shown in English", printable(path), key,
                            "a list of texts" if isinstance(ref, list) else "one text")
                text = None
            elif isinstance(ref, str) and placeholders(text) != placeholders(ref):
                log.warning("%s: %s fills in %s, English fills in %s; shown in English",
                            printable(path), key, sorted(placeholders(text)), sorted(placeholders(ref)))
                text = None
            if text is None:
                fallbacks.append(key)
                text = ref
            texts[key] = text
        for key in theirs.keys() - english.keys():
            log.warning("%s: %s is not a key of the captions; ignored", printable(path), key)
        return texts, fallbacks

    def text(self, key: str, **values) -> str:
        """The text of ``key`` with its placeholders filled in (``seconds=7``)."""
        text = self.texts_[key]
        if isinstance(text, list):
            raise KeyError(f"{key} is a list of captions; use lines()")
        return text.format(**values) if values else text

    def lines(self, key: str) -> list[str]:
        """A list of texts, such as the attract loop's captions (``"attract.captions"``)."""
        text = self.texts_[key]
        return list(text) if isinstance(text, list) else [text]

    def keys(self) -> list[str]:
        """Every key, as English has them."""
        return list(self.texts_)


def offered(config) -> dict[str, Captions]:
    """Every language the config offers, loaded: a damaged or missing caption file is raised now,
    at start-up, not when a visitor presses its button.

    Parameters
    ----------
    config : KioskConfig
        Its ``languages`` (empty: every file in ``captions_dir``), ``language`` and ``captions_dir``.

    Returns
    -------
    dict
        Language code -> :class:`Captions`, the config's ``language`` first.
    """
    codes = list(config.languages) or available(config.captions_dir)
    codes = [config.language] + [c for c in codes if c != config.language]
    return {code: Captions(language=code, folder=config.captions_dir) for code in codes}
