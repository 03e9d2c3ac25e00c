"""The speech worker process: renders sentences to WAV files with pyttsx3 (espeak-ng).

Runs as `python -m voice.tts_worker VOICE RATE`, reads one JSON request per line on stdin
({"text": ..., "path": ...}) and answers one JSON line on stdout. It lives in its own
process because pyttsx3's runAndWait is known to hang on a later call in one process;
the parent kills and restarts a worker that does not answer in time.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    voice, rate = argv[0], int(argv[1])
    # pyttsx3 and espeak print to stdout ("Audio saved to ..."); the answers need it clean.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    import pyttsx3

    engine = pyttsx3.init()
    engine.setProperty("voice", voice)
    engine.setProperty("rate", rate)
    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            engine.save_to_file(request["text"], request["path"])
            engine.runAndWait()
            answer: dict[str, object] = {"ok": os.path.exists(request["path"])}
        except Exception as error:  # report it; the parent decides what to do
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
