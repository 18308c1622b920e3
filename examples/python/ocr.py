#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""OCR on the NPU: PaddleOCR's PP-OCRv4 (detection, then recognition) through accel.Session,
with numpy only for the steps between the two networks.

    PYTHONPATH=python examples/python/ocr.py [IMAGE [MODEL_DIR]]

IMAGE: a binary PPM (P6), or any image PIL reads when it is installed; default: the test
image scripts/models/ppocr_image.py renders (MODEL_DIR/image.ppm). MODEL_DIR (default
models/ppocr, made by `make models-ppocr`) holds det.onnx, rec.onnx and ppocr_keys_v1.txt.

1. Detection: the image resized to a multiple of 32 on each side (960 at most), channels
   B, G, R, (x / 255 - mean) / std as PaddleOCR's det; the model gives a text probability
   per pixel.
2. Boxes: the map above 0.3, its connected components (8-neighbour), each kept when its mean
   probability is at least 0.6, its bounding box grown by DB's unclip distance
   (area * 1.5 / perimeter; axis-aligned here) and scaled back to the image.
3. Recognition: each box's crop resized to height 48 (width by aspect, 320 at most),
   (x / 255 - 0.5) / 0.5, zero-padded to 320; the model gives 40 steps of 6625 classes.
4. CTC greedy decoding: the best class per step, repeats merged, blanks (class 0) dropped;
   class i is line i of ppocr_keys_v1.txt for 1 <= i <= 6623, the last class a space.

Prints the text of each box, one line per box, top to bottom. Run on the test image (no
IMAGE), it checks that text against MODEL_DIR/text.txt, the text the image was rendered with.
Exit status 0; 1 when the test image's text differs; 77 when numpy or the models are missing
(skipped).
"""
import os
import sys

try:
    import numpy as np
except ImportError:
    print("ocr.py: numpy not installed (python3-numpy): skipped")
    sys.exit(77)

import accel  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
DET_STD = np.array([0.229, 0.224, 0.225], np.float32)
DET_MAX_SIDE = 960
DET_THRESH, BOX_THRESH, UNCLIP_RATIO = 0.3, 0.6, 1.5
REC_H, REC_W = 48, 320


def read_image(path):
    """An HxWx3 uint8 RGB array: a binary PPM here, other formats through PIL."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"P6":
        # Header: magic, width, height, maxval, separated by whitespace (no comments here).
        fields, pos = [], 2
        while len(fields) < 3:
            while data[pos:pos + 1].isspace():
                pos += 1
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(int(data[pos:end]))
            pos = end
        w, h, maxval = fields
        if maxval != 255:
            raise ValueError(f"{path}: PPM of maxval {maxval}, only 255 is read")
        return np.frombuffer(data, np.uint8, w * h * 3, pos + 1).reshape(h, w, 3)
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB"))


def resize(img, h, w):
    """Bilinear resize of an HxWxC array to h x w (pixel centres aligned, as OpenCV's)."""
    src_h, src_w = img.shape[:2]
    ys = np.clip((np.arange(h) + 0.5) * src_h / h - 0.5, 0, src_h - 1)
    xs = np.clip((np.arange(w) + 0.5) * src_w / w - 0.5, 0, src_w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, src_h - 1), np.minimum(x0 + 1, src_w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    f = img.astype(np.float32)
    top = f[y0][:, x0] * (1 - fx) + f[y0][:, x1] * fx
    bottom = f[y1][:, x0] * (1 - fx) + f[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def det_size(h, w):
    """Each side scaled to fit DET_MAX_SIDE, then rounded to a multiple of 32 (at least 32)."""
    scale = min(1.0, DET_MAX_SIDE / max(h, w))
    return (max(32, int(round(h * scale / 32)) * 32), max(32, int(round(w * scale / 32)) * 32))


def det_input(img, h, w):
    x = resize(img, h, w)[:, :, ::-1] / 255.0
    return ((x - DET_MEAN) / DET_STD).transpose(2, 0, 1)[None].astype(np.float32)


def components(mask):
    """Labels of the 8-connected components of a boolean map (0: background), by runs: each
    row's runs of foreground pixels, a run joined (union-find) to every run of the row above
    that it touches or meets at a corner."""
    h, w = mask.shape
    runs = []			# (row, start, end) of each run, end exclusive
    for y in range(h):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask[y].astype(np.int8), [0]))))
        runs.extend((y, int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]))
    parent = list(range(len(runs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    prev, cur, row = [], [], -1
    for i, (y, a, b) in enumerate(runs):
        if y != row:
            prev, cur, row = (cur if y == row + 1 else []), [], y
        for j in prev:
            if runs[j][1] <= b and a <= runs[j][2]:	# overlapping or diagonal neighbours
                parent[find(j)] = find(i)
        cur.append(i)
    labels = np.zeros((h, w), np.int64)
    for i, (y, a, b) in enumerate(runs):
        labels[y, a:b] = find(i) + 1
    return labels


def boxes_of(prob, scale_y, scale_x, img_h, img_w):
    """Axis-aligned text boxes (x0, y0, x1, y1) in image pixels, top to bottom."""
    labels = components(prob > DET_THRESH)
    boxes = []
    for lab in np.unique(labels[labels > 0]):
        ys, xs = np.nonzero(labels == lab)
        if prob[ys, xs].mean() < BOX_THRESH:
            continue
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        bw, bh = x1 - x0, y1 - y0
        if min(bw, bh) < 3:
            continue
        # DB's unclip: the shrunk region grown back by area * ratio / perimeter.
        d = bw * bh * UNCLIP_RATIO / (2 * (bw + bh))
        boxes.append((int(max(0, np.floor((x0 - d) * scale_x))),
                      int(max(0, np.floor((y0 - d) * scale_y))),
                      int(min(img_w, np.ceil((x1 + d) * scale_x))),
                      int(min(img_h, np.ceil((y1 + d) * scale_y)))))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def rec_input(img, box):
    x0, y0, x1, y1 = box
    crop = img[y0:y1, x0:x1]
    w = min(REC_W, max(1, int(np.ceil(REC_H * crop.shape[1] / crop.shape[0]))))
    x = resize(crop, REC_H, w)[:, :, ::-1] / 255.0
    out = np.zeros((1, 3, REC_H, REC_W), np.float32)
    out[0, :, :, :w] = ((x - 0.5) / 0.5).transpose(2, 0, 1)
    return out


def ctc_decode(probs, charset):
    """Greedy CTC: the best class per step, repeats merged, blanks dropped."""
    best = probs.argmax(axis=-1)
    keep = (best != 0) & np.concatenate(([True], best[1:] != best[:-1]))
    return "".join(charset[i] for i in best[keep])


def main():
    model_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "models", "ppocr")
    image = sys.argv[1] if len(sys.argv) > 1 else os.path.join(model_dir, "image.ppm")
    expected = None if len(sys.argv) > 1 else os.path.join(model_dir, "text.txt")
    needed = [os.path.join(model_dir, f) for f in ("det.onnx", "rec.onnx", "ppocr_keys_v1.txt")]
    if not all(os.path.exists(p) for p in needed + [image] + ([expected] if expected else [])):
        print(f"ocr.py: {model_dir} lacks the models or the image (make models-ppocr): skipped")
        return 77
    with open(needed[2], encoding="utf-8") as f:
        charset = ["<blank>"] + [line.rstrip("\r\n") for line in f] + [" "]

    img = read_image(image)
    h, w = det_size(*img.shape[:2])
    with accel.Session(needed[0], shapes={"x": (1, 3, h, w)}) as det:
        prob = next(iter(det.run({"x": det_input(img, h, w)}).values()))[0, 0]
    boxes = boxes_of(prob, img.shape[0] / h, img.shape[1] / w, *img.shape[:2])
    lines = []
    with accel.Session(needed[1], shapes={"x": (1, 3, REC_H, REC_W)}) as rec:
        for box in boxes:
            probs = next(iter(rec.run({"x": rec_input(img, box)}).values()))[0]
            lines.append(ctc_decode(probs, charset))
            print(lines[-1])
    if expected:
        with open(expected, encoding="utf-8") as f:
            want = f.read().splitlines()
        if lines != want:
            print(f"ocr.py: the test image reads {lines}, it was rendered with {want}",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
