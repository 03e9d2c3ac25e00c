"""What goes on paper and how it gets there.

layout.py holds the print operations and wrap (words break only at a Dutch syllable:
linebreak.py); ticket.py, slips.py, attendance.py and test_page.py are the documents, as pure
functions; jobs.py is the one table from a print job's kind to the document it prints;
render.py turns operations into ESC/POS bytes through python-escpos, backends.py sends the
bytes to the printer a URL names, and worker.py takes jobs from the print queue.
Nothing here imports Flask.
"""

from printing import escpos_cache

# The one thing done on import here: it must come before python-escpos is first imported,
# and importing the kiosk's app (or any command) already imports it, before create_app runs.
escpos_cache.prepare()
