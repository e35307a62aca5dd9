"""Draw the app's icons as PNG files, with nothing but the standard library.

    python scripts/make_icons.py

A plain shape that says nothing about treatment: a rounded square with a white ring and a dot
(a sun, a calendar mark — whatever the person sees in it). The maskable icon keeps the ring inside
the central 80 % safe zone. Running it again writes the same bytes.
"""

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BLUE = (31, 95, 139)
WHITE = (255, 255, 255)


def png(size: int, pixel) -> bytes:
    """Encode an RGB image given by pixel(x, y) -> (r, g, b, a) as a PNG file."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # no filter
        for x in range(size):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def drawer(size: int, maskable: bool):
    """Return the pixel function of the icon at one size."""
    c = (size - 1) / 2
    radius = size * (0.18 if not maskable else 0.0)  # maskable icons fill the square
    scale = 0.8 if maskable else 1.0
    ring_out, ring_in, dot = (size * scale * f for f in (0.32, 0.22, 0.09))

    def inside_rounded(x, y):
        if radius == 0:
            return True
        dx = max(radius - x, 0, x - (size - 1 - radius))
        dy = max(radius - y, 0, y - (size - 1 - radius))
        return dx * dx + dy * dy <= radius * radius

    def pixel(x, y):
        if not inside_rounded(x, y):
            return (0, 0, 0, 0)
        d = ((x - c) ** 2 + (y - c) ** 2) ** 0.5
        if ring_in <= d <= ring_out or d <= dot:
            return (*WHITE, 255)
        return (*BLUE, 255)

    return pixel


ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself
}


def ico(sizes: list[int]) -> bytes:
    """Pack PNG images into one .ico file (PNG entries, as every browser since 2009 reads)."""
    images = [png(size, drawer(size, False)) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, image in zip(sizes, images, strict=True):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + entries + b"".join(images)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        (OUT / name).write_bytes(png(size, drawer(size, maskable)))
        print(f"wrote static/icons/{name}")
    (OUT / "favicon.ico").write_bytes(ico([16, 32, 48]))
    print("wrote static/icons/favicon.ico")


if __name__ == "__main__":
    main()
