"""A generated picture of a protocol copy for the demo (Pillow): no photograph from outside is used.

The picture is a sheet with the form's line numbers, labels and the figures given, the parties'
votes (by option code: the default font has no Cyrillic) and a round stamp, slightly turned as a
phone photo is. It is deterministic: the same figures give the same bytes, so a rerun of the
demo attaches nothing new.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from elections.models import Contest
from elections.protocol import Figures

WIDTH, HEIGHT = 900, 1250  # pixels
PAPER, INK, STAMP = (246, 243, 232), (30, 30, 60), (70, 80, 170)


def protocol_photo(contest: Contest, station_number: str, figures: Figures) -> bytes:
    """Return a JPEG (bytes) showing `figures` as the protocol of PEC `station_number` of `contest`."""
    sheet = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(sheet)
    title, text = ImageFont.load_default(size=30), ImageFont.load_default(size=21)
    draw.text((60, 50), f"PROTOCOL  of PEC No. {station_number}", font=title, fill=INK)
    draw.text((60, 95), contest.election.name[:70], font=text, fill=INK)
    y = 150
    for number, line in enumerate(contest.form.lines.order_by("position"), start=1):
        draw.text((60, y), f"{number:>2}. {line.labels.get('en', line.code)[:52]}", font=text, fill=INK)
        draw.text((760, y), str(figures.lines.get(line.code, "")), font=text, fill=INK)
        y += 34
    y += 16
    for option in contest.options.order_by("position"):
        draw.text((60, y), f"    {option.code}", font=text, fill=INK)  # Latin: the font has no Cyrillic
        draw.text((760, y), str(figures.options.get(option.code, "")), font=text, fill=INK)
        y += 34
    draw.ellipse((620, HEIGHT - 230, 820, HEIGHT - 30), outline=STAMP, width=6)
    draw.text((655, HEIGHT - 145), f"PEC {station_number}", font=title, fill=STAMP)
    photo = sheet.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(90, 85, 80))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
