"""The framework's ceiling for bench/throughput.py: a Flask app with one trivial endpoint."""

from flask import Flask

app = Flask(__name__)


@app.get("/search")
def search() -> str:
    """Answer at once, whatever the query."""
    return "ok"
