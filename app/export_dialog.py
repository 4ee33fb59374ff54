"""The export dialog: what to write, where, and the loudness (the window runs the export)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QVBoxLayout)

from core.export import ExportOptions, planned_files


class ExportDialog(QDialog):
    def __init__(self, project, outdir: str, parent=None, matched: bool = False):
        """`matched`: the editor plays lines tone- and room-tone-matched, so both start ticked."""
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.project = project
        self.dir = QLineEdit(outdir)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dir, 1)
        row.addWidget(browse)
        self.name = QLineEdit("dub")
        self.stem = QCheckBox("Dialogue stem (48 kHz / 24-bit WAV, full video length)")
        self.per_cue = QCheckBox("One WAV per cue, named by timecode")
        self.srt = QCheckBox("Subtitles (SRT)")
        self.video = QCheckBox("Video with the dub")
        self.mix = QCheckBox("…and a second video mixing the dub with the original audio")
        self.tone = QCheckBox("Match each line's tone to the original (EQ towards the guide track)")
        self.ambience = QCheckBox("Lay the original's room tone under each line (its noise floor)")
        self.normalize = QCheckBox("Normalise loudness")
        for cb in (self.stem, self.per_cue, self.srt, self.video, self.normalize):
            cb.setChecked(True)
        has_video = bool(project.video.path)
        self.video.setEnabled(has_video)
        self.mix.setEnabled(has_video and project.video.has_audio)
        from core.tone import guide_tones
        self.tone.setEnabled(bool(guide_tones(project)))
        self.tone.setToolTip("Needs cues analysed with the original track (Analyse, guide audio).")
        from core.ambience import guide_ambiences
        self.ambience.setEnabled(bool(guide_ambiences(project)))
        self.ambience.setToolTip("Needs cues analysed with the original track (Analyse, guide "
                                 "audio); projects analysed before this option need a new analysis.")
        for cb in (self.tone, self.ambience):
            cb.setChecked(matched and cb.isEnabled())
        self.target = QDoubleSpinBox()
        self.target.setRange(-40, -5)
        self.target.setValue(-23.0)
        self.target.setSuffix(" LUFS")
        self.ceiling = QDoubleSpinBox()
        self.ceiling.setRange(-10, 0)
        self.ceiling.setValue(-1.0)
        self.ceiling.setSuffix(" dBTP")
        self.normalize.toggled.connect(self.target.setEnabled)
        self.normalize.toggled.connect(self.ceiling.setEnabled)
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Base name", self.name)
        for cb in (self.stem, self.per_cue, self.srt, self.video, self.mix, self.tone, self.ambience,
                   self.normalize):
            form.addRow(cb)
        form.addRow("Integrated loudness", self.target)
        form.addRow("True-peak ceiling", self.ceiling)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.info)
        lay.addWidget(buttons)

    def options(self, overwrite: bool = False) -> ExportOptions:
        return ExportOptions(
            outdir=Path(self.dir.text()).expanduser(), basename=self.name.text().strip() or "dub",
            stem=self.stem.isChecked(), per_cue=self.per_cue.isChecked(), srt=self.srt.isChecked(),
            video=self.video.isChecked() and self.video.isEnabled(),
            mix_original=self.mix.isChecked() and self.mix.isEnabled(),
            match_tone=self.tone.isChecked() and self.tone.isEnabled(),
            match_ambience=self.ambience.isChecked() and self.ambience.isEnabled(),
            normalize=self.normalize.isChecked(), target_lufs=self.target.value(),
            ceiling_dbtp=self.ceiling.value(), overwrite=overwrite)

    def _browse(self):
        d = QFileDialog.getExistingDirectory(self, "Export folder", self.dir.text())
        if d:
            self.dir.setText(d)

    def _accept(self):
        """Ask before overwriting; the chosen options are in `self.chosen`."""
        if not self.dir.text().strip():
            self.info.setText("Choose a folder first.")
            return
        opts = self.options()
        existing = [p for p in planned_files(self.project, opts) if p.exists()]
        if existing:
            names = "\n".join(str(p) for p in existing[:8])
            more = f"\n… and {len(existing) - 8} more" if len(existing) > 8 else ""
            ans = QMessageBox.question(self, "Overwrite?",
                                       f"These files exist already:\n{names}{more}\n\nReplace them?")
            if ans != QMessageBox.StandardButton.Yes:
                return
            opts.overwrite = True
        self.chosen = opts
        self.accept()

