"""The rules and their tables: what a signup, an activity, a seat is. No Flask here."""
