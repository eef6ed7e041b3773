"""What the read-only pages show of a historical row."""


class Shown:
    """A historical row with what the page adds to it; its fields read through."""

    def __getattr__(self, name):
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)
