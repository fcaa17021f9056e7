"""python -m mcuforge.cli"""

from . import app

app()
