"""Getting the Dutch model onto a kiosk: download it from its publisher when online, or
install it from a zip or folder (a USB stick) when not, and check it either way.

The publisher (Alpha Cephei) lists each model with its size and MD5 in model-list.json.
That MD5 comes from the same server as the zip, so it catches a broken or cut-off
download, not a tampered one; the SHA-256 printed after each install lets a stadsdorp
pin the exact file it trusts (`--sha256`) for the next kiosks it sets up.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voice.model import PRODUCT_MODEL, ModelCheck, check_model_folder

PUBLISHER = "https://alphacephei.com/vosk/models/"
MODEL_LIST_URL = PUBLISHER + "model-list.json"
TIMEOUT = 30

Say = Callable[[str], None]


class InstallError(RuntimeError):
    """Says in Dutch what went wrong and what to do."""


@dataclass(frozen=True)
class Published:
    name: str
    url: str
    size: int | None = None
    md5: str | None = None


def published(name: str = PRODUCT_MODEL, list_url: str = MODEL_LIST_URL) -> Published:
    """The publisher's entry for the model; without a list, at least its usual address."""
    url = PUBLISHER + name + ".zip"
    try:
        with urllib.request.urlopen(list_url, timeout=TIMEOUT) as response:
            entries = json.load(response)
    except (OSError, ValueError):
        return Published(name, url)
    for entry in entries:
        if entry.get("name") == name:
            size = entry.get("size")
            return Published(
                name,
                entry.get("url") or url,
                int(size) if str(size).isdigit() else None,
                entry.get("md5") or None,
            )
    return Published(name, url)


def file_digests(path: Path) -> tuple[str, str]:
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            md5.update(block)
            sha256.update(block)
    return md5.hexdigest(), sha256.hexdigest()


def download(entry: Published, target: Path, say: Say = print) -> Path:
    """Fetch the zip into `target` (a file), checking size and MD5 when published."""
    say(f"Spraakmodel downloaden: {entry.url}")
    try:
        with (
            urllib.request.urlopen(entry.url, timeout=TIMEOUT) as response,
            target.open("wb") as out,
        ):
            total = int(response.headers.get("Content-Length") or 0) or entry.size or 0
            done, shown = 0, -1
            while block := response.read(1 << 20):
                out.write(block)
                done += len(block)
                if total and (percent := done * 100 // total) // 10 != shown:
                    shown = percent // 10
                    say(f"  {percent} % ({done // 1_000_000} van {total // 1_000_000} MB)")
    except OSError as error:
        target.unlink(missing_ok=True)
        raise InstallError(
            f"Downloaden lukt niet ({error}). Is er internet? Zonder internet: zet het "
            f"bestand {entry.name}.zip op een USB-stick en gebruik --from."
        ) from error
    md5, _ = file_digests(target)
    size = target.stat().st_size
    if entry.size and size != entry.size:
        target.unlink()
        raise InstallError(
            f"De download is niet compleet ({size} van {entry.size} bytes). "
            "Probeer het nog een keer."
        )
    if entry.md5 and md5 != entry.md5.lower():
        target.unlink()
        raise InstallError(
            "De download is beschadigd (controlegetal klopt niet). Probeer het nog een keer."
        )
    say("Download compleet" + (" en gecontroleerd (MD5 van de uitgever)." if entry.md5 else "."))
    return target


def _safe_extract(archive: Path, into: Path) -> None:
    """zipfile has no filter like tarfile's "data": refuse paths that leave the folder."""
    root = into.resolve()
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            destination = (root / member.filename).resolve()
            if not destination.is_relative_to(root):
                raise InstallError(f"Het zip-bestand is niet veilig: {member.filename}")
            is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
            if is_link:
                raise InstallError(f"Het zip-bestand bevat een snelkoppeling: {member.filename}")
        zf.extractall(root)


def install(
    source: Path, models_dir: Path, *, sha256: str | None = None, say: Say = print
) -> ModelCheck:
    """Install from a zip or a folder into models_dir/<model name>; returns the check of
    the installed folder. The old model stays in place until the new one is complete."""
    source = source.expanduser()
    if not source.exists():
        raise InstallError(f"Niet gevonden: {source}")
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nieuw-", dir=models_dir))
    try:
        if source.is_file():
            if sha256:
                _, actual = file_digests(source)
                if actual != sha256.lower():
                    raise InstallError(f"Dit is niet het verwachte bestand (SHA-256 {actual}).")
            if not zipfile.is_zipfile(source):
                raise InstallError(f"Dit is geen zip-bestand: {source}")
            say(f"Uitpakken: {source}")
            _safe_extract(source, staging)
        else:
            say(f"Kopiëren: {source}")
            shutil.copytree(source, staging / source.name)
        check = check_model_folder(staging)
        if not check.ok:
            raise InstallError(check.message.replace(str(staging), str(source)))
        found = Path(check.model_folder)
        name = (
            found.name if found != staging else (source.stem if source.is_file() else source.name)
        )
        final = models_dir / name
        if final.exists():
            old = models_dir / f".oud-{name}"
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
            found.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            found.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = check_model_folder(final)
    if source.is_file():
        say(f"SHA-256 van {source.name}: {file_digests(source)[1]}")
    return result


def download_and_install(
    models_dir: Path, *, name: str = PRODUCT_MODEL, url: str | None = None, say: Say = print
) -> ModelCheck:
    entry = published(name)
    if url:
        entry = Published(name, url)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".download-") as tmp:
        archive = download(entry, Path(tmp) / f"{name}.zip", say)
        return install(archive, models_dir, say=say)
