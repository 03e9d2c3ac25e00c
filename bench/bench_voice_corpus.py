"""How well the kiosk understands the Dutch corpus (tests/voice_corpus/), per step:
correct, asked again, wrong, and false yeses; plus the time `understand` takes.

    python bench/bench_voice_corpus.py
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ops.voice_agenda import demo_choices  # noqa: E402
from voice import corpus  # noqa: E402
from voice.lang import get_language  # noqa: E402
from voice.understand import understand  # noqa: E402

TODAY = date(2026, 12, 1)
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "voice_corpus"


def main() -> int:
    language = get_language("nl")
    choices, _ = demo_choices(TODAY)
    lines = corpus.read(sorted(CORPUS.glob("*.txt")))
    understand("confirm", "ja", choices, language, today=TODAY)  # templates parsed once
    started = time.perf_counter()
    results, figures = corpus.run(lines, choices, language, TODAY)
    elapsed = time.perf_counter() - started
    print(
        f"{'step':<18}{'answers':>8}{'correct':>9}{'asked again':>13}{'wrong':>7}{'false yes':>11}"
    )
    total = corpus.StepFigures()
    for step, f in sorted(figures.items()):
        print(
            f"{step:<18}{f.total:>8}{f.correct:>9}{f.asked_again:>13}{f.wrong:>7}{f.false_yes:>11}"
        )
        total.total += f.total
        total.correct += f.correct
        total.asked_again += f.asked_again
        total.wrong += f.wrong
        total.false_yes += f.false_yes
    print(
        f"{'all':<18}{total.total:>8}{total.correct:>9}{total.asked_again:>13}"
        f"{total.wrong:>7}{total.false_yes:>11}"
    )
    print(
        f"correct {total.correct / total.total:.1%}, asked again "
        f"{total.asked_again / total.total:.1%}, wrong {total.wrong / total.total:.1%}"
    )
    by_file: dict[str, list[corpus.Result]] = {}
    for result in results:
        by_file.setdefault(result.line.source.split(":")[0], []).append(result)
    for name, found in sorted(by_file.items()):
        right = sum(r.correct for r in found)
        again = sum(r.asked_again for r in found)
        false_yes = sum(r.false_yes for r in found)
        print(f"  {name}: {right}/{len(found)} correct ({right / len(found):.1%}), "
              f"{again} asked again, {len(found) - right - again} wrong, {false_yes} false yes")
    times = []
    for text in ("ja", "nee dat klopt helemaal niet", "ja hoor dat is helemaal goed dank u wel"):
        for _ in range(20):
            t0 = time.perf_counter()
            understand("confirm", text, choices, language, today=TODAY)
            times.append(time.perf_counter() - t0)
    print(
        f"understand: {elapsed / len(lines) * 1000:.1f} ms per answer on average; "
        f"yes/no median {statistics.median(times) * 1000:.1f} ms"
    )
    for result in results:
        if not result.correct:
            print(
                f"  miss {result.line.source} {result.line.step}: {result.line.text!r} -> "
                f"{result.understood.outcome}; accepted {' '.join(sorted(result.line.accepted))}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
