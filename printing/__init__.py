"""What goes on paper and how it gets there.

layout.py turns a signup (or anything else) into print operations, render.py turns those into
ESC/POS bytes through python-escpos, backends.py sends the bytes to the printer a URL names,
and worker.py takes jobs from the print queue. Nothing here imports Flask.
"""

from printing import escpos_cache

# The one thing done on import here: it must come before python-escpos is first imported,
# and importing the kiosk's app (or any command) already imports it, before create_app runs.
escpos_cache.prepare()
