"""Offline speech: Vosk recognition, the spoken dialog, read-aloud with pyttsx3."""
