"""The command line (typer + rich): commands in app.py, every option in options.py, the terminal
side in terminal.py, what each command shows in views.py. The core never imports this package."""

from .app import app, main

__all__ = ["app", "main"]
