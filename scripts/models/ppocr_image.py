#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Render the PP-OCR test image and the models' inputs for it (models/README.md, "ppocr").

    scripts/models/ppocr_image.py [DIR]          (default: models/ppocr)

Writes, into DIR:
  image.png            two lines of known text, black DejaVu Sans on white (Debian
                       fonts-dejavu-core, python3-pil)
  image.ppm            the same image as a binary PPM, which the OCR example reads with
                       numpy alone (examples/python/ocr.py)
  text.txt             that text, one line per line of the image
  det_data/input_0.pb  the detection model's input for the image: [1, 3, H, W] float, the
                       image's size (a multiple of 32), normalised as PaddleOCR's det
                       preprocessing does: channels in OpenCV's B, G, R order,
                       (x / 255 - mean) / std with mean 0.485, 0.456, 0.406 and std 0.229,
                       0.224, 0.225 (PaddleOCR applies them to the BGR image as they are)
  rec_data/input_0.pb  the recognition model's input for the first line, cropped where it
                       was drawn: [1, 3, 48, 320], resized to height 48 keeping its aspect,
                       (x / 255 - 0.5) / 0.5, zero-padded on the right (PaddleOCR's rec)

The tensors are ONNX TensorProto messages written by hand (dims, data_type 1, raw_data), so
that nothing but PIL and numpy is needed. Deterministic: the same bytes each run.
"""
import os
import struct
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LINES = ["accel reads 2026 words", "PP-OCRv4 on the NPU 42"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WIDTH, HEIGHT = 512, 160	# multiples of 32, as the det model's strides need
FONT_SIZE = 32
MARGIN_X, FIRST_Y, LINE_STEP = 24, 28, 64
REC_H, REC_W = 48, 320
DET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
DET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tensor_proto(arr, name):
    """An ONNX TensorProto of a float32 array: dims (1), data_type (2), name (8), raw_data (9)."""
    arr = np.ascontiguousarray(arr, dtype="<f4")
    msg = b"".join(b"\x08" + varint(d) for d in arr.shape)
    msg += b"\x10" + varint(1)
    nb = name.encode()
    msg += b"\x42" + varint(len(nb)) + nb
    raw = arr.tobytes()
    msg += b"\x4a" + varint(len(raw)) + raw
    return msg


def render():
    """The image and each line's box (x0, y0, x1, y1) as drawn."""
    img = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, FONT_SIZE)
    boxes = []
    for i, line in enumerate(LINES):
        xy = (MARGIN_X, FIRST_Y + i * LINE_STEP)
        draw.text(xy, line, fill="black", font=font)
        boxes.append(draw.textbbox(xy, line, font=font))
    return img, boxes


def det_input(img):
    """[1, 3, H, W]: BGR, (x / 255 - mean) / std, as PaddleOCR's det preprocessing."""
    bgr = np.asarray(img, np.float32)[:, :, ::-1] / 255.0
    x = (bgr - DET_MEAN) / DET_STD
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def rec_input(img, box, pad=4):
    """[1, 3, 48, 320]: the crop resized to height 48 (width by aspect, at most 320),
    BGR, (x / 255 - 0.5) / 0.5, zeros to the right."""
    x0, y0, x1, y1 = box
    crop = img.crop((max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, img.width),
                     min(y1 + pad, img.height)))
    w = min(REC_W, max(1, int(np.ceil(REC_H * crop.width / crop.height))))
    crop = crop.resize((w, REC_H), Image.BILINEAR)
    bgr = np.asarray(crop, np.float32)[:, :, ::-1] / 255.0
    x = np.zeros((1, 3, REC_H, REC_W), np.float32)
    x[0, :, :, :w] = ((bgr - 0.5) / 0.5).transpose(2, 0, 1)
    return x


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "ppocr")
    img, boxes = render()
    for sub in ("det_data", "rec_data"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    img.save(os.path.join(out, "image.png"))
    img.save(os.path.join(out, "image.ppm"))
    with open(os.path.join(out, "text.txt"), "w") as f:
        f.write("".join(line + "\n" for line in LINES))
    with open(os.path.join(out, "det_data", "input_0.pb"), "wb") as f:
        f.write(tensor_proto(det_input(img), "x"))
    with open(os.path.join(out, "rec_data", "input_0.pb"), "wb") as f:
        f.write(tensor_proto(rec_input(img, boxes[0]), "x"))
    print(f"ppocr_image: {out}/image.png {img.width}x{img.height}, {len(LINES)} lines")


if __name__ == "__main__":
    main()
