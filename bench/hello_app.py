"""The bare Flask route the load benchmark measures the portal against, served the same way."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "Hello"
