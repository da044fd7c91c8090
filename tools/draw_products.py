#!/usr/bin/env python3
"""Draws the shop's product pictures (simple flat illustrations) as PNG files.

Run from the repository root: python3 tools/draw_products.py
Uses only the standard library so that anyone can regenerate the images.
"""
import struct
import zlib
from pathlib import Path

SIZE = 1000


def png(pixels, path):
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(data)


def draw(kind, band, face, screen):
    bg = (244, 246, 249)
    rows = []
    cx, cy = SIZE // 2, SIZE // 2
    for y in range(SIZE):
        row = bytearray()
        for x in range(SIZE):
            color = bg
            dx, dy = x - cx, y - cy
            if kind in ("watch", "band-strap"):
                if abs(dx) < 150:
                    color = band
            if kind == "tracker" and abs(dx) < 110:
                color = band
            if kind == "watch":
                # Rounded-square case and screen.
                if max(abs(dx), abs(dy)) < 230 and (abs(dx) < 190 or abs(dy) < 190 or (abs(dx) - 190) ** 2 + (abs(dy) - 190) ** 2 < 40 ** 2):
                    color = face
                if max(abs(dx), abs(dy)) < 185 and (abs(dx) < 155 or abs(dy) < 155 or (abs(dx) - 155) ** 2 + (abs(dy) - 155) ** 2 < 30 ** 2):
                    color = screen
                if 60 < dy < 80 and abs(dx) < 100:
                    color = face
            elif kind == "tracker":
                if abs(dx) < 135 and abs(dy) < 260:
                    color = face
                if abs(dx) < 100 and abs(dy) < 200:
                    color = screen
            elif kind == "cable":
                ring = (dx * dx + dy * dy) ** 0.5
                if 300 < ring < 330:
                    color = band
                if abs(dx) < 60 and abs(dy + 330) < 90:
                    color = face
            elif kind == "glass":
                if abs(dx) < 260 and abs(dy) < 260:
                    color = screen
                if abs(dx - 40) < 260 and abs(dy - 40) < 260 and not (abs(dx) < 260 and abs(dy) < 260):
                    color = face
            row += bytes(color)
        rows.append(row)
    return rows


PRODUCTS = {
    "smart-watches/sense-2.png": ("watch", (40, 44, 52), (180, 180, 186), (20, 24, 40)),
    "smart-watches/versa-4.png": ("watch", (214, 96, 88), (230, 190, 150), (24, 28, 44)),
    "smart-watches/ace-lte.png": ("watch", (70, 130, 200), (250, 200, 60), (30, 34, 50)),
    "fitness-bands/charge-6.png": ("tracker", (30, 30, 34), (90, 90, 96), (16, 20, 36)),
    "fitness-bands/inspire-3.png": ("tracker", (250, 120, 150), (60, 60, 66), (20, 24, 40)),
    "fitness-bands/luxe.png": ("tracker", (235, 220, 200), (210, 170, 110), (20, 24, 40)),
    "fitness-bands/ace-3.png": ("tracker", (90, 200, 140), (50, 50, 56), (20, 24, 40)),
    "accessories/charge-6-sport-band.png": ("band-strap", (240, 110, 90), (240, 110, 90), (240, 110, 90)),
    "accessories/woven-band.png": ("band-strap", (60, 80, 130), (60, 80, 130), (60, 80, 130)),
    "accessories/charging-cable.png": ("cable", (40, 40, 44), (120, 120, 128), (40, 40, 44)),
    "accessories/screen-protector.png": ("glass", (0, 0, 0), (200, 220, 235), (225, 238, 246)),
}

if __name__ == "__main__":
    for relative, spec in PRODUCTS.items():
        target = Path("content/products") / relative
        png(draw(*spec), target)
        print(target, target.stat().st_size, "bytes")
