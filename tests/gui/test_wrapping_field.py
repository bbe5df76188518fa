"""The caption/prompt field: a long sentence shows whole on more lines, Enter runs instead of breaking the line."""

from PySide6.QtCore import QMimeData, Qt

from lab_app.widgets.wrapping_field import WrappingChoice, WrappingField

LONG = "a smiling round face with pale skin, brown hair and blue eyes, on a blue background"


def test_a_long_caption_shows_whole_on_more_lines(qtbot):
    field = WrappingField("short")
    qtbot.addWidget(field)
    field.resize(240, field.height())
    field.show()
    one_line = field.height()
    field.setText(LONG)
    qtbot.waitUntil(lambda: field.height() > one_line, timeout=2000)
    assert field.verticalScrollBar().maximum() == 0  # all of it on screen
    assert field.text() == LONG


def test_enter_runs_and_pasted_lines_join(qtbot):
    field = WrappingField("a face")
    qtbot.addWidget(field)
    with qtbot.waitSignal(field.returnPressed, timeout=1000):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "a face"  # no line break typed
    data = QMimeData()
    data.setText(" with\nblue eyes")
    field.moveCursor(field.textCursor().MoveOperation.End)
    field.insertFromMimeData(data)
    assert field.text() == "a face with blue eyes"


def test_choice_offers_ready_made_captions_and_keeps_typed_text(qtbot):
    choice = WrappingChoice()
    qtbot.addWidget(choice)
    choice.addItems([LONG, "a frowning face"])
    assert choice.currentText() == LONG and choice.count() == 2
    choice.menu.actions()[1].trigger()
    assert choice.currentText() == "a frowning face"
    choice.field.setText("my own caption")
    assert choice.currentText() == "my own caption"
