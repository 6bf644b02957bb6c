"""Says hello: the stand-in project of release-captain's python-wheel recipe."""


def greet(name: str) -> str:
    return f"Hello, {name}!"
