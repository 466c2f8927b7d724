"""The PDF libraries and fonts load with a process's first PDF, not with the app, and two
threads making that first PDF at once both get it whole."""

from tests.support.fresh_process import run_fresh

FIRST_PDFS_AT_ONCE = """
import re
import sys
import threading

import assets  # the whole app: every blueprint, service and command

loaded = [name for name in ("fpdf", "fontTools", "uharfbuzz") if name in sys.modules]
assert not loaded, f"loaded with the app: {loaded}"

from assets.files.pdf.label_stock import LabelData

label = LabelData(
    url="https://assets.school.invalid/a/IT-0042",
    tag="IT-0042",
    model="Zoë O'Brien-Ngô's 笔记本电脑",
    school="Ashbrook School",
)
start = threading.Barrier(2)
made = [None, None]
failed = []


def first_pdf(index):
    start.wait()
    try:
        from assets.files.pdf.labels import build_label_pdf

        made[index] = build_label_pdf([label], "L7651")
    except BaseException as error:
        failed.append(repr(error))


threads = [threading.Thread(target=first_pdf, args=(index,)) for index in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert not failed, failed

from assets.files.pdf.labels import build_label_pdf


def undated(pdf):  # the date made, and the file ID fpdf2 derives from it
    return re.sub(rb"/CreationDate \\(D:\\d+Z\\)|/ID \\[<\\w+><\\w+>\\]", b"", pdf)


again = build_label_pdf([label], "L7651")
assert made[0].startswith(b"%PDF") and undated(made[0]) == undated(again)
assert undated(made[1]) == undated(again)
print("both made")
"""


def test_the_app_loads_no_pdf_library_and_two_first_pdfs_at_once_are_both_whole():
    assert run_fresh(FIRST_PDFS_AT_ONCE) == "both made"
