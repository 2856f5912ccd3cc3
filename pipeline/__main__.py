"""`python -m pipeline` runs the govdoc command line."""
from .cli import main

main()
