"""File sizes as the language writes them: "95 byte", "1,2 MB" in Italian; "95 bytes", "1.2 MB".

Django's ``filesizeformat`` says "95 bytes" in Italian too (its catalogue gives the English
plural), where ``byte`` is invariable. Kilobytes and up are Django's, in the language's number
format; the number and its unit never part at a line's end (a no-break space, as Django's).
"""

from django.template.defaultfilters import filesizeformat
from django.utils.html import avoid_wrapping
from django.utils.translation import ngettext


def file_size(size) -> str:
    """Return a size in bytes in words: "95 byte", "1 byte", "12,3 KB", "1,2 MB" (with a
    no-break space); "" if None."""
    if size is None or size == "":
        return ""
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if 0 <= size < 1024:
        # The same message as Django's, so that its Italian here serves filesizeformat too.
        return avoid_wrapping(ngettext("%(size)d byte", "%(size)d bytes", size) % {"size": size})
    return filesizeformat(size)
