"""Names and words in the scripts a signed record must keep exactly, and how to read a PDF's
text back as a person copying it would."""

# Greek and Cyrillic letters that look like Latin ones are the point here.
# ruff: noqa: RUF001

NAMES = {
    "Polish": "Łukasz Żółkiewski-Wiśniewska",
    "Welsh": "Siân Llŷr ap Gwŵyn",
    "French": "Zoë Brontë-Lefèvre",
    "Vietnamese": "Nguyễn Thị Hương",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Олександр Ковальчук",
    "Chinese": "王芳",
    "Arabic": "محمد عبد الله",
}
"""A person's name in each script, keyed by the script's name."""

TERMS = {
    "Polish": "Sprzęt należy zwrócić w pełni sprawny.",
    "Welsh": "Rhaid dychwelyd yr offer i'r ysgol, a'i gadw'n ddiogel yn y tŷ.",
    "Vietnamese": "Người mượn phải giữ gìn thiết bị cẩn thận.",
    "Greek": "Ο εξοπλισμός πρέπει να επιστραφεί σε καλή κατάσταση.",
    "Cyrillic": "Обладнання слід повернути в належному стані.",
    "Chinese": "借用人必须妥善保管设备。",
    "Arabic": "يجب إعادة المعدات بحالة جيدة",
}
"""A sentence of loan terms in each script."""

_EMBEDDINGS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e"))


def logical(text: str) -> str:
    """`text` with runs of white space made one space, and without the embedding marks that
    pdftotext puts around right-to-left runs (U+202B ... U+202C), leaving the letters in the
    order they are read."""
    return " ".join(text.translate(_EMBEDDINGS).split())
