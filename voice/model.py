"""The Vosk model: is the folder complete, and one loaded copy for the whole process.

Loading takes one to two seconds and 100-500 MB, and a model is read-only once loaded, so
every request shares it; each utterance gets its own small recognizer (engine.py).
A folder is checked file by file before Vosk sees it: Vosk stops the whole program on
some broken folders instead of raising, and a coordinator needs to read what is missing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What Vosk's Model::ConfigureV2 / ReadDataFiles read (vosk-api src/model.cc).
REQUIRED = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf")
GRAPH_FULL = ("graph/HCLG.fst",)
GRAPH_LOOKAHEAD = ("graph/HCLr.fst", "graph/Gr.fst", "graph/disambig_tid.int")
IVECTOR = tuple(
    f"ivector/{name}"
    for name in ("final.ie", "final.dubm", "final.mat", "global_cmvn.stats", "online_cmvn.conf",
                 "splice.conf")
)  # fmt: skip
RESCORE = ("rescore/G.carpa", "rescore/G.fst")

PRODUCT_MODEL = "vosk-model-small-nl-0.22"


@dataclass(frozen=True)
class ModelCheck:
    path: str
    ok: bool
    missing: tuple[str, ...] = ()
    message: str = ""  # Dutch, for the coordinator screen and the command line
    model_folder: str = ""  # where the model really is (it may be one folder down)


def _problem_files(root: Path, names: tuple[str, ...]) -> list[str]:
    """Names that are absent or empty (an interrupted copy from a USB stick)."""
    problems = []
    for name in names:
        file = root / name
        if not file.is_file():
            problems.append(name)
        elif file.stat().st_size == 0:
            problems.append(f"{name} (leeg)")
    return problems


def _missing(root: Path) -> list[str]:
    missing = _problem_files(root, REQUIRED)
    if not (root / GRAPH_FULL[0]).is_file():
        missing += _problem_files(root, GRAPH_LOOKAHEAD)
    # Optional parts, but all or nothing: half an i-vector extractor does not load.
    if (root / "ivector").exists():
        missing += _problem_files(root, IVECTOR)
    if (root / RESCORE[0]).exists():
        missing += _problem_files(root, RESCORE)
    return missing


def check_model_folder(path: str | Path | None) -> ModelCheck:
    """Is this a complete Vosk model folder? Says in plain Dutch what is wrong."""
    if not path or not str(path).strip():
        return ModelCheck(
            "",
            False,
            message="Er is geen spraakmodel ingesteld (BUURTKIOSK_VOSK_MODEL). "
            "Installeer het met: buurtkiosk voice-model --download",
        )
    root = Path(path).expanduser()
    if not root.exists():
        return ModelCheck(
            str(root), False, message=f"De map van het spraakmodel bestaat niet: {root}"
        )
    if not root.is_dir():
        return ModelCheck(
            str(root), False, message=f"Het spraakmodel moet een map zijn, geen bestand: {root}"
        )
    missing = _missing(root)
    if missing and not (root / "conf/model.conf").is_file():
        # An unzipped download often leaves the model one folder deeper.
        inner = [d for d in sorted(root.iterdir()) if d.is_dir() and not _missing(d)]
        if len(inner) == 1:
            return ModelCheck(
                str(root),
                True,
                model_folder=str(inner[0]),
                message=f"Spraakmodel gevonden in {inner[0]}",
            )
    if missing:
        listed = ", ".join(missing)
        return ModelCheck(
            str(root),
            False,
            tuple(missing),
            f"Het spraakmodel in {root} is niet compleet. Dit ontbreekt: {listed}. "
            "Installeer het opnieuw met: buurtkiosk voice-model",
        )
    return ModelCheck(str(root), True, model_folder=str(root), message=f"Spraakmodel klaar: {root}")


@dataclass
class LoadedModel:
    model: Any  # vosk.Model
    path: str
    seconds: float  # how long loading took
    words: dict[str, bool] = field(default_factory=dict)  # find_word answers, remembered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def knows(self, word: str) -> bool:
        known = self.words.get(word)
        if known is None:
            known = self.model.vosk_model_find_word(word) >= 0
            with self.lock:
                self.words[word] = known
        return known


_loaded: dict[str, LoadedModel] = {}
_loading = threading.Lock()


class ModelError(RuntimeError):
    """The model cannot be used; `str()` is a Dutch sentence for the coordinator."""


def shared_model(path: str | Path) -> LoadedModel:
    """The model at this folder, loaded on first use and shared by every request after."""
    check = check_model_folder(path)
    if not check.ok:
        raise ModelError(check.message)
    folder = str(Path(check.model_folder).resolve())
    model = _loaded.get(folder)
    if model is not None:
        return model
    with _loading:  # two first requests at once must not load it twice
        model = _loaded.get(folder)
        if model is None:
            import vosk

            vosk.SetLogLevel(-1)
            started = time.perf_counter()
            try:
                raw = vosk.Model(folder)  # a path only: Model(lang=...) would try to download
            except Exception as error:  # vosk raises a bare Exception
                raise ModelError(f"Het spraakmodel in {folder} laadt niet: {error}") from error
            model = LoadedModel(raw, folder, time.perf_counter() - started)
            _loaded[folder] = model
    return model

